// A real bestand-server process on a free loopback port with TLS, for end-to-end tests.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace bestand::testing {

class ServerProcess {
 public:
  // Initialises `data_dir` (once) and starts serving it.
  void Init(const std::string& data_dir) {
    data_dir_ = data_dir;
    ProcessResult init = RunProcess({BESTAND_SERVER_BIN, "init", "--data-dir", data_dir});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    for (absl::string_view line : absl::StrSplit(init.out, '\n')) {
      if (absl::ConsumePrefix(&line, "  admin token  ")) admin_ = std::string(line);
    }
    ASSERT_TRUE(absl::StartsWith(admin_, "bst_")) << init.out;
  }

  // Starts the server; `port` 0 picks a free one, another value reuses an earlier port.
  // With `inventory_endpoint`, also the HTTPS endpoint for other agents (inventory_port());
  // with `web`, the web interface (web_port()).
  // `extra` flags come last.
  void Start(int port = 0, bool inventory_endpoint = false, bool web = false,
             const std::vector<std::string>& extra = {}) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    std::vector<std::string> args = {BESTAND_SERVER_BIN, "serve",
                                     "--data-dir",       data_dir_,
                                     "--listen",         "127.0.0.1:" + std::to_string(port)};
    if (inventory_endpoint) args.insert(args.end(), {"--inventory-listen", "127.0.0.1:0"});
    if (web) args.insert(args.end(), {"--web-listen", "127.0.0.1:0"});
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      execv(BESTAND_SERVER_BIN, argv.data());
      _exit(127);
    }
    close(out[1]);
    out_fd_ = out[0];  // kept open until the server has stopped
    // The server prints "... listening on 127.0.0.1:PORT (TLS)" once it accepts calls, then a
    // line "... https://127.0.0.1:PORT/" for each HTTPS listener, in this order.
    std::string line = ReadLine();
    ASSERT_TRUE(absl::StrContains(line, "(TLS)")) << line;
    size_t colon = line.rfind(':');
    port_ = std::stoi(line.substr(colon + 1, line.find(' ', colon) - colon - 1));
    for (int* listener :
         {inventory_endpoint ? &inventory_port_ : nullptr, web ? &web_port_ : nullptr}) {
      if (listener == nullptr) continue;
      line = ReadLine();
      ASSERT_TRUE(absl::StrContains(line, "https://")) << line;
      *listener = std::stoi(line.substr(line.rfind(':') + 1));
    }
  }
  int web_port() const { return web_port_; }
  int inventory_port() const { return inventory_port_; }

  // SIGTERM, and expects a clean exit.
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "server did not stop cleanly: status " << status;
    pid_ = -1;
    close(out_fd_);
  }

  // SIGKILL: no chance to finish anything.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    close(out_fd_);
  }

  ~ServerProcess() { Stop(); }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  const std::string& admin_token() const { return admin_; }
  std::string ca() const { return data_dir_ + "/ca.crt"; }
  std::string db() const { return data_dir_ + "/bestand.db"; }

  // Runs the CLI against this server; no config file, no BESTAND_* variables and no locale leak
  // in (the CLI speaks English under C); `env` ("NAME=value") comes on top.
  ProcessResult Cli(std::vector<std::string> args, const std::string& token,
                    const std::vector<std::string>& env = {}) const {
    std::vector<std::string> argv = {BESTAND_CLI_BIN, "--server", address(), "--ca", ca()};
    if (!token.empty()) {
      argv.push_back("--token");
      argv.push_back(token);
    }
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> all = {"BESTAND_CONFIG=/nonexistent/bestand.conf",
                                    "BESTAND_TOKEN=",
                                    "BESTAND_SERVER=",
                                    "BESTAND_CA=",
                                    "LANGUAGE=",
                                    "LC_ALL=",
                                    "LC_MESSAGES=",
                                    "LANG=C.UTF-8"};
    all.insert(all.end(), env.begin(), env.end());
    return RunProcess(argv, all);
  }
  ProcessResult Admin(std::vector<std::string> args) const { return Cli(std::move(args), admin_); }

 private:
  std::string data_dir_;
  std::string admin_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = 0;
  int inventory_port_ = 0;
  int web_port_ = 0;

  std::string ReadLine() {
    std::string line;
    char c;
    while (read(out_fd_, &c, 1) == 1 && c != '\n') line += c;
    return line;
  }
};

}  // namespace bestand::testing
