// Real receivers for tests, each a Python script on a loopback port writing what it received
// as JSON lines: tests/notify/smtp_sink.py (an SMTP server, Debian's python3-aiosmtpd; each
// mail parsed by Python's email package) and tests/notify/webhook_sink.py (a chat webhook that
// checks the HMAC signature itself).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/processes.h"
#include "tests/test_util.h"

namespace bestand::testing {

// A helper process started with `argv` (argv[0] a full path) that prints a line starting with
// "ready" on its stdout once it serves; stopped with SIGTERM on destruction.
class ReadyProcess {
 public:
  explicit ReadyProcess(std::vector<std::string> argv) : pid_(StartReady(argv)) {
    EXPECT_NE(pid_, -1) << argv[1] << " did not start";
  }
  ~ReadyProcess() {
    if (pid_ == -1) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  ReadyProcess(const ReadyProcess&) = delete;
  ReadyProcess& operator=(const ReadyProcess&) = delete;

 private:
  pid_t pid_;
};

// The sink `script` on `port`, appending each message to `out`; `extra` are more of its flags
// (smtp_sink.py: --delay SECONDS, --tls CERT KEY, --auth USER:PASS; webhook_sink.py: --secret S,
// --tls CERT KEY, --status CODE --fail-while FILE).
class Sink : public ReadyProcess {
 public:
  Sink(const std::string& script, int port, const std::string& out,
       const std::vector<std::string>& extra)
      : ReadyProcess(Args(script, port, out, extra)) {}

 private:
  static std::vector<std::string> Args(const std::string& script, int port, const std::string& out,
                                       const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"/usr/bin/python3",   script,  "--port",
                                     std::to_string(port), "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
};

class SmtpSink : public Sink {
 public:
  SmtpSink(int port, const std::string& out, const std::vector<std::string>& extra = {})
      : Sink(BESTAND_SMTP_SINK, port, out, extra) {}
};

class WebhookSink : public Sink {
 public:
  WebhookSink(int port, const std::string& out, const std::vector<std::string>& extra)
      : Sink(BESTAND_WEBHOOK_SINK, port, out, extra) {}
};

// Every message in the sink's file `out` (none when it does not exist yet). A line the sink is
// still writing (no newline yet) is not one yet.
inline std::vector<google::protobuf::Struct> Received(const std::string& out) {
  std::vector<google::protobuf::Struct> mails;
  if (access(out.c_str(), F_OK) != 0) return mails;
  std::string text = ReadFile(out);
  text.erase(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    google::protobuf::Struct s;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(std::string(line), &s).ok()) << line;
    mails.push_back(s);
  }
  return mails;
}

}  // namespace bestand::testing
