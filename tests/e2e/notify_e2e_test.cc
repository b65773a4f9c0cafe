// Notifications with the real binaries and a real SMTP server (Debian's aiosmtpd): reminders
// arrive as proper MIME in each reader's language, `bestand notify` shows and tests them, and a
// server killed with SIGKILL while it sends loses nothing and sends at most the one message in
// flight again, with the same Message-ID.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/e2e/server_process.h"
#include "tests/notify/smtp_sink.h"

namespace bestand::testing {
namespace {

using ::testing::HasSubstr;

std::string Iso(absl::CivilDay d) { return absl::FormatCivilTime(d); }

absl::CivilDay TodayInBerlin() {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone("Europe/Berlin", &tz)) tz = absl::FixedTimeZone(3600);
  return absl::ToCivilDay(absl::Now(), tz);
}

class NotifyE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(server_.Init(dir_.File("data")));
    smtp_port_ = FreePort();
    out_ = dir_.File("mail.jsonl");
  }
  void StartServer() {
    ASSERT_NO_FATAL_FAILURE(
        server_.Start(0, false, false,
                      {"--smtp", absl::StrCat("smtp://127.0.0.1:", smtp_port_), "--smtp-from",
                       "bestand@firma.test", "--smtp-plaintext", "--notify-interval", "1s"}));
  }
  void Import(const std::string& what, const std::string& csv) {
    WriteFile(dir_.File(what + ".csv"), csv);
    ProcessResult r = server_.Admin({"import", what, dir_.File(what + ".csv")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // The mails received once at least `n` have arrived (at most `wait` later).
  std::vector<google::protobuf::Struct> WaitFor(size_t n, absl::Duration wait = absl::Seconds(60)) {
    const absl::Time until = absl::Now() + wait;
    std::vector<google::protobuf::Struct> mails = Received(out_);
    while (mails.size() < n && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(100));
      mails = Received(out_);
    }
    return mails;
  }

  TempDir dir_;
  ServerProcess server_;
  int smtp_port_ = 0;
  std::string out_;
};

std::string Field(const google::protobuf::Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? "" : it->second.string_value();
}

TEST_F(NotifyE2eTest, RemindersArriveAsMimeInEachReadersLanguage) {
  SmtpSink sink(smtp_port_, out_);
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const absl::CivilDay today = TodayInBerlin();
  ASSERT_NO_FATAL_FAILURE(Import("people",
                                 "email,display_name,language\n"
                                 "anna@firma.test,Anna Schmidt,en\n"
                                 "juergen@firma.test,Jürgen Weiß,\n"));
  // Deadline in 7 days (the 7-day reminder) for an auto-renewing license; 30 days before the end
  // of one that does not renew.
  ASSERT_NO_FATAL_FAILURE(Import(
      "licenses",
      absl::StrCat("display_name,seats,price_per_seat_minor,term_start,term_end,auto_renew,"
                   "notice_period_days,owner,deputy\n",
                   "Büro-Suite,4,1000,", Iso(today - 300), ",", Iso(today + 37),
                   ",true,30,anna@firma.test,juergen@firma.test\n", "Zeichenbrett,1,500,",
                   Iso(today - 300), ",", Iso(today + 30), ",false,0,juergen@firma.test,\n")));
  // From now on whatever the hour (the default is 7:00).
  ProcessResult set =
      server_.Admin({"notify", "set", "--send-hour", "0", "--coordinators", "it@firma.test"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_THAT(set.out, HasSubstr("coordinators: it@firma.test"));

  std::vector<google::protobuf::Struct> mails = WaitFor(3);
  ASSERT_EQ(mails.size(), 3u);
  std::map<std::string, std::vector<const google::protobuf::Struct*>> to;
  for (const auto& m : mails) to[Field(m, "to")].push_back(&m);
  ASSERT_EQ(to["anna@firma.test"].size(), 1u);
  ASSERT_EQ(to["juergen@firma.test"].size(), 2u) << "deputy of one, owner of the other";
  const google::protobuf::Struct& anna = *to["anna@firma.test"][0];
  EXPECT_THAT(Field(anna, "subject"), HasSubstr("Cancellation deadline Büro-Suite"));
  EXPECT_THAT(Field(anna, "subject"), HasSubstr("(in 7 days)"));
  EXPECT_TRUE(absl::StartsWith(Field(anna, "raw_subject"), "=?UTF-8?B?"));
  EXPECT_EQ(Field(anna, "mail_from"), "bestand@firma.test");
  EXPECT_EQ(Field(anna, "content_type"), "multipart/mixed");
  EXPECT_EQ(Field(anna, "mime_version"), "1.0");
  EXPECT_THAT(Field(anna, "message_id"), ::testing::MatchesRegex("<[0-9a-f]{32}@firma.test>"));
  std::map<std::string, std::string> bodies;
  for (const auto& p : anna.fields().at("parts").list_value().values()) {
    bodies[Field(p.struct_value(), "type")] = Field(p.struct_value(), "body");
  }
  ASSERT_TRUE(bodies.count("multipart/alternative"));
  EXPECT_THAT(bodies["text/plain"], HasSubstr("Hello Anna Schmidt,"));
  // 4 seats x 10.00 EUR x 12 months.
  EXPECT_THAT(bodies["text/plain"], HasSubstr("Cost per year: €480.00."));
  EXPECT_THAT(bodies["text/html"], HasSubstr("<html lang=\"en\">"));
  for (const auto* m : to["juergen@firma.test"]) {
    const std::string subject = Field(*m, "subject");
    EXPECT_TRUE(absl::StartsWith(subject, "Kündigungsfrist Büro-Suite:") ||
                absl::StartsWith(subject, "Vertragsende Zeichenbrett:"))
        << subject;
  }

  // The outbox shows them sent; a preview knows they are queued; a test mail goes out.
  ProcessResult list = server_.Admin({"notify", "list", "--state", "sent"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::vector<std::string> rows = absl::StrSplit(list.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(rows.size(), 4u) << list.out;
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_THAT(rows[i], HasSubstr("sent")) << rows[i];
  ProcessResult preview = server_.Admin({"notify", "preview"});
  ASSERT_EQ(preview.exit_code, 0) << preview.err;
  EXPECT_THAT(preview.out, HasSubstr("3 notifications, 3 of them already queued"));
  ProcessResult test = server_.Admin({"notify", "test", "it@firma.test", "--language", "de"});
  ASSERT_EQ(test.exit_code, 0) << test.err;
  mails = WaitFor(4);
  ASSERT_EQ(mails.size(), 4u);
  EXPECT_EQ(Field(mails[3], "subject"), "Bestand: Testnachricht");
  // What the CLI refuses, and who may not.
  ProcessResult bad = server_.Admin({"notify", "set", "--deadline-days", "30,400"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("400 is not a number of days"));
  EXPECT_NE(server_.Admin({"notify", "test", "not-an-address"}).exit_code, 0);
}

TEST_F(NotifyE2eTest, ASigkillWhileSendingLosesNothingAndRepeatsAtMostTheMessageInFlight) {
  const absl::CivilDay today = TodayInBerlin();
  constexpr int kLicenses = 120;
  std::string people = "email,display_name\n";
  std::string licenses =
      "display_name,seats,term_start,term_end,auto_renew,notice_period_days,owner\n";
  for (int i = 0; i < kLicenses; ++i) {
    absl::StrAppend(&people, "p", i, "@firma.test,Person ", i, "\n");
    absl::StrAppend(&licenses, "Vertrag ", i, ",1,", Iso(today - 300), ",", Iso(today + 44),
                    ",true,30,p", i, "@firma.test\n");
  }
  {
    // Set up the company on a server that sends no mail, so that every reminder is queued by
    // the server that is killed.
    ASSERT_NO_FATAL_FAILURE(server_.Start());
    ASSERT_NO_FATAL_FAILURE(Import("people", people));
    ASSERT_NO_FATAL_FAILURE(Import("licenses", licenses));
    ASSERT_EQ(server_.Admin({"notify", "set", "--send-hour", "0"}).exit_code, 0);
    server_.Stop();
  }
  // A slow mail server: 40 ms per message.
  auto sink =
      std::make_unique<SmtpSink>(smtp_port_, out_, std::vector<std::string>{"--delay", "0.04"});
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_GE(WaitFor(30).size(), 30u);
  server_.Kill();
  const size_t before_restart = Received(out_).size();
  ASSERT_LT(before_restart, static_cast<size_t>(kLicenses)) << "killed too late to tell";
  ASSERT_NO_FATAL_FAILURE(StartServer());
  std::vector<google::protobuf::Struct> mails = WaitFor(kLicenses);
  // Let a duplicate, if the server sent one more, arrive before counting.
  absl::SleepFor(absl::Seconds(2));
  mails = Received(out_);
  std::map<std::string, int> by_id;
  std::set<std::string> recipients;
  for (const auto& m : mails) {
    ++by_id[Field(m, "message_id")];
    recipients.insert(Field(m, "to"));
  }
  EXPECT_EQ(recipients.size(), static_cast<size_t>(kLicenses)) << "nothing lost";
  EXPECT_EQ(by_id.size(), static_cast<size_t>(kLicenses)) << "one Message-ID per reminder";
  EXPECT_LE(mails.size(), static_cast<size_t>(kLicenses) + 1) << "at most the one in flight again";
  for (const auto& [id, n] : by_id) EXPECT_LE(n, 2) << id;
  EXPECT_EQ(QuerySql(server_.db(), "SELECT count(*) FROM outbox WHERE state = 2"),
            absl::StrCat(kLicenses, "\n"));
}

// The events of the calendar at `path` on the web interface, as ics_events.py (Debian's
// python3-icalendar) parsed them; the first line describes the calendar.
std::vector<google::protobuf::Struct> FetchCalendar(const ServerProcess& server,
                                                    const std::string& path,
                                                    const std::string& file, int* status) {
  httplib::SSLClient client("127.0.0.1", server.web_port());
  client.set_ca_cert_path(server.ca().c_str());
  client.enable_server_certificate_verification(true);
  httplib::Result r = client.Get(path.c_str());
  *status = r ? r->status : -1;
  if (!r || r->status != 200) return {};
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/calendar; charset=utf-8");
  WriteFile(file, r->body);
  ProcessResult parsed = RunProcess({"/usr/bin/python3", BESTAND_ICS_EVENTS, file});
  EXPECT_EQ(parsed.exit_code, 0) << parsed.err;
  std::vector<google::protobuf::Struct> out;
  for (absl::string_view line : absl::StrSplit(parsed.out, '\n', absl::SkipEmpty())) {
    google::protobuf::Struct e;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(std::string(line), &e).ok()) << line;
    out.push_back(e);
  }
  return out;
}

TEST_F(NotifyE2eTest, ACalendarFeedAtASecretRevocableUrlWithStableUids) {
  ASSERT_NO_FATAL_FAILURE(server_.Start(0, false, /*web=*/true));
  const absl::CivilDay today = TodayInBerlin();
  ASSERT_NO_FATAL_FAILURE(Import("people",
                                 "email,display_name\n"
                                 "anna@firma.test,Anna Schmidt\n"
                                 "it@firma.test,Ines Träger\n"));
  ASSERT_NO_FATAL_FAILURE(Import(
      "licenses",
      absl::StrCat("display_name,seats,term_start,term_end,auto_renew,notice_period_days,owner\n",
                   "Büro-Suite,4,", Iso(today - 300), ",", Iso(today + 60), ",true,30,",
                   "anna@firma.test\n", "Zeichenbrett,1,", Iso(today - 300), ",", Iso(today + 20),
                   ",false,0,\n")));
  ASSERT_EQ(server_.Admin({"notify", "set", "--coordinators", "it@firma.test"}).exit_code, 0);
  ProcessResult task =
      server_.Admin({"task", "add", "--title", "Drucker einrichten", "--due", Iso(today + 3)});
  ASSERT_EQ(task.exit_code, 0) << task.err;

  ProcessResult link = server_.Admin({"calendar", "link", "anna@firma.test"});
  ASSERT_EQ(link.exit_code, 0) << link.err;
  const std::string url(absl::StripAsciiWhitespace(link.out));
  const size_t path_at = url.find("/calendar/");
  ASSERT_NE(path_at, std::string::npos) << url;
  const std::string path = url.substr(path_at);
  int status = 0;
  std::vector<google::protobuf::Struct> events =
      FetchCalendar(server_, path, dir_.File("anna.ics"), &status);
  ASSERT_EQ(status, 200);
  // Anna's license: its deadline (30 days before the end) and its renewal the day after the end.
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(Field(events[0], "version"), "2.0");
  std::map<std::string, const google::protobuf::Struct*> by_summary;
  for (size_t i = 1; i < events.size(); ++i) by_summary[Field(events[i], "summary")] = &events[i];
  ASSERT_TRUE(by_summary.count("Kündigungsfrist: Büro-Suite"));
  EXPECT_EQ(Field(*by_summary["Kündigungsfrist: Büro-Suite"], "start"), Iso(today + 30));
  EXPECT_EQ(by_summary["Kündigungsfrist: Büro-Suite"]
                ->fields()
                .at("alarms")
                .list_value()
                .values(0)
                .number_value(),
            -7 * 86400);
  ASSERT_TRUE(by_summary.count("Verlängerung: Büro-Suite"));
  EXPECT_EQ(Field(*by_summary["Verlängerung: Büro-Suite"], "start"), Iso(today + 61));

  // The coordinator's feed has every license and the open task; a second fetch the same UIDs.
  ProcessResult it_link = server_.Admin({"calendar", "link", "it@firma.test"});
  ASSERT_EQ(it_link.exit_code, 0) << it_link.err;
  const std::string it_url(absl::StripAsciiWhitespace(it_link.out));
  const std::string it_path = it_url.substr(it_url.find("/calendar/"));
  std::set<std::string> first, second;
  for (const auto& e : FetchCalendar(server_, it_path, dir_.File("it1.ics"), &status)) {
    if (!Field(e, "uid").empty()) first.insert(Field(e, "uid") + " " + Field(e, "summary"));
  }
  ASSERT_EQ(status, 200);
  EXPECT_EQ(first.size(), 4u);
  EXPECT_TRUE(first.count("task-tasks-1@bestand Fällig: Drucker einrichten")) << *first.begin();
  for (const auto& e : FetchCalendar(server_, it_path, dir_.File("it2.ics"), &status)) {
    if (!Field(e, "uid").empty()) second.insert(Field(e, "uid") + " " + Field(e, "summary"));
  }
  EXPECT_EQ(first, second);

  // Revoked: the address answers 404, the other person's still works; no secret in the audit.
  ProcessResult revoke = server_.Admin({"calendar", "revoke", "anna@firma.test"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  FetchCalendar(server_, path, dir_.File("gone.ics"), &status);
  EXPECT_EQ(status, 404);
  FetchCalendar(server_, it_path, dir_.File("it3.ics"), &status);
  EXPECT_EQ(status, 200);
  FetchCalendar(server_, "/calendar/guessed.ics", dir_.File("guess.ics"), &status);
  EXPECT_EQ(status, 404);
  ProcessResult audit = server_.Admin({"audit", "list", "-o", "json"});
  const std::string secret = path.substr(10, path.size() - 14);
  EXPECT_THAT(audit.out, HasSubstr("calendar-link"));
  EXPECT_EQ(audit.out.find(secret), std::string::npos);
  ProcessResult verify = server_.Admin({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_EQ(QuerySql(server_.db(),
                     "SELECT count(*) FROM calendar_links WHERE secret_sha256 "
                     "LIKE '%" +
                         secret + "%'"),
            "0\n");
}

TEST_F(NotifyE2eTest, AWebhookWithoutAMailServerGetsSignedPostsAndNeverShowsItsSecrets) {
  const int port = FreePort();
  const std::string posts = dir_.File("posts.jsonl");
  // No --smtp: chat works on its own.
  ASSERT_NO_FATAL_FAILURE(server_.Start(0, false, false, {"--notify-interval", "1s"}));
  const std::string url = absl::StrCat("http://127.0.0.1:", port, "/hooks/T01/B02/GeheimerPfad");
  ProcessResult refused = server_.Admin({"notify", "webhook", "add", "http://hooks.example/x"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("https://"));
  ProcessResult added = server_.Admin({"notify", "webhook", "add", url, "--language", "en"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_THAT(added.out, HasSubstr("webhooks/1"));
  const size_t at = added.out.find("signing secret: ");
  ASSERT_NE(at, std::string::npos) << added.out;
  const std::string secret(absl::StripAsciiWhitespace(added.out.substr(at + 16)));
  ASSERT_GE(secret.size(), 40u);
  // The receiver checks the signature with the secret shown, and that the timestamp is now.
  // "=" keeps a secret that starts with "-" from reading as an option.
  WebhookSink sink(port, posts, {"--secret=" + secret});

  ProcessResult test = server_.Admin({"notify", "test", "webhooks/1"});
  ASSERT_EQ(test.exit_code, 0) << test.err;
  const absl::Time until = absl::Now() + absl::Seconds(30);
  std::vector<google::protobuf::Struct> got = Received(posts);
  while (got.empty() && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(100));
    got = Received(posts);
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].fields().at("signature_ok").bool_value()) << got[0].DebugString();
  EXPECT_EQ(Field(got[0], "path"), "/hooks/T01/B02/GeheimerPfad");
  EXPECT_THAT(Field(got[0], "text"), HasSubstr("Bestand"));
  ProcessResult sent = server_.Admin({"notify", "list", "--state", "sent"});
  EXPECT_THAT(sent.out, HasSubstr("webhooks/1"));

  // Listed, audited and stored without the URL's path or the secret.
  ProcessResult list = server_.Admin({"notify", "webhook", "list", "-o", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr(absl::StrCat("http://127.0.0.1:", port, "/…")));
  ProcessResult audit = server_.Admin({"audit", "list", "-o", "json"});
  EXPECT_THAT(audit.out, HasSubstr("webhooks/1"));
  for (const ProcessResult* r : {&list, &audit, &added}) {
    EXPECT_THAT(r->out, ::testing::Not(HasSubstr("GeheimerPfad")));
  }
  EXPECT_THAT(audit.out, ::testing::Not(HasSubstr(secret)));
  EXPECT_EQ(QuerySql(server_.db(),
                     "SELECT count(*) FROM webhooks WHERE url_sealed LIKE "
                     "'%Geheim%' OR secret_sealed LIKE '%" +
                         secret + "%'"),
            "0\n");
  ProcessResult removed = server_.Admin({"notify", "webhook", "remove", "1"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_THAT(server_.Admin({"notify", "webhook", "list"}).out,
              ::testing::Not(HasSubstr("webhooks/1")));
  ProcessResult verify = server_.Admin({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace bestand::testing
