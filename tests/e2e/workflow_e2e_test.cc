// End to end: onboarding and offboarding with the real server and CLI over TLS, a vendor token
// completing its provider's part, findings going from non-empty to empty.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/e2e/server_process.h"
#include "tests/test_util.h"

namespace bestand {
namespace {

using testing::ProcessResult;
using testing::RunProcess;
using testing::TempDir;

class WorkflowE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Init(dir_.File("data"));
    server_.Start();
    // A small company: an MSP running Microsoft 365, a SaaS vendor, licenses, a laptop in stock.
    for (std::vector<std::string> cmd : std::vector<std::vector<std::string>>{
             {"vendor", "add", "--display-name", "IT-Partner GmbH", "--kind", "msp"},
             {"vendor", "add", "--display-name", "Salesforce Inc."},
             {"app", "add", "--display-name", "Microsoft 365", "--vendor", "IT-Partner GmbH"},
             {"app", "add", "--display-name", "Salesforce", "--vendor", "Salesforce Inc."},
             {"license", "add", "--display-name", "M365 E3", "--seats", "1", "--vendor",
              "IT-Partner GmbH"},
             {"device", "add", "--asset-tag", "NB-1", "--type", "laptop"},
             {"template", "add", "--template", "sales", "--application", "Microsoft 365", "--role",
              "user"},
             {"template", "add", "--template", "sales", "--application", "Salesforce", "--role",
              "Sales User"},
             {"template", "add", "--template", "sales", "--license", "M365 E3"},
             {"template", "add", "--template", "sales", "--device-type", "laptop"},
         }) {
      ProcessResult r = server_.Admin(cmd);
      ASSERT_EQ(r.exit_code, 0) << absl::StrJoin(cmd, " ") << ": " << r.err;
    }
  }

  // The task names in CSV output ("tasks/3", ...).
  static std::vector<std::string> TaskNames(const std::string& csv) {
    std::vector<std::string> out;
    for (absl::string_view line : absl::StrSplit(csv, '\n', absl::SkipEmpty())) {
      if (absl::StartsWith(line, "tasks/")) out.emplace_back(line.substr(0, line.find(',')));
    }
    return out;
  }

  int Findings() {
    ProcessResult r = server_.Admin({"report", "access", "--risky", "-o", "csv"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    int n = 0;
    for (absl::string_view line : absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
      n += !absl::StartsWith(line, "kind,");  // the header, when there are rows
    }
    return n;
  }

  TempDir dir_;
  testing::ServerProcess server_;
};

TEST_F(WorkflowE2eTest, OnboardThenOffboardWithAVendorTokenLeavesNothingBehind) {
  ProcessResult on =
      server_.Admin({"onboard", "anna@firma.de", "--name", "Anna Schmidt", "--department", "Sales",
                     "--template", "sales", "--start", "2027-01-04", "-o", "csv"});
  ASSERT_EQ(on.exit_code, 0) << on.err;
  std::vector<std::string> onboarding = TaskNames(on.out);
  ASSERT_EQ(onboarding.size(), 4u) << on.out;
  // Due the working day before Monday 4 January: Friday 1 January is New Year's Day.
  EXPECT_TRUE(absl::StrContains(on.out, "2026-12-31")) << "due the working day before: " << on.out;
  EXPECT_TRUE(absl::StrContains(on.out, "NB-1")) << "the laptop in stock is reserved";

  // The only seat is taken: a second hire is refused, naming the seats.
  ProcessResult full = server_.Admin({"onboard", "bernd@firma.de", "--name", "Bernd", "--template",
                                      "sales", "--start", "2027-01-04"});
  EXPECT_EQ(full.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(full.err, "no free seat: 1 seat, 1 assigned")) << full.err;
  EXPECT_EQ(server_.Admin({"person", "show", "bernd@firma.de"}).exit_code, 1)
      << "a refused onboarding left a person behind";

  for (const std::string& t : onboarding) {
    ProcessResult done = server_.Admin({"task", "done", t, "--evidence", "ticket 4711"});
    ASSERT_EQ(done.exit_code, 0) << done.err;
  }
  ProcessResult person = server_.Admin({"person", "show", "anna@firma.de"});
  EXPECT_TRUE(absl::StrContains(person.out, "active")) << person.out;
  ProcessResult accounts = server_.Admin({"account", "list", "-o", "csv"});
  EXPECT_EQ(std::count(accounts.out.begin(), accounts.out.end(), '\n'), 3) << accounts.out;
  EXPECT_EQ(Findings(), 0);

  // Offboarding; the last day is past, so until the tasks are done Anna is a finding.
  ProcessResult off = server_.Admin(
      {"offboard", "anna@firma.de", "--last-day", "2026-01-30", "--reason", "moved", "-o", "csv"});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  std::vector<std::string> offboarding = TaskNames(off.out);
  // Two accounts, two roles, one seat, one laptop.
  ASSERT_EQ(offboarding.size(), 6u) << off.out;
  EXPECT_EQ(Findings(), 6);
  ProcessResult again = server_.Admin({"offboard", "anna@firma.de", "--last-day", "2026-01-30"});
  EXPECT_TRUE(absl::StrContains(again.out, "already open; unchanged")) << again.out;
  ProcessResult all = server_.Admin({"task", "list", "-o", "csv"});
  EXPECT_EQ(TaskNames(all.out).size(), 10u) << "offboarding twice added tasks";

  // Access that appears while the case is open joins it.
  ASSERT_EQ(server_.Admin({"app", "add", "--display-name", "GitLab"}).exit_code, 0);
  ASSERT_EQ(server_
                .Admin({"account", "add", "--application", "GitLab", "--username", "anna",
                        "--person", "anna@firma.de"})
                .exit_code,
            0);
  ProcessResult open = server_.Admin({"task", "list", "--open", "-o", "csv"});
  EXPECT_EQ(TaskNames(open.out).size(), 7u) << open.out;
  EXPECT_TRUE(absl::StrContains(open.out, "GitLab")) << open.out;

  // The MSP's vendor token sees and completes only the MSP's part.
  ProcessResult token = server_.Admin({"token", "create", "--role", "vendor", "--name",
                                       "it-partner", "--vendor", "IT-Partner GmbH"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  const std::string vendor(absl::StripAsciiWhitespace(token.out));
  ProcessResult mine = server_.Cli({"task", "list", "--open", "-o", "csv"}, vendor);
  ASSERT_EQ(mine.exit_code, 0) << mine.err;
  std::vector<std::string> msp = TaskNames(mine.out);
  EXPECT_EQ(msp.size(), 3u) << mine.out;  // disable, revoke, reclaim in Microsoft 365
  EXPECT_FALSE(absl::StrContains(mine.out, "Salesforce")) << mine.out;
  EXPECT_EQ(server_.Cli({"task", "list", "--vendor", "Salesforce Inc."}, vendor).exit_code, 1);
  EXPECT_EQ(server_.Cli({"person", "list"}, vendor).exit_code, 1);
  ProcessResult who = server_.Cli({"whoami"}, vendor);
  EXPECT_EQ(who.exit_code, 0) << who.err;
  EXPECT_TRUE(absl::StrContains(who.out, "it-partner")) << who.out;
  ProcessResult login =
      testing::RunProcess({BESTAND_CLI_BIN, "login", "--server", server_.address(), "--ca",
                           server_.ca(), "--token", vendor},
                          {"BESTAND_CONFIG=" + dir_.File("vendor.conf")});
  EXPECT_EQ(login.exit_code, 0) << login.err;
  ProcessResult md =
      server_.Cli({"task", "export", "--vendor", "IT-Partner GmbH", "-o", "md"}, vendor);
  EXPECT_TRUE(absl::StrContains(md.out, "- [ ] **Disable the account")) << md.out;
  for (const std::string& t : TaskNames(open.out)) {
    const bool theirs = std::find(msp.begin(), msp.end(), t) != msp.end();
    ProcessResult done = server_.Cli({"task", "done", t, "--evidence", "done, ticket 99"}, vendor);
    EXPECT_EQ(done.exit_code, theirs ? 0 : 1) << t << ": " << done.err;
  }
  for (const std::string& t :
       TaskNames(server_.Admin({"task", "list", "--open", "-o", "csv"}).out)) {
    ASSERT_EQ(server_.Admin({"task", "done", t, "--evidence", "coordinator"}).exit_code, 0);
  }

  EXPECT_EQ(Findings(), 0);
  person = server_.Admin({"person", "show", "anna@firma.de"});
  EXPECT_TRUE(absl::StrContains(person.out, "left")) << person.out;
  // Offboarding her again: she left, nothing to do, and that is no failure.
  ProcessResult gone = server_.Admin({"offboard", "anna@firma.de", "--last-day", "2026-01-30"});
  EXPECT_EQ(gone.exit_code, 0) << gone.err;
  EXPECT_TRUE(absl::StrContains(gone.out, "left on 2026-01-30; there is nothing to do"))
      << gone.out;
  ProcessResult laptop = server_.Admin({"device", "show", "NB-1"});
  EXPECT_TRUE(absl::StrContains(laptop.out, "in_stock")) << laptop.out;
  ProcessResult seats = server_.Admin({"license", "seats", "M365 E3", "-o", "csv"});
  EXPECT_FALSE(absl::StrContains(seats.out, "anna")) << seats.out;
  // History stays: the person, the disabled accounts and every step in the audit chain.
  accounts = server_.Admin({"account", "list", "-o", "csv"});
  EXPECT_EQ(std::count(accounts.out.begin(), accounts.out.end(), '\n'), 4) << accounts.out;
  EXPECT_FALSE(absl::StrContains(accounts.out, ",active")) << accounts.out;
  ProcessResult verify = server_.Admin({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  ProcessResult audit =
      server_.Admin({"audit", "list", "--actor", "token:it-partner", "-o", "csv"});
  EXPECT_GE(std::count(audit.out.begin(), audit.out.end(), '\n'), 4) << audit.out;

  // A department's request: added, done, accepted by the coordinator only.
  ProcessResult request = server_.Admin({"task", "add", "--title", "Shared mailbox for Sales",
                                         "--vendor", "IT-Partner GmbH", "--acceptance",
                                         "mailbox reachable", "--priority", "high", "-o", "csv"});
  ASSERT_EQ(request.exit_code, 0) << request.err;
  const std::string req = TaskNames(request.out).at(0);
  EXPECT_EQ(server_.Cli({"task", "done", req, "--evidence", "created"}, vendor).exit_code, 0);
  EXPECT_EQ(server_.Cli({"task", "accept", req}, vendor).exit_code, 1);
  EXPECT_EQ(server_.Admin({"task", "accept", req}).exit_code, 0);
}

TEST_F(WorkflowE2eTest, Microsoft365ExportImportsRepeatablyAndReportsWhoIsGone) {
  const std::string dir = BESTAND_EXPORTS;
  ProcessResult first = server_.Admin({"import", "m365-users", dir + "/m365-users-excel.csv"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(absl::StrContains(first.out, "3 rows, 3 new")) << first.out;
  ProcessResult again = server_.Admin({"import", "m365-users", dir + "/m365-users.csv"});
  EXPECT_TRUE(absl::StrContains(again.out, "0 new, 0 updated, 3 unchanged")) << again.out;
  ProcessResult next =
      server_.Admin({"import", "m365-users", dir + "/m365-users-next-month.csv", "--dry-run"});
  EXPECT_TRUE(absl::StrContains(next.out, "missing: bernd@weiss-haustechnik.de")) << next.out;
  EXPECT_TRUE(absl::StrContains(next.out, "--mark-deleted")) << next.out;
  ProcessResult activity = server_.Admin({"import", "m365-activity", dir + "/m365-activity.csv"});
  EXPECT_TRUE(absl::StrContains(activity.out, "2 updated")) << activity.out;
  // Bernd's Business Standard seat has been idle since June.
  ProcessResult licenses = server_.Admin({"report", "licenses", "-o", "csv"});
  EXPECT_TRUE(absl::StrContains(licenses.out, "bernd@weiss-haustechnik.de (idle since 2026-06-02)"))
      << licenses.out;
}

TEST_F(WorkflowE2eTest, GlpiInventoriesImportAndAnUpdateBecomesHistory) {
  const std::string dir = BESTAND_GLPI;
  for (const char* file : {"computer_1.json", "computer_2.json", "computer_3.json"}) {
    ProcessResult r = server_.Admin({"import", "glpi", dir + "/" + file});
    ASSERT_EQ(r.exit_code, 0) << file << ": " << r.err;
    EXPECT_TRUE(absl::StrContains(r.out, "(new)")) << r.out;
  }
  ProcessResult update = server_.Admin({"import", "glpi", dir + "/computer_3_updated.json"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_TRUE(absl::StrContains(update.out, "devices/4 (matched)")) << update.out;  // NB-1 is 1
  ProcessResult history =
      server_.Admin({"device", "history", "devices/4", "--limit", "5000", "-o", "csv"});
  EXPECT_TRUE(absl::StrContains(history.out, ",upgraded,")) << history.out.substr(0, 500);
  EXPECT_TRUE(absl::StrContains(history.out, ",installed,"));
  ProcessResult again = server_.Admin({"import", "glpi", dir + "/computer_3_updated.json"});
  EXPECT_TRUE(absl::StrContains(again.out, "0 software changes")) << again.out;
  // FusionInventory/OCS XML: the same machine (1.xml is LF014) is matched, not duplicated;
  // 2.xml and 12.xml are two inventories of one PC.
  for (const char* file : {"1.xml", "2.xml", "3.xml", "4.xml", "12.xml", "18.xml"}) {
    ProcessResult r = server_.Admin({"import", "fusion", dir + "/xml/" + file});
    ASSERT_EQ(r.exit_code, 0) << file << ": " << r.err;
    if (std::string(file) == "1.xml") {
      EXPECT_TRUE(absl::StrContains(r.out, "devices/4 (matched)")) << r.out;
    }
    if (std::string(file) == "12.xml") {
      EXPECT_TRUE(absl::StrContains(r.out, "(matched)")) << r.out;
    }
  }
  ProcessResult bad = server_.Admin({"import", "glpi", dir + "/README.md"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(bad.err, "not JSON")) << bad.err;
  EXPECT_EQ(server_.Admin({"audit", "verify"}).exit_code, 0);
}

}  // namespace
}  // namespace bestand
