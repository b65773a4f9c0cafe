// The notifier over a real SQLite store with a clock the test moves: every lead time fires once
// across 120 days, digests once a day, a mail server that is down loses nothing; and once over
// libcurl to a real SMTP server (Debian's aiosmtpd) that is down for an hour, then up.
#include <map>
#include <set>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/text.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "server/core/notify/notifier.h"
#include "server/mail/smtp_transport.h"
#include "tests/core/core_fixture.h"
#include "tests/notify/smtp_sink.h"

namespace bestand {
namespace {

using ::testing::HasSubstr;

// Records what it is given; refuses everything while `down`.
class FakeTransport : public MailTransport {
 public:
  absl::Status Send(const MailMessage& m) override {
    if (down) return absl::UnavailableError("connection refused");
    sent.push_back(m);
    return absl::OkStatus();
  }
  bool down = false;
  std::vector<MailMessage> sent;
};

absl::Time BerlinTime(absl::CivilDay day, int hour) {
  return absl::FromCivil(absl::CivilHour(day) + hour, CompanyTimeZone());
}

class NotifyTest : public testing::CoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CoreTest::SetUp());
    auto transport = std::make_unique<FakeTransport>();
    fake_ = transport.get();
    MakeNotifier(std::move(transport));
    Create(Kind::kPerson, R"(email: "anna@firma.de" display_name: "Anna Schmidt" language: "en")");
    Create(Kind::kPerson, R"(email: "bernd@firma.de" display_name: "Bernd Weiß")");
    v1::UpdateNotificationSettingsRequest r;
    r.mutable_settings()->add_coordinator_emails("it@firma.de");
    ASSERT_TRUE(notifier_->UpdateSettings("test", r).ok());
  }
  void MakeNotifier(std::unique_ptr<MailTransport> transport) {
    notifier_.reset();
    NotifierOptions o;
    o.from = "bestand@firma.de";
    o.web_url = "https://bestand.firma.de";
    o.clock = [this] { return now_; };
    notifier_ = std::make_unique<Notifier>(store_.get(), std::move(transport), o);
  }
  // Ticks at 06:00 (before the send hour), 08:00 and 17:00 of `day`.
  void Day(absl::CivilDay day) {
    for (int hour : {6, 8, 17}) {
      now_ = BerlinTime(day, hour);
      ASSERT_TRUE(notifier_->Tick().ok());
    }
  }
  std::vector<const MailMessage*> SentTo(const std::string& to) const {
    std::vector<const MailMessage*> out;
    for (const MailMessage& m : fake_->sent) {
      if (m.to == to) out.push_back(&m);
    }
    return out;
  }

  absl::Time now_ = BerlinTime(absl::CivilDay(2027, 1, 1), 8);
  FakeTransport* fake_ = nullptr;
  std::unique_ptr<Notifier> notifier_;
};

TEST_F(NotifyTest, EveryLeadTimeFiresOnceOnItsDayAcross120Days) {
  // Renews by itself: notice 30 days before 2027-05-31, so the deadline is 2027-05-01, 120 days
  // after 2027-01-01.
  Create(Kind::kLicense, R"(display_name: "CRM Pro" seats: 10 price_per_seat_minor: 2500
    currency: "EUR" billing_period: MONTHLY term_start: "2026-06-01" term_end: "2027-05-31"
    auto_renew: true notice_period_days: 30 owner: "anna@firma.de" deputy: "bernd@firma.de")");
  // Ends without renewing on 2027-03-31: its lead times are the term end's, 30 and 7 days.
  Create(Kind::kLicense, R"(display_name: "Grafik Suite" seats: 2 price_per_seat_minor: 6000
    term_start: "2026-04-01" term_end: "2027-03-31" owner: "anna@firma.de")");
  const absl::CivilDay start(2027, 1, 1);
  for (absl::CivilDay d = start; d <= start + 120; ++d) ASSERT_NO_FATAL_FAILURE(Day(d));

  const absl::CivilDay deadline(2027, 5, 1);
  const absl::CivilDay term_end(2027, 3, 31);
  std::multiset<absl::CivilDay> expected_anna, expected_bernd, got_anna, got_bernd;
  for (int lead : {90, 60, 30, 14, 7, 1}) {
    expected_anna.insert(deadline - lead);
    expected_bernd.insert(deadline - lead);
  }
  for (int lead : {30, 7}) expected_anna.insert(term_end - lead);
  for (const MailMessage* m : SentTo("anna@firma.de")) {
    got_anna.insert(absl::ToCivilDay(m->date, CompanyTimeZone()));
    EXPECT_EQ(absl::ToCivilHour(m->date, CompanyTimeZone()).hour(), 8) << m->subject;
  }
  for (const MailMessage* m : SentTo("bernd@firma.de")) {
    got_bernd.insert(absl::ToCivilDay(m->date, CompanyTimeZone()));
  }
  EXPECT_EQ(got_anna, expected_anna);
  EXPECT_EQ(got_bernd, expected_bernd);
  EXPECT_EQ(fake_->sent.size(), 14u);
  EXPECT_TRUE(SentTo("it@firma.de").empty()) << "the licenses have owners";

  // Anna reads English, Bernd German (the company's default); the mail says what to decide.
  const MailMessage* seven_days = nullptr;
  for (const MailMessage* m : SentTo("bernd@firma.de")) {
    if (absl::ToCivilDay(m->date, CompanyTimeZone()) == deadline - 7) seven_days = m;
  }
  ASSERT_NE(seven_days, nullptr);
  EXPECT_EQ(seven_days->subject, "Kündigungsfrist CRM Pro: 01.05.2027 (in 7 Tagen)");
  EXPECT_THAT(seven_days->text, HasSubstr("Guten Tag Bernd Weiß,"));
  EXPECT_THAT(seven_days->text, HasSubstr("verlängert sich am 01.06.2027 von selbst"));
  // 10 seats x 25,00 € x 12 months.
  EXPECT_THAT(seven_days->text, HasSubstr("3.000,00"));
  EXPECT_THAT(seven_days->text, HasSubstr("Plätze: 10 gekauft, 0 vergeben"));
  EXPECT_THAT(seven_days->html, HasSubstr("<html lang=\"de\">"));
  bool english = false;
  for (const MailMessage* m : SentTo("anna@firma.de")) {
    if (m->subject == "Cancellation deadline CRM Pro: 5/1/27 (tomorrow)" ||
        absl::StartsWith(m->subject, "Cancellation deadline CRM Pro:")) {
      english = true;
    }
  }
  EXPECT_TRUE(english);

  // Stable Message-IDs: one per (key, recipient), all different.
  std::set<std::string> ids;
  for (const MailMessage& m : fake_->sent) ids.insert(m.message_id);
  EXPECT_EQ(ids.size(), fake_->sent.size());
  // Another round on the last day, and a restart, queue nothing new.
  MakeNotifier(std::make_unique<FakeTransport>());
  ASSERT_NO_FATAL_FAILURE(Day(start + 120));
  absl::StatusOr<v1::ListNotificationsResponse> all = notifier_->List({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->notifications_size(), 14);
  for (const v1::Notification& n : all->notifications()) {
    EXPECT_EQ(n.state(), v1::Notification::SENT) << n.key();
  }
}

TEST_F(NotifyTest, AServerDownSinceTheDeadlinesLeadTimesSendsOnlyTheCurrentOne) {
  Create(Kind::kLicense, R"(display_name: "CRM Pro" seats: 1 term_start: "2026-06-01"
    term_end: "2027-05-31" auto_renew: true notice_period_days: 30 owner: "anna@firma.de")");
  // First evaluation 10 days before the deadline: the 14-day reminder, not 90, 60 and 30.
  ASSERT_NO_FATAL_FAILURE(Day(absl::CivilDay(2027, 5, 1) - 10));
  ASSERT_EQ(fake_->sent.size(), 1u);
  EXPECT_THAT(fake_->sent[0].subject, HasSubstr("in 10 days"));
  absl::StatusOr<v1::ListNotificationsResponse> all = notifier_->List({});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(absl::EndsWith(all->notifications(0).key(), "/2027-05-01/14"))
      << all->notifications(0).key();
}

TEST_F(NotifyTest, ProvidersGetTheirDueAndOverdueTasksOnceAMorning) {
  Create(Kind::kVendor, R"(display_name: "Systemhaus Nord" contact_email: "service@nord.de"
    contact_name: "Frau Kühn")");
  auto task = [&](const std::string& title, const std::string& due, const std::string& vendor) {
    v1::Task t;
    t.set_title(title);
    t.set_due_date(due);
    t.set_vendor(vendor);
    ASSERT_TRUE(workflow_->CreateTask("test", t).ok());
  };
  task("Drucker einrichten", "2027-01-04", "Systemhaus Nord");  // due tomorrow
  task("VPN-Zugang sperren", "2026-12-20", "Systemhaus Nord");  // overdue
  task("Laptop bestellen", "2027-01-10", "Systemhaus Nord");    // later
  task("Schlüssel zurückholen", "2027-01-04", "");              // the coordinators'
  ASSERT_NO_FATAL_FAILURE(Day(absl::CivilDay(2027, 1, 3)));
  std::vector<const MailMessage*> vendor = SentTo("service@nord.de");
  ASSERT_EQ(vendor.size(), 1u);
  EXPECT_EQ(vendor[0]->subject, "2 Aufgaben fällig oder überfällig (03.01.2027)");
  EXPECT_THAT(vendor[0]->text, HasSubstr("Guten Tag Frau Kühn,"));
  EXPECT_THAT(vendor[0]->text,
              HasSubstr("Überfällig:\n- VPN-Zugang sperren (fällig am 20.12.2026)"));
  EXPECT_THAT(vendor[0]->text, HasSubstr("Morgen fällig:\n- Drucker einrichten"));
  EXPECT_THAT(vendor[0]->text, ::testing::Not(HasSubstr("Laptop bestellen")));
  EXPECT_THAT(vendor[0]->text, ::testing::Not(HasSubstr("Schlüssel")));
  std::vector<const MailMessage*> it = SentTo("it@firma.de");
  ASSERT_EQ(it.size(), 1u);
  EXPECT_THAT(it[0]->subject, HasSubstr("3 Aufgaben"));
  // The next morning: a new digest (the printer is overdue now); nothing twice the same day.
  ASSERT_NO_FATAL_FAILURE(Day(absl::CivilDay(2027, 1, 5)));
  vendor = SentTo("service@nord.de");
  ASSERT_EQ(vendor.size(), 2u);
  EXPECT_THAT(vendor[1]->text, HasSubstr("Überfällig:\n- VPN-Zugang sperren"));
  EXPECT_THAT(vendor[1]->text, HasSubstr("- Drucker einrichten (fällig am 04.01.2027)"));
}

TEST_F(NotifyTest, ALeaversLastDayPassedWithOpenTasksIsToldOnce) {
  Create(Kind::kApplication, R"(display_name: "DATEV")");
  Create(Kind::kAccount, R"(person: "bernd@firma.de" application: "DATEV" username: "bweiss")");
  v1::OffboardRequest r;
  r.set_person("bernd@firma.de");
  r.set_last_day("2027-01-08");
  ASSERT_TRUE(workflow_->Offboard("test", r).ok());
  for (absl::CivilDay d(2027, 1, 6); d <= absl::CivilDay(2027, 1, 12); ++d) {
    ASSERT_NO_FATAL_FAILURE(Day(d));
  }
  std::vector<const MailMessage*> it;
  for (const MailMessage* m : SentTo("it@firma.de")) {
    if (absl::StrContains(m->subject, "letzter Arbeitstag")) it.push_back(m);
  }
  ASSERT_EQ(it.size(), 1u);
  EXPECT_EQ(absl::ToCivilDay(it[0]->date, CompanyTimeZone()), absl::CivilDay(2027, 1, 9));
  EXPECT_THAT(it[0]->subject, HasSubstr("Bernd Weiß"));
  EXPECT_THAT(it[0]->text, HasSubstr("bweiss"));
}

TEST_F(NotifyTest, MonthlyAndWeeklyDigestsGoOutOncePerMonthAndWeek) {
  v1::UpdateNotificationSettingsRequest r;
  r.mutable_settings()->add_management_emails("chef@firma.de");
  ASSERT_TRUE(notifier_->UpdateSettings("test", r).ok());
  Create(Kind::kLicense, R"(display_name: "CRM Pro" seats: 10 price_per_seat_minor: 2500
    term_start: "2026-06-01" term_end: "2027-05-31" auto_renew: true notice_period_days: 30
    owner: "anna@firma.de")");
  // A device that last reported on 2026-11-20, and an account nobody holds.
  v1::Device device = Create(Kind::kDevice, [] {
    v1::Device d;
    d.set_asset_tag("NB-7");
    d.set_assignee("anna@firma.de");
    return d;
  }());
  {
    auto tx = store_->BeginWrite();
    ASSERT_TRUE(tx.ok());
    ImportedFactsRecord facts;
    facts.device_id = IdOf(device.name());
    facts.report_micros = absl::ToUnixMicros(BerlinTime(absl::CivilDay(2026, 11, 20), 12));
    ASSERT_TRUE((*tx)->PutImportedFacts(facts).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  Create(Kind::kApplication, R"(display_name: "DATEV")");
  Create(Kind::kAccount, R"(application: "DATEV" username: "altadmin")");
  // Friday 2027-01-01 to Tuesday 2027-02-02.
  for (absl::CivilDay d(2027, 1, 1); d <= absl::CivilDay(2027, 2, 2); ++d) {
    ASSERT_NO_FATAL_FAILURE(Day(d));
  }
  std::vector<absl::CivilDay> stale, risky;
  for (const MailMessage* m : SentTo("it@firma.de")) {
    const absl::CivilDay day = absl::ToCivilDay(m->date, CompanyTimeZone());
    if (absl::StrContains(m->subject, "nicht gesehen")) {
      stale.push_back(day);
      EXPECT_EQ(m->subject, "1 Gerät seit über 30 Tagen nicht gesehen");
      EXPECT_THAT(m->text, HasSubstr("- NB-7, bei Anna Schmidt: zuletzt am 20.11.2026"));
    }
    if (absl::StrContains(m->subject, "riskanter Zugang")) {
      risky.push_back(day);
      EXPECT_THAT(m->text, HasSubstr("Konten ohne Person"));
      EXPECT_THAT(m->text, HasSubstr("- –: altadmin"));
    }
  }
  EXPECT_EQ(stale,
            (std::vector<absl::CivilDay>{absl::CivilDay(2027, 1, 1), absl::CivilDay(2027, 2, 1)}));
  // The week of Monday 2026-12-28 (first seen on Friday), then every Monday.
  EXPECT_EQ(risky,
            (std::vector<absl::CivilDay>{absl::CivilDay(2027, 1, 1), absl::CivilDay(2027, 1, 4),
                                         absl::CivilDay(2027, 1, 11), absl::CivilDay(2027, 1, 18),
                                         absl::CivilDay(2027, 1, 25), absl::CivilDay(2027, 2, 1)}));
  std::vector<const MailMessage*> chef = SentTo("chef@firma.de");
  ASSERT_EQ(chef.size(), 2u);
  EXPECT_EQ(chef[0]->subject, "Bestand: Monatsbericht Januar 2027");
  EXPECT_EQ(chef[1]->subject, "Bestand: Monatsbericht Februar 2027");
  // 10 seats x 25,00 € x 12 months, none assigned: all of it unused.
  EXPECT_THAT(
      chef[0]->text,
      HasSubstr("Ausgaben für Software pro Jahr: 3.000,00 €. Davon ungenutzt: 3.000,00 €."));
}

TEST_F(NotifyTest, AMailServerThatIsDownLosesNothing) {
  fake_->down = true;
  v1::SendTestNotificationRequest test;
  test.set_recipient("it@firma.de");
  ASSERT_TRUE(notifier_->SendTest(test).ok());
  const absl::Time start = now_;
  for (int minute = 0; minute <= 60; ++minute) {
    now_ = start + absl::Minutes(minute);
    notifier_->Deliver(now_).IgnoreError();  // refused, or not due yet
  }
  absl::StatusOr<v1::ListNotificationsResponse> all = notifier_->List({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->notifications_size(), 1);
  const v1::Notification& pending = all->notifications(0);
  EXPECT_EQ(pending.state(), v1::Notification::PENDING);
  // 0, 0:30, 1:30, 3:30, 7:30, 15:30, 31:30, 46:30 (then every 15 minutes).
  EXPECT_EQ(pending.attempts(), 8);
  EXPECT_THAT(pending.last_error(), HasSubstr("connection refused"));
  fake_->down = false;
  now_ = start + absl::Minutes(75);
  ASSERT_TRUE(notifier_->Deliver(now_).ok());
  ASSERT_EQ(fake_->sent.size(), 1u);
  EXPECT_EQ(fake_->sent[0].message_id, pending.message_id());
  EXPECT_EQ(notifier_->List({})->notifications(0).state(), v1::Notification::SENT);
  ASSERT_TRUE(notifier_->Deliver(now_ + absl::Hours(1)).ok());
  EXPECT_EQ(fake_->sent.size(), 1u) << "sent once";
}

TEST_F(NotifyTest, BadSettingsAreRefusedAndChangeNothing) {
  absl::StatusOr<v1::NotificationSettings> before = notifier_->GetSettings();
  ASSERT_TRUE(before.ok());
  for (const char* text :
       {"deadline_lead_days: 400", "deadline_lead_days: [7, 7]", "send_hour: 24",
        "coordinator_emails: \"it firma.de\"", "language: \"fr\"", "starter_working_days: 21"}) {
    v1::UpdateNotificationSettingsRequest r;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, r.mutable_settings()));
    absl::StatusOr<v1::NotificationSettings> s = notifier_->UpdateSettings("test", r);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
  absl::StatusOr<v1::NotificationSettings> after = notifier_->GetSettings();
  EXPECT_EQ(after->ShortDebugString(), before->ShortDebugString());
}

// ---- A real SMTP server -------------------------------------------------------------------------

TEST_F(NotifyTest, RealSmtpServerDownForAnHourThenUpReceivesProperMime) {
  const int port = testing::FreePort();
  SmtpOptions smtp;
  smtp.url = absl::StrCat("smtp://127.0.0.1:", port);
  smtp.allow_plaintext = true;
  smtp.connect_timeout_seconds = 2;
  absl::StatusOr<std::unique_ptr<MailTransport>> transport = NewSmtpTransport(smtp);
  ASSERT_TRUE(transport.ok());
  MakeNotifier(std::move(*transport));
  Create(Kind::kLicense, R"(display_name: "Büro-Paket Plus für alle Abteilungen" seats: 3
    price_per_seat_minor: 1250 term_start: "2026-06-01" term_end: "2027-05-31" auto_renew: true
    notice_period_days: 90 owner: "bernd@firma.de")");
  // 2027-03-02 is the deadline; 2027-02-23 is 7 days before. Nobody listens on the port.
  const absl::Time start = BerlinTime(absl::CivilDay(2027, 2, 23), 8);
  for (int minute = 0; minute <= 60; minute += 5) {
    now_ = start + absl::Minutes(minute);
    notifier_->Tick().IgnoreError();  // refused, or not due yet
  }
  const std::string out = dir_.File("received.jsonl");
  testing::SmtpSink sink(port, out);
  now_ = start + absl::Minutes(80);
  ASSERT_TRUE(notifier_->Tick().ok());
  std::vector<google::protobuf::Struct> mails = testing::Received(out);
  ASSERT_EQ(mails.size(), 1u);
  const auto& f = mails[0].fields();
  EXPECT_EQ(f.at("subject").string_value(),
            "Kündigungsfrist Büro-Paket Plus für alle Abteilungen: 02.03.2027 (in 7 Tagen)");
  EXPECT_TRUE(absl::StartsWith(f.at("raw_subject").string_value(), "=?UTF-8?B?"))
      << f.at("raw_subject").string_value();
  EXPECT_EQ(f.at("to").string_value(), "bernd@firma.de");
  EXPECT_EQ(f.at("mail_from").string_value(), "bestand@firma.de");
  EXPECT_THAT(f.at("message_id").string_value(),
              ::testing::MatchesRegex("<[0-9a-f]{32}@firma.de>"));
  EXPECT_FALSE(f.at("date").string_value().empty());
  EXPECT_EQ(f.at("auto_submitted").string_value(), "auto-generated");
  // multipart/mixed > multipart/alternative > text/plain, text/html, both UTF-8.
  const auto& parts = f.at("parts").list_value().values();
  std::map<std::string, std::string> bodies;
  bool alternative = false;
  for (const auto& p : parts) {
    const auto& pf = p.struct_value().fields();
    const std::string type = pf.at("type").string_value();
    if (type == "multipart/alternative") alternative = true;
    if (absl::StartsWith(type, "text/")) {
      EXPECT_EQ(pf.at("charset").string_value(), "utf-8") << type;
      bodies[type] = pf.at("body").string_value();
    }
  }
  EXPECT_TRUE(alternative);
  EXPECT_THAT(bodies["text/plain"], HasSubstr("Guten Tag Bernd Weiß,"));
  EXPECT_THAT(bodies["text/plain"], HasSubstr("Kosten pro Jahr: 450,00"));
  EXPECT_THAT(bodies["text/html"], HasSubstr("<p>Guten Tag Bernd Weiß,</p>"));
  absl::StatusOr<v1::ListNotificationsResponse> all = notifier_->List({});
  EXPECT_EQ(all->notifications(0).state(), v1::Notification::SENT);
  EXPECT_EQ("<" + all->notifications(0).message_id() + ">", f.at("message_id").string_value());
}

// One message through `smtp` to `to`.
absl::Status SendOne(const SmtpOptions& smtp, const std::string& to) {
  absl::StatusOr<std::unique_ptr<MailTransport>> transport = NewSmtpTransport(smtp);
  if (!transport.ok()) return transport.status();
  MailMessage m;
  m.from = "bestand@firma.de";
  m.to = to;
  m.subject = "Prüfung";
  m.text = "Text";
  m.html = "<p>Text</p>";
  m.message_id = "1@firma.de";
  m.date = absl::Now();
  return (*transport)->Send(m);
}

TEST(SmtpTransportTest, StartTlsIsRequiredVerifiedAndAuthenticated) {
  testing::TempDir dir;
  const std::string cert = dir.File("smtp.crt"), key = dir.File("smtp.key");
  testing::ProcessResult made = testing::RunProcess(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
       "-keyout", key, "-out", cert});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const int port = testing::FreePort();
  const std::string out = dir.File("received.jsonl");
  testing::SmtpSink sink(port, out, {"--tls", cert, key, "--auth", "bestand:geheim"});
  SmtpOptions smtp;
  smtp.url = absl::StrCat("smtp://127.0.0.1:", port);
  smtp.user = "bestand";
  smtp.password = "geheim";
  // A certificate nobody vouches for is refused, with a reason.
  absl::Status untrusted = SendOne(smtp, "it@firma.de");
  EXPECT_EQ(untrusted.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(untrusted.message()), ::testing::ContainsRegex("certificate|SSL"));
  // Trusted, with the wrong password: refused; with the right one: delivered over TLS.
  smtp.ca_file = cert;
  smtp.password = "falsch";
  smtp.timeout_seconds = 5;
  absl::Status refused = SendOne(smtp, "it@firma.de");
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(testing::Received(out).empty()) << "delivered without a valid login";
  smtp.password = "geheim";
  ASSERT_TRUE(SendOne(smtp, "it@firma.de").ok());
  std::vector<google::protobuf::Struct> mails = testing::Received(out);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(mails[0].fields().at("tls").bool_value());
  EXPECT_EQ(mails[0].fields().at("subject").string_value(), "Prüfung");
  EXPECT_EQ(refused.message().find("geheim"), absl::string_view::npos);
  EXPECT_EQ(refused.message().find("falsch"), absl::string_view::npos);
}

TEST(SmtpTransportTest, PlaintextOnlyWhenAllowedAndNoCredentialsInTheUrl) {
  testing::TempDir dir;
  const int port = testing::FreePort();
  testing::SmtpSink sink(port, dir.File("received.jsonl"));
  SmtpOptions smtp;
  smtp.url = absl::StrCat("smtp://127.0.0.1:", port);
  // The server offers no STARTTLS: nothing is sent in the clear.
  absl::Status plain = SendOne(smtp, "it@firma.de");
  EXPECT_EQ(plain.code(), absl::StatusCode::kUnavailable) << plain;
  EXPECT_TRUE(testing::Received(dir.File("received.jsonl")).empty());
  smtp.allow_plaintext = true;
  EXPECT_TRUE(SendOne(smtp, "it@firma.de").ok());
  smtp.url = "smtp://bestand:geheim@127.0.0.1:25";
  EXPECT_EQ(NewSmtpTransport(smtp).status().code(), absl::StatusCode::kInvalidArgument);
  smtp.url = "http://127.0.0.1:25";
  EXPECT_EQ(NewSmtpTransport(smtp).status().code(), absl::StatusCode::kInvalidArgument);
  // No header can be smuggled in through an address.
  smtp.url = absl::StrCat("smtp://127.0.0.1:", port);
  EXPECT_EQ(SendOne(smtp, "it@firma.de\r\nBcc: x@y.de").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(testing::Received(dir.File("received.jsonl")).size(), 1u);
}

TEST(SmtpHeaderTest, SubjectsAreEncodedWithoutSplittingACharacter) {
  EXPECT_EQ(EncodeHeaderText("plain ASCII"), "plain ASCII");
  const std::string text = std::string(44, 'a') + "ü" + std::string(50, 'b');
  const std::string encoded = EncodeHeaderText(text);
  std::string decoded;
  for (absl::string_view word : absl::StrSplit(encoded, ' ')) {
    ASSERT_TRUE(absl::ConsumePrefix(&word, "=?UTF-8?B?")) << encoded;
    ASSERT_TRUE(absl::ConsumeSuffix(&word, "?=")) << encoded;
    EXPECT_LE(word.size() + 12, 75u);
    std::string chunk;
    ASSERT_TRUE(absl::Base64Unescape(word, &chunk));
    EXPECT_TRUE(IsValidUtf8(chunk)) << "a word ends inside a character";
    decoded += chunk;
  }
  EXPECT_EQ(decoded, text);
  EXPECT_EQ(EncodeHeaderText("a\r\nBcc: x@y.de").find('\n'), std::string::npos);
}

}  // namespace
}  // namespace bestand
