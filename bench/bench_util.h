// What the benchmarks share: medians, free loopback ports, and resources seeded from protobuf text.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "common/resources.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace bestand::bench {

// A fresh directory under /tmp for a benchmark's data, removed with everything in it when this
// goes (declare it before what keeps files open there).
class BenchDir {
 public:
  BenchDir() {
    char tmpl[] = "/tmp/bestand-bench-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~BenchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;
  // "" when no directory could be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Reads "--NAME N" pairs, N a positive whole number, into `*counts`, which holds the names
// allowed with their defaults. Prints `usage` and returns false for anything else.
inline bool ParseCounts(int argc, char** argv, std::map<std::string, int>* counts,
                        const char* usage) {
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    auto it = flag.size() > 2 ? counts->find(flag.substr(2)) : counts->end();
    int v = 0;
    if (flag.rfind("--", 0) != 0 || it == counts->end() || i + 1 >= argc ||
        !absl::SimpleAtoi(argv[i + 1], &v) || v <= 0) {
      std::fprintf(stderr, "usage: %s\n", usage);
      return false;
    }
    it->second = v;
  }
  return true;
}

// A loopback port nobody listens on (free when asked).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// Starts `args` (args[0] a full path) and returns its pid once it printed a line starting with
// "ready"; -1 when it does not.
inline pid_t StartReady(std::vector<std::string> args) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    close(pipefd[0]);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipefd[1]);
  std::string line;
  char c;
  while (read(pipefd[0], &c, 1) == 1 && c != '\n') line += c;
  close(pipefd[0]);
  if (line.rfind("ready", 0) == 0) return pid;
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  return -1;
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Runs `fn` `rounds` times and returns the median wall time in milliseconds; a failed round is
// reported on stderr.
inline double MedianMs(int rounds, const std::function<absl::Status()>& fn) {
  std::vector<double> ms;
  for (int i = 0; i < rounds; ++i) {
    auto start = std::chrono::steady_clock::now();
    absl::Status s = fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    if (!s.ok()) std::fprintf(stderr, "round %d failed: %s\n", i, s.ToString().c_str());
  }
  return Median(ms);
}

// A resource of `kind` from protobuf text format, e.g. "display_name: 'V1'".
inline std::unique_ptr<google::protobuf::Message> ParseResource(Kind kind,
                                                                const std::string& text) {
  std::unique_ptr<google::protobuf::Message> m = NewResource(Spec(kind));
  google::protobuf::TextFormat::ParseFromString(text, m.get());
  return m;
}

}  // namespace bestand::bench
