// What tests and benchmarks share to run real peers on loopback: a free port and a helper
// process that says when it serves. No GoogleTest here, so bench/ can use it too.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <string>
#include <vector>

namespace bestand::testing {

// A loopback port nobody listens on (free when asked), below Linux's ephemeral range
// (32768-60999): a port taken from that range can meanwhile become the source port of any
// outgoing connection, even a connection to itself, and the peer meant to listen there fails.
inline int FreePort() {
  static std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> ports(20000, 32767);
  for (;;) {
    const int port = ports(random);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    close(fd);
    if (free) return port;
  }
}

// Starts `args` (args[0] a full path) and returns its pid once it printed a line starting with
// "ready" on stdout; -1 (and the process stopped) when it ends or says anything else first.
inline pid_t StartReady(std::vector<std::string> args) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    close(pipefd[0]);
    close(pipefd[1]);
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

}  // namespace bestand::testing
