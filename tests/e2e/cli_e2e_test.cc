// End to end: the real bestand-server on a free port with TLS, driven by the real bestand CLI.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bestand/v1/inventory.pb.h"
#include "common/text.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/e2e/server_process.h"
#include "tests/test_util.h"

namespace bestand {
namespace {

using testing::ProcessResult;
using testing::ReadFile;
using testing::RunProcess;
using testing::TempDir;
using testing::WriteFile;

class CliE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server.Init(dir_.File("data"));
    struct stat st;
    ASSERT_EQ(stat(dir_.File("data/ca.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "the CA key is readable by others";
    server.Start();
    server_ = server.address();
    admin_ = server.admin_token();
  }

  ProcessResult Cli(std::vector<std::string> args, const std::string& token = "") {
    return server.Cli(std::move(args), token);
  }
  ProcessResult Admin(std::vector<std::string> args) { return server.Admin(std::move(args)); }
  std::string Db() const { return server.db(); }

  TempDir dir_;
  testing::ServerProcess server;
  std::string server_;
  std::string admin_;
};

TEST_F(CliE2eTest, UnauthenticatedCallsAreRefused) {
  ProcessResult r = Cli({"person", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "no token given")) << r.err;
  r = Cli({"person", "list"}, "bst_not_a_real_token");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "unknown or revoked")) << r.err;
}

TEST_F(CliE2eTest, TlsIsRequiredAndVerified) {
  // Another server's CA does not vouch for this server.
  TempDir other;
  ASSERT_EQ(RunProcess({BESTAND_SERVER_BIN, "init", "--data-dir", other.File("d")}).exit_code, 0);
  ProcessResult r =
      RunProcess({BESTAND_CLI_BIN, "--server", server_, "--ca", other.File("d/ca.crt"), "--token",
                  admin_, "--timeout", "5", "whoami"},
                 {"BESTAND_CONFIG=/nonexistent"});
  EXPECT_EQ(r.exit_code, 3) << "exit code 3 means: the server could not be reached";
  EXPECT_TRUE(absl::StrContains(r.err, "cannot reach the server")) << r.err;
  // Plaintext against the TLS port fails too.
  r = RunProcess({BESTAND_CLI_BIN, "--server", server_, "--insecure", "--token", admin_,
                  "--timeout", "5", "whoami"},
                 {"BESTAND_CONFIG=/nonexistent"});
  EXPECT_EQ(r.exit_code, 3);
}

TEST_F(CliE2eTest, ViewerCannotWrite) {
  ProcessResult t = Admin({"token", "create", "--role", "viewer", "--name", "geschaeftsfuehrung"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  std::string viewer(absl::StripTrailingAsciiWhitespace(t.out));
  ProcessResult r = Cli({"person", "add", "--email", "x@firma.de", "--display-name", "X"}, viewer);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "role viewer")) << r.err;
  EXPECT_EQ(Cli({"person", "list"}, viewer).exit_code, 0);
  ProcessResult list = Admin({"token", "list", "-o", "json"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_FALSE(absl::StrContains(list.out, viewer)) << "token list shows a secret";
  EXPECT_FALSE(absl::StrContains(list.out, admin_)) << "token list shows a secret";
}

TEST_F(CliE2eTest, CsvWithOneBadLineImportsNothingAndNamesTheLine) {
  WriteFile(dir_.File("people.csv"),
            "email;display_name;department\n"
            "juergen.weiss@firma.de;Jürgen Weiß;Vertrieb\n"
            "kaputt-at-firma.de;Kaputt;Lager\n"
            "anna@firma.de;Anna Schmidt;Einkauf\n");
  ProcessResult r = Admin({"import", "people", dir_.File("people.csv")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "line 3, column 'email'")) << r.err;
  ProcessResult list = Admin({"person", "list", "-o", "json"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.out, "[]\n");

  WriteFile(dir_.File("people.csv"),
            "email;display_name;department\n"
            "juergen.weiss@firma.de;Jürgen Weiß;Vertrieb\n"
            "anna@firma.de;Anna Schmidt;Einkauf\n");
  r = Admin({"import", "people", dir_.File("people.csv"), "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "2 new")) << r.out;
  EXPECT_EQ(Admin({"person", "list", "-o", "json"}).out, "[]\n");
  r = Admin({"import", "people", dir_.File("people.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Admin({"person", "list", "--department", "Vertrieb", "-o", "csv"});
  EXPECT_TRUE(absl::StrContains(r.out, "juergen.weiss@firma.de,Jürgen Weiß,Vertrieb")) << r.out;
}

TEST_F(CliE2eTest, AuditVerifyDetectsARowEditedInTheDatabaseFile) {
  ASSERT_EQ(Admin({"person", "add", "--email", "anna@firma.de", "--display-name", "Anna",
                   "--department", "Vertrieb"})
                .exit_code,
            0);
  ASSERT_EQ(Admin({"person", "update", "anna@firma.de", "--department", "Einkauf"}).exit_code, 0);
  ProcessResult v = Admin({"audit", "verify"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  // The head to keep outside the database, then checked as an anchor.
  size_t at = v.out.find("head ");
  ASSERT_NE(at, std::string::npos) << v.out;
  std::string head = v.out.substr(at + 5, v.out.find(' ', at + 5) - at - 5);
  EXPECT_EQ(head.size() - head.find(':'), 65u) << head;  // SEQUENCE:64 hex digits
  EXPECT_EQ(Admin({"audit", "verify", "--anchor", head}).exit_code, 0);
  ProcessResult bad = Admin({"audit", "verify", "--anchor", "2:nothex"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(bad.err, "anchor '2:nothex'")) << bad.err;
  ProcessResult list = Admin({"audit", "list", "--resource", "people", "-o", "json"});
  EXPECT_TRUE(absl::StrContains(list.out, "\"action\": \"update\"")) << list.out;
  // A natural key names the resource too; one that names nothing is an error, not an empty list.
  list = Admin({"audit", "list", "--resource", "anna@firma.de", "-o", "csv"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), 3) << list.out;  // header + 2
  EXPECT_TRUE(absl::StrContains(list.out, ",update,people/1")) << list.out;
  list = Admin({"audit", "list", "--resource", "nobody@firma.de"});
  EXPECT_EQ(list.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(list.err, "'nobody@firma.de' names nothing")) << list.err;

  testing::ExecSql(Db(), "UPDATE people SET department = 'Vorstand' WHERE id = 1");
  v = Admin({"audit", "verify"});
  EXPECT_EQ(v.exit_code, 4) << "exit code 4 means: the audit trail was tampered with";
  EXPECT_TRUE(absl::StrContains(v.out, "people/1: differs from its last audited state")) << v.out;
  EXPECT_TRUE(absl::StrContains(v.err, "does not match")) << v.err;
}

// Adds one resource of every noun, then reads each back as JSON and compares it with the
// protobuf message it must parse into.
TEST_F(CliE2eTest, EveryNounRoundTripsThroughJson) {
  struct Step {
    std::vector<std::string> add;
    std::string noun, key;
    const google::protobuf::Message* prototype;
    std::vector<std::pair<std::string, std::string>> expect;  // field -> value in JSON
  };
  const std::vector<Step> steps = {
      {{"person", "add", "--email", "juergen.weiss@firma.de", "--display-name", "Jürgen Weiß",
        "--department", "Geschäftsführung", "--start-date", "2024-01-02"},
       "person",
       "juergen.weiss@firma.de",
       &v1::Person::default_instance(),
       {{"display_name", "Jürgen Weiß"}, {"department", "Geschäftsführung"}}},
      {{"vendor", "add", "--display-name", "Systemhaus Müller GmbH", "--kind", "msp",
        "--contact-email", "support@mueller-it.de"},
       "vendor",
       "Systemhaus Müller GmbH",
       &v1::Vendor::default_instance(),
       {{"kind", "MSP"}}},
      {{"app", "add", "--display-name", "Microsoft 365", "--category", "office", "--hosting",
        "saas", "--vendor", "Systemhaus Müller GmbH", "--mfa-enforced", "ja"},
       "app",
       "Microsoft 365",
       &v1::Application::default_instance(),
       {{"vendor", "vendors/1"}, {"mfa_enforced", "true"}}},
      {{"device", "add", "--asset-tag", "NB-0001", "--type", "laptop", "--model", "ThinkPad T14",
        "--serial-number", "PF3XK2L9", "--assignee", "juergen.weiss@firma.de"},
       "device",
       "NB-0001",
       &v1::Device::default_instance(),
       {{"assignee", "people/1"}, {"status", "ASSIGNED"}}},
      {{"account", "add", "--application", "Microsoft 365", "--username", "juergen.weiss@firma.de",
        "--person", "juergen.weiss@firma.de", "--privileged", "true"},
       "account",
       "accounts/1",
       &v1::Account::default_instance(),
       {{"application", "applications/1"}, {"status", "ACTIVE"}}},
      {{"access", "add", "--account", "accounts/1", "--role", "Globaler Administrator"},
       "access",
       "accessGrants/1",
       &v1::AccessGrant::default_instance(),
       {{"person", "people/1"}, {"role", "Globaler Administrator"}}},
      {{"license", "add", "--display-name", "M365 Business Standard", "--application",
        "Microsoft 365", "--seats", "10", "--price-per-seat-minor", "1170", "--billing-period",
        "monthly", "--term-end", "2027-03-31", "--auto-renew", "yes", "--notice-period-days", "30"},
       "license",
       "M365 Business Standard",
       &v1::License::default_instance(),
       {{"price_per_seat_minor", "1170"}, {"currency", "EUR"}}},
      {{"license", "assign", "M365 Business Standard", "--person", "juergen.weiss@firma.de"},
       "assignment",
       "licenseAssignments/1",
       &v1::LicenseAssignment::default_instance(),
       {{"license", "licenses/1"}}},
  };
  for (const Step& step : steps) {
    SCOPED_TRACE(step.noun);
    ProcessResult add = Admin(step.add);
    ASSERT_EQ(add.exit_code, 0) << add.err;
    ProcessResult show = Admin({step.noun, "show", step.key, "-o", "json"});
    ASSERT_EQ(show.exit_code, 0) << show.err;
    std::unique_ptr<google::protobuf::Message> msg(step.prototype->New());
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(show.out, msg.get()).ok()) << show.out;
    for (const auto& [field, value] : step.expect) {
      EXPECT_TRUE(absl::StrContains(show.out, absl::StrCat("\"", field, "\": \"", value, "\"")) ||
                  absl::StrContains(show.out, absl::StrCat("\"", field, "\": ", value)))
          << field << " in " << show.out;
    }
    // The list form is one JSON array holding the same object.
    ProcessResult list = Admin({step.noun, "list", "-o", "json"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    EXPECT_TRUE(absl::StartsWith(list.out, "[")) << list.out;
    std::string listed = list.out.substr(1, list.out.rfind(']') - 1);
    std::unique_ptr<google::protobuf::Message> again(step.prototype->New());
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(listed, again.get()).ok()) << listed;
    EXPECT_EQ(again->SerializeAsString(), msg->SerializeAsString());
  }
  ProcessResult seats = Admin({"license", "show", "M365 Business Standard", "-o", "json"});
  EXPECT_TRUE(absl::StrContains(seats.out, "\"assigned_seats\": 1")) << seats.out;
  ProcessResult unassign = Admin(
      {"license", "unassign", "M365 Business Standard", "--person", "juergen.weiss@firma.de"});
  EXPECT_EQ(unassign.exit_code, 0) << unassign.err;
  ProcessResult remove = Admin({"person", "remove", "juergen.weiss@firma.de"});
  EXPECT_EQ(remove.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(remove.err, "offboard")) << remove.err;
  EXPECT_EQ(Admin({"audit", "verify"}).exit_code, 0);
}

TEST_F(CliE2eTest, LoginWritesAPrivateConfigThatLaterCommandsUse) {
  std::string config = dir_.File("cfg/bestand.conf");
  std::vector<std::string> env = {"BESTAND_CONFIG=" + config,
                                  "BESTAND_TOKEN=", "BESTAND_SERVER=", "BESTAND_CA="};
  ProcessResult login = RunProcess({BESTAND_CLI_BIN, "login", "--server", server_, "--ca",
                                    dir_.File("data/ca.crt"), "--token", admin_},
                                   env);
  ASSERT_EQ(login.exit_code, 0) << login.err;
  struct stat st;
  ASSERT_EQ(stat(config.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ProcessResult who = RunProcess({BESTAND_CLI_BIN, "whoami", "-o", "json"}, env);
  EXPECT_EQ(who.exit_code, 0) << who.err;
  EXPECT_TRUE(absl::StrContains(who.out, "\"role\": \"ADMIN\"")) << who.out;

  ProcessResult bad = RunProcess({BESTAND_CLI_BIN, "login", "--server", server_, "--ca",
                                  dir_.File("data/ca.crt"), "--token", "bst_wrong"},
                                 {"BESTAND_CONFIG=" + dir_.File("cfg/other.conf")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(stat(dir_.File("cfg/other.conf").c_str(), &st), 0) << "a failed login wrote a config";
}

TEST_F(CliE2eTest, UsageErrorsExitWithTwoAndOneMessage) {
  ProcessResult r = Admin({"person", "add", "--shoe-size", "42"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(r.err, "unknown option --shoe-size")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = Admin({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(CliE2eTest, ASecondServerOnThePortOrTheDataDirectoryRefusesToStart) {
  // `timeout`: a server that wrongly starts would otherwise run forever.
  auto serve = [](const std::string& dir, const std::string& listen) {
    return RunProcess({"/usr/bin/timeout", "20", BESTAND_SERVER_BIN, "serve", "--data-dir", dir,
                       "--listen", listen});
  };
  testing::ServerProcess other;
  other.Init(dir_.File("other"));
  ProcessResult port_taken = serve(dir_.File("other"), server_);
  EXPECT_EQ(port_taken.exit_code, 1) << port_taken.out << port_taken.err;
  EXPECT_TRUE(absl::StrContains(port_taken.err, "cannot listen on " + server_)) << port_taken.err;
  ProcessResult dir_taken = serve(dir_.File("data"), "127.0.0.1:0");
  EXPECT_EQ(dir_taken.exit_code, 1) << dir_taken.out << dir_taken.err;
  EXPECT_TRUE(absl::StrContains(dir_taken.err, "another bestand-server (pid ")) << dir_taken.err;
  // Every call still reaches the one server with the one database.
  for (int i = 0; i < 10; ++i) {
    ProcessResult who = Admin({"whoami"});
    ASSERT_EQ(who.exit_code, 0) << who.err;
  }
  // A database that is missing, empty or not Bestand's is never started as a fresh one.
  WriteFile(dir_.File("other/bestand.db"), "");
  ProcessResult empty = serve(dir_.File("other"), "127.0.0.1:0");
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(empty.err, "is empty (0 bytes)")) << empty.err;
  ASSERT_EQ(std::remove(dir_.File("other/bestand.db").c_str()), 0);
  ProcessResult missing = serve(dir_.File("other"), "127.0.0.1:0");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(missing.err, "there is no database")) << missing.err;
}

TEST_F(CliE2eTest, CsvOutputRunsNoFormulaAndImportsBackUnchanged) {
  ASSERT_EQ(Admin({"device", "add", "--asset-tag", "NB-1", "--hostname",
                   "=HYPERLINK(\"http://evil/\",\"klick\")", "--model", "@SUM(1+1)"})
                .exit_code,
            0);
  ProcessResult csv = Admin({"device", "list", "-o", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_TRUE(absl::StrContains(csv.out, "\"'=HYPERLINK(")) << csv.out;
  EXPECT_TRUE(absl::StrContains(csv.out, ",'@SUM(1+1),")) << csv.out;
  for (absl::string_view line : absl::StrSplit(csv.out, '\n')) {
    for (absl::string_view cell : absl::StrSplit(line, ',')) {
      EXPECT_FALSE(absl::StartsWith(cell, "=") || absl::StartsWith(cell, "@")) << line;
    }
  }
  WriteFile(dir_.File("devices.csv"), csv.out);
  ProcessResult back = Admin({"import", "devices", dir_.File("devices.csv")});
  EXPECT_EQ(back.exit_code, 0) << back.err;
  EXPECT_TRUE(absl::StrContains(back.out, "1 unchanged")) << back.out;
  ProcessResult shown = Admin({"device", "show", "NB-1", "-o", "json"});
  EXPECT_TRUE(absl::StrContains(shown.out, "\"hostname\": \"=HYPERLINK(")) << shown.out;
}

TEST_F(CliE2eTest, TheCliExplainsItsCommandsAndEveryOneSpeaksJson) {
  // Help: the overview, a noun's commands, one command's own options and fields.
  ProcessResult help = Cli({"help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(help.out, "bestand onboard EMAIL --name NAME")) << help.out;
  ProcessResult noun = Cli({"help", "report"});
  EXPECT_TRUE(absl::StrContains(noun.out, "bestand report costs")) << noun.out;
  ProcessResult add = Cli({"license", "add", "--help"});
  EXPECT_EQ(add.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(add.out, "--billing-period VALUE")) << add.out;
  EXPECT_TRUE(absl::StrContains(add.out, "monthly|yearly")) << add.out;
  EXPECT_TRUE(absl::StrContains(add.out, "number, 0..100000")) << add.out;
  EXPECT_TRUE(absl::StrContains(Cli({"offboard", "--help"}).out, "--last-day DATE"));
  // Wrong names list what is valid.
  ProcessResult report = Admin({"report", "nonsense"});
  EXPECT_EQ(report.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(report.err, "valid: licenses, overlaps, renewals, costs"))
      << report.err;
  ProcessResult output = Admin({"person", "list", "-o", "xml"});
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(output.err, "is not one of table, wide, json, csv")) << output.err;
  ProcessResult kind = Admin({"import", "spreadsheets", "x.csv"});
  EXPECT_TRUE(absl::StrContains(kind.err, "KIND is one of people, devices")) << kind.err;
  ProcessResult flag = Admin({"onboard", "a@firma.de", "--nme", "A"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(flag.err, "unknown option --nme")) << flag.err;
  EXPECT_TRUE(absl::StrContains(flag.err, "--name")) << flag.err;
  ProcessResult date = Admin({"person", "add", "--email", "a@firma.de", "--display-name", "A",
                              "--start-date", "2027-02-29"});
  EXPECT_TRUE(absl::StrContains(date.err, "2027-02-29 is not a calendar date")) << date.err;

  // -o json for imports, removals and what used to answer on stderr only.
  WriteFile(dir_.File("apps.csv"), "display_name,category\nZoom,video\n");
  ProcessResult imported = Admin({"import", "apps", dir_.File("apps.csv"), "-o", "json"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(absl::StrContains(imported.out, "\"created\": \"1\"")) << imported.out;
  ProcessResult again = Admin({"import", "apps", dir_.File("apps.csv")});
  EXPECT_TRUE(absl::StrContains(again.out, ": 1 row, 0 new, 0 updated, 1 unchanged")) << again.out;
  ProcessResult removed = Admin({"app", "remove", "Zoom", "-o", "json"});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(removed.out, "{\"removed\": \"Zoom\"}\n");

  // Tables: site licenses say unlimited, money columns say what they are, and a table with
  // long cells still fits 120 columns (-o wide shows them whole).
  ASSERT_EQ(Admin({"license", "add", "--display-name", "Intranet", "--unlimited-seats", "true",
                   "--price-per-seat-minor", "100000", "--notes", std::string(300, 'n')})
                .exit_code,
            0);
  ProcessResult table = Admin({"license", "list"});
  EXPECT_TRUE(absl::StrContains(table.out, "unlimited")) << table.out;
  EXPECT_TRUE(absl::StrContains(table.out, "PRICE PER SEAT")) << table.out;
  EXPECT_FALSE(absl::StrContains(table.out, "_MINOR")) << table.out;
  ProcessResult wide = Admin({"license", "list", "-o", "wide"});
  EXPECT_TRUE(absl::StrContains(wide.out, std::string(300, 'n'))) << wide.out;
  ASSERT_EQ(Admin({"person", "add", "--email", "b@firma.de", "--display-name",
                   std::string(190, 'B'), "--department", std::string(150, 'D')})
                .exit_code,
            0);
  ProcessResult people = Admin({"person", "list"});
  EXPECT_TRUE(absl::StrContains(people.out, "\u2026")) << "long cells are cut: " << people.out;
  for (absl::string_view line : absl::StrSplit(people.out, '\n')) {
    EXPECT_LE(Utf8Length(line), 120u) << line;
  }
  EXPECT_TRUE(
      absl::StrContains(Admin({"person", "list", "-o", "wide"}).out, std::string(190, 'B')));
}

}  // namespace
}  // namespace bestand
