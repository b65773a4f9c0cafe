// The connector tests' directory servers (tests/directory/directory_server.py: slapd, a SCIM
// service), each on loopback in its own directory; stopped on destruction.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace bestand::testing {

class DirectoryServer {
 public:
  // `kind` "slapd" or "scim"; `flags` go to the script (--dir, --port, ...).
  DirectoryServer(const std::string& kind, const std::vector<std::string>& flags) {
    std::vector<std::string> args = {
        "/usr/bin/python3", BESTAND_SOURCE_DIR "/tests/directory/directory_server.py", kind};
    args.insert(args.end(), flags.begin(), flags.end());
    int pipefd[2];
    EXPECT_EQ(pipe(pipefd), 0);
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      dup2(pipefd[1], 1);
      close(pipefd[0]);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(pipefd[1]);
    std::string line;
    char c;
    while (read(pipefd[0], &c, 1) == 1 && c != '\n') line += c;
    close(pipefd[0]);
    EXPECT_THAT(line, ::testing::HasSubstr("ready")) << kind << " did not start";
  }
  ~DirectoryServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  DirectoryServer(const DirectoryServer&) = delete;
  DirectoryServer& operator=(const DirectoryServer&) = delete;

 private:
  pid_t pid_ = -1;
};

}  // namespace bestand::testing
