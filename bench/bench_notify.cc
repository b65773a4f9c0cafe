// Notifications over the generated company (1,000 people, 300 licenses, 40 vendors with contact
// addresses) and --tasks 100,000 tasks (a fifth open, due dates spread over 200 days):
//   rules   every rule evaluated once (Notifier::Preview: read, evaluate, compose, look up the
//           outbox); target <= 200 ms
//   deliver --messages 1,000 queued messages handed to a real SMTP server on loopback
//           (tests/notify/smtp_sink.py, Debian's aiosmtpd) through libcurl; target >= 100/s
//   webhook the same number posted, signed, to a chat webhook on loopback
//           (tests/notify/webhook_sink.py, which checks every signature); no target
// next to an empty RPC (grpc.health.v1.Health/Check over TLS) of the same run. Medians of
// --rounds. Not a test: it prints.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_company.h"
#include "bench/bench_server.h"
#include "bench/bench_util.h"
#include "common/secret_box.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/core/notify/notifier.h"
#include "server/core/notify/notify_settings.h"
#include "server/mail/smtp_transport.h"
#include "server/mail/webhook_transport.h"
#include "server/pki/ca.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace bestand {
namespace {

using Clock = std::chrono::steady_clock;

// The sink `script` on `port` with `extra` flags; its pid once it listens, -1 when it does not
// start.
pid_t StartSink(const char* script, int port, const std::string& out,
                std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"/usr/bin/python3",   script,  "--port",
                                   std::to_string(port), "--out", out};
  args.insert(args.end(), extra.begin(), extra.end());
  return bench::StartReady(std::move(args));
}

// Accepts every message without sending it anywhere.
class AcceptAll : public MailTransport {
 public:
  absl::Status Send(const MailMessage&) override { return absl::OkStatus(); }
};

int Main(int argc, char** argv) {
  std::map<std::string, int> counts = {{"rounds", 11}, {"tasks", 100000}, {"messages", 1000}};
  if (!bench::ParseCounts(argc, argv, &counts,
                          "bench_notify [--rounds N] [--tasks N] [--messages N]")) {
    return 2;
  }
  const int rounds = counts["rounds"], tasks = counts["tasks"], messages = counts["messages"];
  bench::BenchDir dir;
  auto store = OpenSqliteStore({.path = dir.path() + "/bench.db"});
  auto ca = CreateCa("Bench CA");
  if (!store.ok() || !ca.ok()) return std::fprintf(stderr, "setup failed\n"), 1;
  std::mt19937 rng(42);
  {
    auto tx = (*store)->BeginWrite();
    if (!tx.ok()) return 1;
    if (absl::Status s = bench::SeedCompanyInTx(**tx, 0, 1500, rng); !s.ok()) {
      return std::fprintf(stderr, "seeding: %s\n", s.ToString().c_str()), 1;
    }
    for (int v = 1; v <= 40; ++v) {
      v1::Vendor vendor;
      if (!(*tx)->Get(Kind::kVendor, v, &vendor).ok()) return 1;
      vendor.set_contact_email(absl::StrCat("service@v", v, ".example"));
      if (!(*tx)->Update(Kind::kVendor, v, vendor).ok()) return 1;
    }
    if (absl::Status s = bench::SeedTasksInTx(**tx, tasks); !s.ok()) {
      return std::fprintf(stderr, "seeding tasks: %s\n", s.ToString().c_str()), 1;
    }
    if (!(*tx)->Commit().ok()) return std::fprintf(stderr, "seeding failed\n"), 1;
  }
  Store* raw_store = store->get();
  auto server = bench::StartTlsServer(std::move(*store), *ca);
  if (!server.ok()) return std::fprintf(stderr, "%s\n", server.status().ToString().c_str()), 1;
  v1::UpdateNotificationSettingsRequest coordinators;
  coordinators.mutable_settings()->add_coordinator_emails("it@firma.de");
  if (!UpdateNotifySettings(raw_store, "bench", coordinators).ok()) return 1;

  // The empty RPC over TLS.
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca->cert_pem;
  auto channel =
      grpc::CreateChannel(absl::StrCat("localhost:", (*server)->port()), grpc::SslCredentials(ssl));
  auto health = grpc::health::v1::Health::NewStub(channel);
  const double empty_ms = bench::MedianMs(rounds * 10, [&]() -> absl::Status {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status s = health->Check(&ctx, req, &resp);
    return s.ok() ? absl::OkStatus() : absl::UnavailableError(s.error_message());
  });

  // Every rule over the company.
  int notices = 0;
  const double rules_ms = bench::MedianMs(rounds, [&]() -> absl::Status {
    BESTAND_ASSIGN_OR_RETURN(v1::PreviewNotificationsResponse r,
                             (*server)->notifier()->Preview({}));
    notices = r.notifications_size();
    return absl::OkStatus();
  });

  // The outbox alone: the same messages through a transport that accepts at once.
  double outbox_s = 0;
  {
    NotifierOptions options;
    options.from = "bestand@firma.de";
    Notifier notifier(raw_store, std::make_unique<AcceptAll>(), options);
    for (int i = 0; i < messages; ++i) {
      v1::SendTestNotificationRequest test;
      test.set_recipient(absl::StrCat("q", i, "@firma.de"));
      if (!notifier.SendTest(test).ok()) return std::fprintf(stderr, "queuing failed\n"), 1;
    }
    const auto start = Clock::now();
    absl::StatusOr<int> done = notifier.Deliver(absl::Now() + absl::Seconds(1));
    outbox_s = std::chrono::duration<double>(Clock::now() - start).count();
    if (!done.ok() || *done != messages) return std::fprintf(stderr, "outbox failed\n"), 1;
  }

  // Delivery to a real SMTP server.
  const int port = bench::FreePort();
  const pid_t sink = StartSink(BESTAND_SMTP_SINK, port, dir.path() + "/received.jsonl");
  if (sink < 0) return std::fprintf(stderr, "the SMTP sink did not start (python3-aiosmtpd?)\n"), 1;
  SmtpOptions smtp;
  smtp.url = absl::StrCat("smtp://127.0.0.1:", port);
  smtp.allow_plaintext = true;
  auto transport = NewSmtpTransport(smtp);
  if (!transport.ok()) return 1;
  NotifierOptions options;
  options.from = "bestand@firma.de";
  Notifier notifier(raw_store, std::move(*transport), options);
  const absl::Time now = absl::Now();
  for (int i = 0; i < messages; ++i) {
    v1::SendTestNotificationRequest test;
    test.set_recipient(absl::StrCat("p", i, "@firma.de"));
    if (!notifier.SendTest(test).ok()) return std::fprintf(stderr, "queuing failed\n"), 1;
  }
  const auto start = Clock::now();
  absl::StatusOr<int> delivered = notifier.Deliver(now + absl::Seconds(1));
  const double deliver_s = std::chrono::duration<double>(Clock::now() - start).count();
  kill(sink, SIGTERM);
  waitpid(sink, nullptr, 0);
  if (!delivered.ok() || *delivered != messages) {
    return std::fprintf(stderr, "delivered %d of %d: %s\n", delivered.value_or(0), messages,
                        delivered.status().ToString().c_str()),
           1;
  }

  // Posts to a real webhook receiver that checks each signature.
  const std::string secret = "bench-webhook-secret-0123456789";
  const int hook_port = bench::FreePort();
  const pid_t hook_sink =
      StartSink(BESTAND_WEBHOOK_SINK, hook_port, dir.path() + "/posts.jsonl", {"--secret", secret});
  if (hook_sink < 0) return std::fprintf(stderr, "the webhook sink did not start\n"), 1;
  auto chat = NewWebhookTransport({});
  if (!chat.ok()) return 1;
  NotifierOptions chat_options;
  chat_options.secrets = std::make_shared<const SecretBox>(std::string(32, 'b'));
  Notifier chats(raw_store, nullptr, chat_options, std::move(*chat));
  v1::AddWebhookRequest add;
  add.mutable_webhook()->set_url(absl::StrCat("http://127.0.0.1:", hook_port, "/hook"));
  add.set_secret(secret);
  absl::StatusOr<v1::AddWebhookResponse> hook = chats.webhooks()->Add("bench", add);
  if (!hook.ok()) return std::fprintf(stderr, "%s\n", hook.status().ToString().c_str()), 1;
  for (int i = 0; i < messages; ++i) {
    v1::SendTestNotificationRequest test;
    test.set_recipient(hook->webhook().name());
    if (!chats.SendTest(test).ok()) return std::fprintf(stderr, "queuing failed\n"), 1;
  }
  const auto post_start = Clock::now();
  absl::StatusOr<int> posted = chats.Deliver(absl::Now() + absl::Seconds(1));
  const double post_s = std::chrono::duration<double>(Clock::now() - post_start).count();
  kill(hook_sink, SIGTERM);
  waitpid(hook_sink, nullptr, 0);
  if (!posted.ok() || *posted != messages) {
    return std::fprintf(stderr, "posted %d of %d: %s\n", posted.value_or(0), messages,
                        posted.status().ToString().c_str()),
           1;
  }

  std::printf("bench_notify: 1,000 people, 300 licenses, 40 vendors, %d tasks; %d rounds\n", tasks,
              rounds);
  std::printf("%-48s %10s %10s\n", "", "median ms", "x empty");
  std::printf("%-48s %10.3f %10.1f\n", "empty RPC (Health/Check over TLS)", empty_ms, 1.0);
  std::printf("%-48s %10.1f %10.1f\n",
              absl::StrCat("every rule evaluated (", notices, " notifications)").c_str(), rules_ms,
              rules_ms / empty_ms);
  std::printf("%-48s %10.3f %10.1f\n",
              absl::StrCat(messages, " messages to SMTP: ", static_cast<int>(messages / deliver_s),
                           " per second")
                  .c_str(),
              deliver_s * 1000 / messages, deliver_s * 1000 / messages / empty_ms);
  std::printf("%-48s %10.3f %10.1f\n",
              absl::StrCat(messages, " posts to a webhook: ", static_cast<int>(messages / post_s),
                           " per second")
                  .c_str(),
              post_s * 1000 / messages, post_s * 1000 / messages / empty_ms);
  std::printf("%-48s %10.3f %10.1f\n",
              absl::StrCat(messages, " messages through the outbox, no mail server").c_str(),
              outbox_s * 1000 / messages, outbox_s * 1000 / messages / empty_ms);
  std::printf("targets: rules <= 200 ms: %s; delivery >= 100 messages/s: %s\n",
              rules_ms <= 200 ? "met" : "MISSED", messages / deliver_s >= 100 ? "met" : "MISSED");
  return 0;
}

}  // namespace
}  // namespace bestand

int main(int argc, char** argv) { return bestand::Main(argc, argv); }
