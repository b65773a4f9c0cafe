// Chat webhooks over a real SQLite store and a real HTTP receiver (tests/notify/webhook_sink.py,
// which checks the HMAC signature itself): what is refused, what is stored, that a channel gets
// each message once, that a receiver that is down holds back neither mail nor other webhooks,
// and that certificates are verified. Also the certificate-expiry rule.
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/secret_box.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "server/core/audit.h"
#include "server/core/audit_verify.h"
#include "server/core/audited_state.h"
#include "server/core/notify/calendar.h"
#include "server/core/notify/notifier.h"
#include "server/mail/webhook_transport.h"
#include "tests/core/core_fixture.h"
#include "tests/notify/smtp_sink.h"

namespace bestand {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class FakeMail : public MailTransport {
 public:
  absl::Status Send(const MailMessage& m) override {
    sent.push_back(m);
    return absl::OkStatus();
  }
  std::vector<MailMessage> sent;
};

absl::Time BerlinTime(absl::CivilDay day, int hour) {
  return absl::FromCivil(absl::CivilHour(day) + hour, CompanyTimeZone());
}

std::string Field(const google::protobuf::Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? "" : it->second.string_value();
}

class WebhookTest : public testing::CoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CoreTest::SetUp());
    Create(Kind::kPerson, R"(email: "anna@firma.de" display_name: "Anna Schmidt")");
    Create(Kind::kPerson, R"(email: "bernd@firma.de" display_name: "Bernd Weiß")");
    MakeNotifier();
    v1::UpdateNotificationSettingsRequest r;
    r.mutable_settings()->add_coordinator_emails("it@firma.de");
    ASSERT_TRUE(notifier_->UpdateSettings("test", r).ok());
  }
  void MakeNotifier(std::optional<absl::Time> server_cert_expiry = std::nullopt) {
    notifier_.reset();
    auto mail = std::make_unique<FakeMail>();
    mail_ = mail.get();
    NotifierOptions o;
    o.from = "bestand@firma.de";
    o.clock = [this] { return now_; };
    o.secrets = std::make_shared<const SecretBox>(std::string(32, 'k'));
    o.server_cert_expiry = server_cert_expiry;
    absl::StatusOr<std::unique_ptr<ChatTransport>> chat = NewWebhookTransport({});
    ASSERT_TRUE(chat.ok());
    notifier_ = std::make_unique<Notifier>(store_.get(), std::move(mail), o, *std::move(chat));
  }
  absl::StatusOr<v1::AddWebhookResponse> Add(const std::string& url, const std::string& secret,
                                             const std::string& lang = "",
                                             std::vector<v1::NotificationRule> rules = {}) {
    v1::AddWebhookRequest r;
    r.mutable_webhook()->set_url(url);
    r.mutable_webhook()->set_language(lang);
    for (auto rule : rules) r.mutable_webhook()->add_rules(rule);
    r.set_secret(secret);
    return notifier_->webhooks()->Add("test", r);
  }
  void Day(absl::CivilDay day) {
    for (int hour : {6, 8, 17}) {
      now_ = BerlinTime(day, hour);
      ASSERT_TRUE(notifier_->Tick().ok());
    }
  }
  std::vector<const MailMessage*> MailTo(const std::string& to) const {
    std::vector<const MailMessage*> out;
    for (const MailMessage& m : mail_->sent) {
      if (m.to == to) out.push_back(&m);
    }
    return out;
  }
  std::vector<v1::Notification> Outbox() {
    absl::StatusOr<v1::ListNotificationsResponse> all = notifier_->List({});
    EXPECT_TRUE(all.ok()) << all.status();
    return {all->notifications().begin(), all->notifications().end()};
  }

  absl::Time now_ = BerlinTime(absl::CivilDay(2027, 1, 1), 8);
  FakeMail* mail_ = nullptr;
  std::unique_ptr<Notifier> notifier_;
};

TEST(SecretBoxTest, OpensOnlyWithItsKeyAndContextAndUnchanged) {
  SecretBox box(std::string(32, 'a'));
  absl::StatusOr<std::string> one = box.Seal("https://hooks.example/T1/B2/geheim", "webhook url");
  absl::StatusOr<std::string> two = box.Seal("https://hooks.example/T1/B2/geheim", "webhook url");
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_NE(*one, *two) << "a fresh nonce each time";
  EXPECT_THAT(*one, Not(HasSubstr("geheim")));
  EXPECT_EQ(*box.Open(*one, "webhook url"), "https://hooks.example/T1/B2/geheim");
  EXPECT_EQ(box.Open(*one, "webhook secret").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(SecretBox(std::string(32, 'b')).Open(*one, "webhook url").status().code(),
            absl::StatusCode::kDataLoss);
  std::string changed = *one;
  changed[changed.size() / 2] = changed[changed.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(box.Open(changed, "webhook url").ok());
  for (const char* bad : {"", "sb1.", "sb1.!!!", "plain text", "sb1.AAAA"}) {
    absl::StatusOr<std::string> opened = box.Open(bad, "webhook url");
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss) << bad;
    EXPECT_THAT(std::string(opened.status().message()), HasSubstr("secrets.key"));
  }
  absl::StatusOr<std::string> empty = box.Seal("", "x");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*box.Open(*empty, "x"), "");
}

TEST_F(WebhookTest, BadWebhooksAreRefusedAndNeitherUrlNorSecretIsStoredInTheClear) {
  const std::string secret = "ein-geheimnis-0123456789";
  for (const char* url :
       {"", "http://hooks.example.com/x", "ftp://hooks.example.com/x",
        "https://user:pw@hooks.example.com/x", "https:///x", "https://hooks.example.com/a b",
        "hooks.example.com/x", "https://hooks.example.com:http/x", "https://[::1/x",
        "https://hooks.example.com:99999/x"}) {
    absl::StatusOr<v1::AddWebhookResponse> r = Add(url, secret);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("webhook.url")) << url;
  }
  EXPECT_THAT(std::string(Add("https://h.example/x", "kurz").status().message()),
              HasSubstr("secret"));
  EXPECT_THAT(std::string(Add("https://h.example/x", secret, "fr").status().message()),
              HasSubstr("language"));
  EXPECT_THAT(std::string(Add("https://h.example/x", secret, "", {v1::TEST}).status().message()),
              HasSubstr("rules"));
  EXPECT_EQ(notifier_->webhooks()->List()->webhooks_size(), 0) << "nothing changed";

  const std::string url = "https://Hooks.Example.com:8443/services/T0001/B0002/XyZgeheimerPfad";
  absl::StatusOr<v1::AddWebhookResponse> added = Add(url, "");
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->webhook().name(), "webhooks/1");
  EXPECT_EQ(added->webhook().url(), "https://hooks.example.com:8443/…");
  EXPECT_GE(added->secret().size(), 40u) << "made by the server, shown once";
  ASSERT_TRUE(Add("http://127.0.0.1:9/hook", secret).ok()) << "plain HTTP to this machine";
  absl::StatusOr<v1::ListWebhooksResponse> list = notifier_->webhooks()->List();
  ASSERT_EQ(list->webhooks_size(), 2);
  EXPECT_EQ(list->webhooks(0).url(), "https://hooks.example.com:8443/…");
  EXPECT_THAT(list->DebugString(), Not(HasSubstr("geheim")));
  // Neither the database (its audit trail included) nor its write-ahead log has them.
  std::string bytes = testing::ReadFile(db());
  if (access((db() + "-wal").c_str(), F_OK) == 0) bytes += testing::ReadFile(db() + "-wal");
  EXPECT_THAT(bytes, HasSubstr("hooks.example.com:8443"));
  EXPECT_THAT(bytes, Not(HasSubstr("XyZgeheimerPfad")));
  EXPECT_THAT(bytes, Not(HasSubstr(added->secret())));
  EXPECT_THAT(bytes, Not(HasSubstr(secret)));

  v1::RemoveWebhookRequest remove;
  remove.set_name("webhooks/1");
  EXPECT_TRUE(notifier_->webhooks()->Remove("test", remove).ok());
  EXPECT_EQ(notifier_->webhooks()->Remove("test", remove).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(notifier_->webhooks()->List()->webhooks_size(), 1);
}

TEST_F(WebhookTest, AChannelGetsEachMessageOnceSignedAndADownReceiverHoldsBackNoMail) {
  testing::TempDir dir;
  const int port = testing::FreePort();
  const std::string out = dir.File("posts.jsonl"), down = dir.File("down");
  const std::string secret = "team-kanal-geheimnis-42";
  testing::WebhookSink sink(port, out, {"--secret", secret, "--fail-while", down, "--any-time"});
  ASSERT_TRUE(Add(absl::StrCat("http://127.0.0.1:", port, "/hooks/team"), secret).ok());
  ASSERT_TRUE(
      Add(absl::StrCat("http://127.0.0.1:", port, "/hooks/tasks"), secret, "en", {v1::TASKS_DUE})
          .ok());
  // The deadline (2027-01-08) is 7 days after 2027-01-01: owner and deputy hear, and the team
  // channel once; the tasks channel follows only the morning digests.
  Create(Kind::kLicense, R"(display_name: "CRM Pro" seats: 10 price_per_seat_minor: 2500
    currency: "EUR" billing_period: MONTHLY term_start: "2026-02-08" term_end: "2027-02-07"
    auto_renew: true notice_period_days: 30 owner: "anna@firma.de" deputy: "bernd@firma.de")");
  v1::Task t;
  t.set_title("Drucker einrichten");
  t.set_due_date("2027-01-02");
  ASSERT_TRUE(workflow_->CreateTask("test", t).ok());

  // The receiver is down: mail goes out all the same; the posts wait.
  testing::WriteFile(down, "");
  now_ = BerlinTime(absl::CivilDay(2027, 1, 1), 8);
  absl::Status ticked = notifier_->Tick();
  EXPECT_THAT(std::string(ticked.message()), HasSubstr("503"));
  EXPECT_THAT(std::string(ticked.message()), Not(HasSubstr("/hooks/")))
      << "a webhook's path is its secret";
  EXPECT_EQ(MailTo("anna@firma.de").size(), 1u);
  EXPECT_EQ(MailTo("bernd@firma.de").size(), 1u);
  EXPECT_EQ(MailTo("it@firma.de").size(), 1u) << "the coordinators' task digest";
  int pending = 0;
  for (const v1::Notification& n : Outbox()) {
    if (absl::StartsWith(n.recipient(), "webhooks/")) {
      EXPECT_EQ(n.state(), v1::Notification::PENDING) << n.recipient() << " " << n.key();
      ++pending;
    }
  }
  // Team: the deadline and the task digest; tasks channel: the task digest.
  EXPECT_EQ(pending, 3);
  EXPECT_TRUE(testing::Received(out).empty());

  // Up again: every post arrives, signed, once, however often the day is evaluated.
  ASSERT_EQ(unlink(down.c_str()), 0);
  for (int hour : {9, 17}) {
    now_ = BerlinTime(absl::CivilDay(2027, 1, 1), hour);
    ASSERT_TRUE(notifier_->Tick().ok());
  }
  std::vector<google::protobuf::Struct> posts = testing::Received(out);
  ASSERT_EQ(posts.size(), 3u);
  std::map<std::string, std::vector<std::string>> by_path;
  std::set<std::string> deliveries;
  for (const auto& p : posts) {
    EXPECT_TRUE(p.fields().at("signature_ok").bool_value()) << p.DebugString();
    EXPECT_THAT(Field(p, "content_type"), HasSubstr("application/json"));
    deliveries.insert(Field(p, "delivery"));
    by_path[Field(p, "path")].push_back(Field(p, "text"));
  }
  EXPECT_EQ(deliveries.size(), 3u);
  ASSERT_EQ(by_path["/hooks/team"].size(), 2u);
  ASSERT_EQ(by_path["/hooks/tasks"].size(), 1u);
  std::string deadline;
  for (const std::string& text : by_path["/hooks/team"]) {
    if (absl::StrContains(text, "CRM Pro")) deadline = text;
  }
  EXPECT_THAT(deadline, HasSubstr("Kündigungsfrist CRM Pro: 08.01.2027 (in 7 Tagen)"));
  EXPECT_THAT(deadline, Not(HasSubstr("Guten Tag"))) << "no greeting in a channel";
  EXPECT_THAT(deadline, HasSubstr("Von Bestand an diesen Kanal gesendet"));
  EXPECT_THAT(by_path["/hooks/tasks"][0], HasSubstr("Drucker einrichten"));
  EXPECT_THAT(by_path["/hooks/tasks"][0], HasSubstr("Sent to this channel by Bestand"));

  // On the 2nd the task is due today (in no digest) and the deadline's lead time is the same;
  // on the 3rd it is overdue: a new digest to both channels. Nothing twice.
  ASSERT_NO_FATAL_FAILURE(Day(absl::CivilDay(2027, 1, 2)));
  ASSERT_NO_FATAL_FAILURE(Day(absl::CivilDay(2027, 1, 3)));
  ASSERT_NO_FATAL_FAILURE(Day(absl::CivilDay(2027, 1, 3)));
  posts = testing::Received(out);
  EXPECT_EQ(posts.size(), 5u);
  std::set<std::string> all;
  for (const auto& p : posts) all.insert(Field(p, "delivery"));
  EXPECT_EQ(all.size(), posts.size()) << "no message posted twice";
}

TEST_F(WebhookTest, AWrongSecretIsRefusedByTheReceiverAndARemovedWebhookGivesUp) {
  testing::TempDir dir;
  const int port = testing::FreePort();
  const std::string out = dir.File("posts.jsonl");
  testing::WebhookSink sink(port, out, {"--secret", "what-the-receiver-expects"});
  ASSERT_TRUE(Add(absl::StrCat("http://127.0.0.1:", port, "/hook"), "what-bestand-was-given").ok());
  now_ = absl::Now();  // the receiver checks the timestamp
  v1::SendTestNotificationRequest test;
  test.set_recipient("webhooks/1");
  ASSERT_TRUE(notifier_->SendTest(test).ok());
  absl::Status refused = notifier_->Deliver(now_).status();
  EXPECT_THAT(std::string(refused.message()), HasSubstr("answered 401"));
  std::vector<google::protobuf::Struct> posts = testing::Received(out);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_FALSE(posts[0].fields().at("signature_ok").bool_value());
  EXPECT_EQ(Outbox()[0].state(), v1::Notification::PENDING) << "retried like mail";

  v1::RemoveWebhookRequest remove;
  remove.set_name("webhooks/1");
  ASSERT_TRUE(notifier_->webhooks()->Remove("test", remove).ok());
  now_ += absl::Hours(1);
  ASSERT_TRUE(notifier_->Deliver(now_).ok());
  EXPECT_EQ(Outbox()[0].state(), v1::Notification::FAILED);
  EXPECT_THAT(Outbox()[0].last_error(), HasSubstr("no webhook webhooks/1"));
  EXPECT_EQ(notifier_->SendTest(test).status().code(), absl::StatusCode::kNotFound);
}

std::string Problems(Store* store) {
  auto tx = *store->BeginRead();
  absl::StatusOr<v1::VerifyAuditResponse> v = VerifyAudit(*tx);
  EXPECT_TRUE(v.ok()) << v.status();
  std::string out;
  for (const std::string& p : v->problems()) absl::StrAppend(&out, p, "\n");
  return out;
}

TEST_F(WebhookTest, AuditVerifyCoversWebhooksCalendarLinksAndNotificationSettings) {
  ASSERT_TRUE(Add("https://hooks.example/T/B/geheim", "").ok());
  ASSERT_TRUE(Add("https://chat.example/hooks/x", "").ok());
  v1::RemoveWebhookRequest remove;
  remove.set_name("webhooks/2");
  ASSERT_TRUE(notifier_->webhooks()->Remove("test", remove).ok());
  Calendars calendars(store_.get(), [this] { return now_; });
  calendars.SetFeedUrl("https://bestand.firma.de");
  v1::CreateCalendarLinkRequest link;
  link.set_person("anna@firma.de");
  ASSERT_TRUE(calendars.CreateLink("test", link).ok());
  v1::RevokeCalendarLinksRequest revoke;
  revoke.set_person("anna@firma.de");
  ASSERT_EQ(calendars.RevokeLinks("test", revoke)->revoked(), 1);
  link.set_person("bernd@firma.de");
  ASSERT_TRUE(calendars.CreateLink("test", link).ok());
  EXPECT_EQ(Problems(store_.get()), "");

  // Changed behind Bestand's back: each is named.
  testing::ExecSql(db(), "UPDATE webhooks SET url_sealed = secret_sealed WHERE id = 1");
  testing::ExecSql(db(), "UPDATE calendar_links SET secret_sha256 = 'abc' WHERE id = 2");
  testing::ExecSql(db(),
                   "UPDATE settings SET value = replace(value, 'it@firma.de', "
                   "'spy@evil.example') WHERE name = 'notifications'");
  const std::string problems = Problems(store_.get());
  EXPECT_THAT(problems, HasSubstr("webhooks/1: differs"));
  EXPECT_THAT(problems, HasSubstr("calendarLinks/2: differs"));
  EXPECT_THAT(problems, HasSubstr("settings/notifications: differs"));
  EXPECT_THAT(problems, Not(HasSubstr("webhooks/2"))) << "removed, and audited so";
  EXPECT_THAT(problems, Not(HasSubstr("people/"))) << problems;
}

TEST_F(WebhookTest, CalendarLinksAuditedTheFormerWayVerifyAfterTheUpgrade) {
  // As the previous version recorded a link: an event on the person.
  {
    auto tx = *store_->BeginWrite();
    CalendarLinkRecord l;
    l.person_id = 1;
    l.secret_sha256 = Sha256Hex("secret");
    l.create_micros = 1;
    ASSERT_TRUE(tx->InsertCalendarLink(l).ok());
    ASSERT_TRUE(
        RecordAudit(*tx, "test", "calendar-link", "people/1", "", "{\"calendarLink\":\"1\"}").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_THAT(Problems(store_.get()), HasSubstr("people/1: differs"));
  ASSERT_TRUE(UpgradeAuditFormats(store_.get()).ok());
  EXPECT_EQ(Problems(store_.get()), "");
  ASSERT_TRUE(UpgradeAuditFormats(store_.get()).ok()) << "twice changes nothing";
  EXPECT_EQ(Problems(store_.get()), "");
}

TEST(WebhookTransportTest, CertificatesAreVerified) {
  testing::TempDir dir;
  const std::string cert = dir.File("hook.crt"), key = dir.File("hook.key");
  testing::ProcessResult made = testing::RunProcess(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
       "-keyout", key, "-out", cert});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const int port = testing::FreePort();
  const std::string out = dir.File("posts.jsonl");
  testing::WebhookSink sink(port, out, {"--secret", "s", "--tls", cert, key});
  ChatPost post;
  post.url = absl::StrCat("https://127.0.0.1:", port, "/hook/geheim");
  post.body = R"({"text":"Hallo"})";
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  post.headers = {absl::StrCat("X-Bestand-Timestamp: ", now),
                  absl::StrCat("X-Bestand-Signature: ", WebhookSignature("s", now, post.body))};
  absl::Status untrusted = (*NewWebhookTransport({}))->Post(post);
  EXPECT_FALSE(untrusted.ok());
  EXPECT_THAT(std::string(untrusted.message()), ::testing::ContainsRegex("certificate|SSL"));
  EXPECT_THAT(std::string(untrusted.message()), Not(HasSubstr("geheim")));
  EXPECT_TRUE(testing::Received(out).empty());
  absl::Status trusted = (*NewWebhookTransport({.ca_file = cert}))->Post(post);
  EXPECT_TRUE(trusted.ok()) << trusted;
  ASSERT_EQ(testing::Received(out).size(), 1u);
  EXPECT_TRUE(testing::Received(out)[0].fields().at("signature_ok").bool_value());
  EXPECT_EQ(NewWebhookTransport({.ca_file = dir.File("missing.crt")}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(WebhookTest, CertificatesExpiringAreToldToTheAdminsOncePerLeadTimeAndWeek) {
  const absl::Time expiry = absl::FromCivil(absl::CivilDay(2027, 2, 15), absl::UTCTimeZone());
  ASSERT_NO_FATAL_FAILURE(MakeNotifier(expiry));
  v1::UpdateNotificationSettingsRequest r;
  r.mutable_settings()->add_admin_emails("admin@firma.de");
  ASSERT_TRUE(notifier_->UpdateSettings("test", r).ok());
  // One agent whose certificate expires on 2027-02-01, one revoked, one far off.
  for (const char* host : {"pc-01", "pc-02", "pc-03"}) {
    Create(Kind::kDevice, absl::StrCat("hostname: \"", host, "\""));
  }
  {
    auto tx = *store_->BeginWrite();
    const int64_t soon =
        absl::ToUnixMicros(absl::FromCivil(absl::CivilDay(2027, 2, 1), absl::UTCTimeZone()));
    for (int id : {1, 2, 3}) {
      AgentRecord a;
      a.device_id = id;
      a.cert_serial = absl::StrCat("0", id);
      a.enroll_micros = 1;
      a.cert_expire_micros =
          id == 3 ? soon + absl::ToInt64Microseconds(absl::Hours(24 * 400)) : soon;
      a.revoke_micros = id == 2 ? 1 : 0;
      ASSERT_TRUE(tx->PutAgent(a).ok());
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  for (absl::CivilDay d(2027, 1, 1); d <= absl::CivilDay(2027, 2, 20); ++d) {
    ASSERT_NO_FATAL_FAILURE(Day(d));
  }
  std::vector<absl::CivilDay> server_days;
  std::vector<const MailMessage*> agents;
  for (const MailMessage* m : MailTo("admin@firma.de")) {
    if (absl::StrContains(m->subject, "Bestand-Servers")) {
      server_days.push_back(absl::ToCivilDay(m->date, CompanyTimeZone()));
    } else {
      agents.push_back(m);
    }
  }
  const absl::CivilDay e(2027, 2, 15);
  EXPECT_EQ(server_days, (std::vector<absl::CivilDay>{e - 30, e - 7, e - 1}));
  // Weekly while pc-01's certificate is within 30 days and not yet expired (2027-02-01): from
  // 2027-01-02 (the week of 2026-12-28) to the week of 2027-01-25; never pc-02 or pc-03.
  ASSERT_FALSE(agents.empty());
  for (const MailMessage* m : agents) {
    EXPECT_THAT(m->text, HasSubstr("pc-01"));
    EXPECT_THAT(m->text, Not(HasSubstr("pc-02")));
    EXPECT_THAT(m->text, Not(HasSubstr("pc-03")));
  }
  std::set<absl::CivilDay> weeks;
  for (const MailMessage* m : agents) {
    weeks.insert(
        absl::PrevWeekday(absl::ToCivilDay(m->date, CompanyTimeZone()) + 1, absl::Weekday::monday));
  }
  EXPECT_EQ(weeks.size(), agents.size()) << "at most one a week";
  EXPECT_EQ(weeks,
            (std::set<absl::CivilDay>{absl::CivilDay(2026, 12, 28), absl::CivilDay(2027, 1, 4),
                                      absl::CivilDay(2027, 1, 11), absl::CivilDay(2027, 1, 18),
                                      absl::CivilDay(2027, 1, 25)}));
  for (const MailMessage* m : MailTo("it@firma.de")) {
    EXPECT_THAT(m->subject, Not(HasSubstr("Zertifikat"))) << "the admins are set";
  }
}

}  // namespace
}  // namespace bestand
