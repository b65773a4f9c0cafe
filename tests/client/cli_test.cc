// The CLI (RunCli) against an in-memory FakeClient: which command the words find, flags and
// usage errors, what is sent to the server, what is printed, and the exit codes of cli.h.
#include "client/cli.h"

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "bestand/v1/audit.pb.h"
#include "bestand/v1/auth.pb.h"
#include "bestand/v1/inventory.pb.h"
#include "gtest/gtest.h"
#include "tests/client/fake_client.h"
#include "tests/test_util.h"

namespace bestand {
namespace {

using testing::FakeClient;

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // No config file, no environment: only what a test passes reaches the connector.
    setenv("BESTAND_CONFIG", "/nonexistent/bestand-cli-test/config", 1);
    for (const char* env : {"BESTAND_SERVER", "BESTAND_CA", "BESTAND_TOKEN"}) unsetenv(env);
  }

  // Runs `bestand args...` against fake_.
  CliResult Run(const std::vector<std::string>& args) {
    std::vector<const char*> argv = {"bestand"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    CliResult r;
    r.exit_code = RunCli(static_cast<int>(argv.size()), argv.data(), out, err, fake_.connector());
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  std::string AddPerson(const std::string& email, const std::string& display_name,
                        const std::string& department = "",
                        v1::Person::Status status = v1::Person::ACTIVE) {
    v1::Person p;
    p.set_email(email);
    p.set_display_name(display_name);
    p.set_department(department);
    p.set_status(status);
    return fake_.Add(Kind::kPerson, p);
  }

  std::string AddApp(const std::string& display_name) {
    v1::Application a;
    a.set_display_name(display_name);
    return fake_.Add(Kind::kApplication, a);
  }

  std::string AddAccount(const std::string& application, const std::string& username,
                         const std::string& person, bool privileged, bool mfa,
                         v1::Account::Status status = v1::Account::ACTIVE) {
    v1::Account a;
    a.set_application(application);
    a.set_username(username);
    a.set_person(person);
    a.set_privileged(privileged);
    a.set_mfa_enabled(mfa);
    a.set_status(status);
    return fake_.Add(Kind::kAccount, a);
  }

  // people/1 anna, people/2 bert, people/3 carla; applications/1 Microsoft 365, /2 Slack;
  // accounts/1..4, the last one without a person.
  void AddAccounts() {
    AddPerson("anna@firma.de", "Anna Schmidt", "Vertrieb");
    AddPerson("bert@firma.de", "Bert Meier", "Einkauf");
    AddPerson("carla@firma.de", "Carla Wolf", "Lager");
    AddApp("Microsoft 365");
    AddApp("Slack");
    AddAccount("applications/1", "anna", "people/1", false, true);
    AddAccount("applications/2", "anna.s", "people/1", true, false);
    AddAccount("applications/1", "bert", "people/2", false, false, v1::Account::DISABLED);
    AddAccount("applications/2", "svc-backup", "", false, false);
  }

  FakeClient fake_;
};

// ---- Finding the command ----------------------------------------------------------------------

TEST_F(CliTest, UnknownCommandIsAUsageErrorPointingToHelp) {
  CliResult r = Run({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "bestand: unknown command 'frobnicate' (see 'bestand help')\n");
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(fake_.configs().empty()) << "connected for a command that does not exist";
  EXPECT_TRUE(fake_.calls().empty());

  r = Run({"persn", "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand: unknown command 'persn' (did you mean person?) (see 'bestand help')\n");
}

TEST_F(CliTest, UnknownOrMissingVerbListsTheNounsVerbs) {
  CliResult r = Run({"person", "lst"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand: unknown verb 'lst' for person (did you mean list?); valid: add, list, show, "
            "update, remove, "
            "fields (see 'bestand help')\n");
  r = Run({"people"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand: 'people' needs one of: add, list, show, update, remove, fields "
            "(see 'bestand help')\n");
  r = Run({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "bestand: a command is missing (see 'bestand help')\n");
  EXPECT_TRUE(fake_.configs().empty());
}

TEST_F(CliTest, UnknownOptionNamesTheValidOnesWithoutConnecting) {
  CliResult r = Run({"person", "list", "--shoe-size", "42"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand: unknown option --shoe-size for 'bestand person list'; valid: --department, "
            "--status, --manager, --query, --limit (see 'bestand person list --help')\n");
  r = Run({"whoami", "--verbose", "yes"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand: unknown option --verbose for 'bestand whoami'; it takes none "
            "(see 'bestand whoami --help')\n");
  r = Run({"person", "list", "-o", "xml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand: -o: 'xml' is not one of table, wide, json, csv for 'bestand person list' "
            "(see 'bestand person list --help')\n");
  EXPECT_TRUE(fake_.configs().empty());
  EXPECT_TRUE(fake_.calls().empty());
}

TEST_F(CliTest, MissingRequiredOptionIsAUsageError) {
  CliResult r = Run({"token", "create", "--name", "ci"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "bestand: --role is required (see 'bestand token create --help')\n");
  r = Run({"onboard", "dora@firma.de", "--name", "Dora", "--template", "vertrieb"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "bestand: --start is required (see 'bestand onboard --help')\n");
  EXPECT_TRUE(fake_.calls().empty()) << "a call was made without its required option";
}

TEST_F(CliTest, HelpNeedsNoServer) {
  CliResult r = Run({"help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(r.out, "bestand person add|list|show|update|remove|fields"))
      << r.out;
  r = Run({"person", "list", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "--department")) << r.out;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(fake_.configs().empty());
}

// ---- Connecting -------------------------------------------------------------------------------

TEST_F(CliTest, GlobalOptionsReachTheConnector) {
  v1::WhoAmIResponse who;
  who.mutable_token()->set_name("tokens/4");
  who.mutable_token()->set_display_name("ci");
  who.mutable_token()->set_role(v1::ADMIN);
  fake_.SetResponse("WhoAmI", who);
  CliResult r = Run({"--server", "inventar.firma.de:8443", "--token", "bst_secret", "--timeout",
                     "5", "--insecure", "whoami"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(fake_.configs().size(), 1u);
  const ClientConfig& config = fake_.configs()[0];
  EXPECT_EQ(config.server, "inventar.firma.de:8443");
  EXPECT_EQ(config.token, "bst_secret");
  EXPECT_EQ(config.timeout, absl::Seconds(5));
  EXPECT_TRUE(config.insecure);
  EXPECT_EQ(fake_.methods(), std::vector<std::string>{"WhoAmI"});
  // One message as "field  value" lines, padded to Token's longest field name (last_used_time).
  EXPECT_EQ(r.out,
            "name            tokens/4\n"
            "display_name    ci\n"
            "role            admin\n");
}

TEST_F(CliTest, TimeoutOutOfRangeIsAUsageError) {
  CliResult r = Run({"--timeout", "0", "whoami"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "bestand: --timeout: expected 1..3600 seconds (see 'bestand help')\n");
  EXPECT_TRUE(fake_.configs().empty());
}

TEST_F(CliTest, ServerThatCannotBeReachedExitsWithThree) {
  fake_.set_connect_error(absl::UnavailableError("cannot reach the server at 10.0.0.9:8443"));
  CliResult r = Run({"--server", "10.0.0.9:8443", "person", "list"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "bestand: cannot reach the server at 10.0.0.9:8443\n");
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(fake_.calls().empty());
}

TEST_F(CliTest, ServerErrorsMapToTheExitCodesOfCliH) {
  struct Case {
    absl::Status status;
    int exit_code;
  };
  const std::vector<Case> cases = {
      {absl::UnavailableError("cannot reach the server at 127.0.0.1:8443"), 3},
      {absl::DeadlineExceededError("the server at 127.0.0.1:8443 did not answer in 30s"), 3},
      {absl::PermissionDeniedError("role viewer may not list people"), 1},
      // The server's INVALID_ARGUMENT is no usage error of the CLI.
      {absl::InvalidArgumentError("department: at most 100 characters"), 1},
  };
  for (const Case& c : cases) {
    fake_ = FakeClient();
    fake_.SetError("List people", c.status);
    CliResult r = Run({"person", "list"});
    EXPECT_EQ(r.exit_code, c.exit_code) << c.status;
    EXPECT_EQ(r.err, "bestand: " + std::string(c.status.message()) + "\n");
    EXPECT_EQ(r.out, "") << c.status;
  }
}

TEST_F(CliTest, NotFoundExitsWithOneAndTheServersMessage) {
  AddPerson("anna@firma.de", "Anna Schmidt");
  CliResult r = Run({"person", "show", "nobody@firma.de"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "bestand: person 'nobody@firma.de' not found\n");
  EXPECT_EQ(r.out, "");
  ASSERT_EQ(fake_.calls().size(), 1u);
  EXPECT_EQ(fake_.calls()[0].method, "Get people");
  EXPECT_EQ(fake_.calls()[0].request, "name: \"nobody@firma.de\"");
}

// ---- Inventory commands -----------------------------------------------------------------------

TEST_F(CliTest, PersonListAsJsonPrintsThePeopleAsTheyAre) {
  AddPerson("anna@firma.de", "Anna Schmidt", "Vertrieb");
  AddPerson("bert@firma.de", "Bert Meier", "", v1::Person::LEAVING);
  const std::string expected =
      "[\n"
      "{\n"
      " \"name\": \"people/1\",\n"
      " \"email\": \"anna@firma.de\",\n"
      " \"display_name\": \"Anna Schmidt\",\n"
      " \"department\": \"Vertrieb\",\n"
      " \"status\": \"ACTIVE\"\n"
      "},\n"
      "{\n"
      " \"name\": \"people/2\",\n"
      " \"email\": \"bert@firma.de\",\n"
      " \"display_name\": \"Bert Meier\",\n"
      " \"status\": \"LEAVING\"\n"
      "}\n"
      "]\n";
  CliResult r = Run({"person", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, expected);
  EXPECT_EQ(r.err, "");
  // JSON shows references as they are: nothing but the one List.
  ASSERT_EQ(fake_.calls().size(), 1u);
  EXPECT_EQ(fake_.calls()[0].method, "List people");
  EXPECT_EQ(fake_.calls()[0].request, "page_size: 1000");
  // The plural and the verb alias find the same command.
  r = Run({"people", "ls", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, expected);
}

TEST_F(CliTest, EmptyListPrintsNoneOrAnEmptyArray) {
  CliResult r = Run({"person", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "(none)\n");
  r = Run({"person", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[]\n");
}

TEST_F(CliTest, AccountTableLabelsReferencesWithOneCallPerCollection) {
  AddAccounts();
  CliResult r = Run({"account", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      r.out,
      "NAME        APPLICATION    USERNAME    PERSON         PRIVILEGED  MFA ENABLED  STATUS\n"
      "accounts/1  Microsoft 365  anna        anna@firma.de  false       true         active\n"
      "accounts/2  Slack          anna.s      anna@firma.de  true        false        active\n"
      "accounts/3  Microsoft 365  bert        bert@firma.de  false       false        "
      "disabled\n"
      "accounts/4  Slack          svc-backup                 false       false        "
      "active\n");
  // Two people and two applications referenced: one List each, not one Get per row.
  EXPECT_EQ(fake_.methods(),
            (std::vector<std::string>{"List accounts", "List people", "List applications"}));
  for (const auto& call : fake_.calls()) EXPECT_EQ(call.request, "page_size: 1000");
}

TEST_F(CliTest, OneReferencedResourceIsFetchedWithOneGet) {
  AddPerson("anna@firma.de", "Anna Schmidt");
  AddPerson("bert@firma.de", "Bert Meier");
  for (const char* tag : {"NB-0042", "NB-0043"}) {
    v1::Device d;
    d.set_asset_tag(tag);
    d.set_type(v1::Device::LAPTOP);
    d.set_assignee("people/2");
    d.set_status(v1::Device::ASSIGNED);
    fake_.Add(Kind::kDevice, d);
  }
  v1::Device monitor;
  monitor.set_asset_tag("MON-7");
  monitor.set_type(v1::Device::MONITOR);
  monitor.set_status(v1::Device::IN_STOCK);
  fake_.Add(Kind::kDevice, monitor);

  CliResult r = Run({"device", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake_.methods(), (std::vector<std::string>{"List devices", "Get people"}));
  EXPECT_EQ(fake_.calls()[1].request, "name: \"people/2\"");
  EXPECT_EQ(r.out,
            "NAME       ASSET TAG  HOSTNAME  TYPE     MODEL  OS  ASSIGNEE       STATUS    LAST "
            "REPORT TIME\n"
            "devices/1  NB-0042              laptop              bert@firma.de  assigned\n"
            "devices/2  NB-0043              laptop              bert@firma.de  assigned\n"
            "devices/3  MON-7                monitor                            in_stock\n");
}

TEST_F(CliTest, LabelsStopListingAtTheHighestIdAskedFor) {
  fake_.set_max_page_size(2);
  for (const char* email :
       {"p1@firma.de", "p2@firma.de", "p3@firma.de", "p4@firma.de", "p5@firma.de", "p6@firma.de"}) {
    AddPerson(email, email);
  }
  ASSERT_TRUE(fake_.Delete(Kind::kPerson, "people/3").ok());
  AddAccount("", "one", "people/1", false, false);
  AddAccount("", "gone", "people/3", false, false);
  fake_.ClearCalls();

  CliResult r = Run({"account", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // people/3 is gone: the second page (people/4, people/5) is past it, so there is no third.
  EXPECT_EQ(fake_.methods(),
            (std::vector<std::string>{"List accounts", "List people", "List people"}));
  EXPECT_EQ(fake_.calls()[2].request, "page_size: 1000 page_token: \"2\"");
  EXPECT_EQ(r.out,
            "NAME        APPLICATION  USERNAME  PERSON       PRIVILEGED  MFA ENABLED  STATUS\n"
            "accounts/1               one       p1@firma.de  false       false        active\n"
            "accounts/2               gone      people/3     false       false        active\n");
}

TEST_F(CliTest, LabelsThatCannotBeFetchedShowTheReference) {
  AddAccounts();
  fake_.SetError("List people", absl::PermissionDeniedError("role vendor may not list people"));
  CliResult r = Run({"account", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(absl::StrContains(r.out, "accounts/1  Microsoft 365  anna        people/1  "))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "accounts/3  Microsoft 365  bert        people/2  "))
      << r.out;
  EXPECT_EQ(fake_.CallCount("List people"), 1);
}

TEST_F(CliTest, PersonCreateSendsTheOptionsAsFields) {
  AddPerson("anna@firma.de", "Anna Schmidt", "Vertrieb");
  CliResult r = Run({"person", "create", "--email", "carla@firma.de", "--display-name",
                     "Carla Wolf", "--department", "Lager", "--manager", "people/1", "--status",
                     "onboarding", "--start-date", "2026-03-01"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(fake_.methods(), (std::vector<std::string>{"Create people", "Get people"}));
  EXPECT_EQ(fake_.calls()[0].request,
            "email: \"carla@firma.de\" display_name: \"Carla Wolf\" department: \"Lager\" "
            "manager: \"people/1\" status: ONBOARDING start_date: \"2026-03-01\"");
  const v1::Person* carla = fake_.FindAs<v1::Person>(Kind::kPerson, "carla@firma.de");
  ASSERT_NE(carla, nullptr);
  EXPECT_EQ(carla->name(), "people/2");
  EXPECT_EQ(carla->display_name(), "Carla Wolf");
  EXPECT_EQ(carla->status(), v1::Person::ONBOARDING);
  // The created person as stored, the manager by her email.
  EXPECT_EQ(r.out,
            "name          people/2\n"
            "email         carla@firma.de\n"
            "display_name  Carla Wolf\n"
            "department    Lager\n"
            "manager       anna@firma.de\n"
            "status        onboarding\n"
            "start_date    2026-03-01\n");
}

TEST_F(CliTest, BadFieldValueIsRefusedBeforeAnyCall) {
  CliResult r = Run({"person", "add", "--email", "x@firma.de", "--status", "retired"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(absl::StartsWith(r.err, "bestand: status: ")) << r.err;
  EXPECT_EQ(fake_.CallCount("Create people"), 0);
}

TEST_F(CliTest, PersonUpdateChangesOnlyTheFieldsGiven) {
  AddPerson("anna@firma.de", "Anna Schmidt", "Vertrieb");
  CliResult r = Run({"person", "update", "anna@firma.de", "--department", "Einkauf", "--job-title",
                     "Buchhalterin", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(fake_.methods(), std::vector<std::string>{"Update people"});
  EXPECT_EQ(fake_.calls()[0].request,
            "name: \"anna@firma.de\" department: \"Einkauf\" job_title: \"Buchhalterin\" "
            "update_mask { paths: \"department\" paths: \"job_title\" } force: false");
  const v1::Person* anna = fake_.FindAs<v1::Person>(Kind::kPerson, "people/1");
  ASSERT_NE(anna, nullptr);
  EXPECT_EQ(anna->department(), "Einkauf");
  EXPECT_EQ(anna->job_title(), "Buchhalterin");
  EXPECT_EQ(anna->display_name(), "Anna Schmidt") << "a field outside the mask changed";
  EXPECT_EQ(anna->status(), v1::Person::ACTIVE);
  EXPECT_EQ(r.out,
            "{\n"
            " \"name\": \"people/1\",\n"
            " \"email\": \"anna@firma.de\",\n"
            " \"display_name\": \"Anna Schmidt\",\n"
            " \"department\": \"Einkauf\",\n"
            " \"job_title\": \"Buchhalterin\",\n"
            " \"status\": \"ACTIVE\"\n"
            "}\n");

  fake_.ClearCalls();
  r = Run({"person", "update", "anna@firma.de"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand: nothing to update: give --FIELD VALUE options "
            "(see 'bestand person update --help')\n");
  EXPECT_TRUE(fake_.calls().empty());
}

TEST_F(CliTest, ListPrintsEveryPage) {
  fake_.set_max_page_size(2);
  for (const char* who : {"p1", "p2", "p3", "p4", "p5"}) {
    AddPerson(std::string(who) + "@firma.de", who, "Vertrieb");
  }
  const std::string header =
      "name,email,display_name,department,cost_center,job_title,manager,status,start_date,"
      "end_date,notes,create_time,update_time,language\n";
  CliResult r = Run({"person", "list", "-o", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, header +
                       "people/1,p1@firma.de,p1,Vertrieb,,,,active,,,,,,\n"
                       "people/2,p2@firma.de,p2,Vertrieb,,,,active,,,,,,\n"
                       "people/3,p3@firma.de,p3,Vertrieb,,,,active,,,,,,\n"
                       "people/4,p4@firma.de,p4,Vertrieb,,,,active,,,,,,\n"
                       "people/5,p5@firma.de,p5,Vertrieb,,,,active,,,,,,\n");
  ASSERT_EQ(fake_.calls().size(), 3u);
  EXPECT_EQ(fake_.calls()[0].request, "page_size: 1000");
  EXPECT_EQ(fake_.calls()[1].request, "page_size: 1000 page_token: \"2\"");
  EXPECT_EQ(fake_.calls()[2].request, "page_size: 1000 page_token: \"4\"");

  // --limit asks for what is left and stops there.
  fake_.ClearCalls();
  r = Run({"person", "list", "--limit", "3", "--department", "Vertrieb", "-o", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, header +
                       "people/1,p1@firma.de,p1,Vertrieb,,,,active,,,,,,\n"
                       "people/2,p2@firma.de,p2,Vertrieb,,,,active,,,,,,\n"
                       "people/3,p3@firma.de,p3,Vertrieb,,,,active,,,,,,\n");
  ASSERT_EQ(fake_.calls().size(), 2u);
  EXPECT_EQ(fake_.calls()[0].request, "page_size: 3 department: \"Vertrieb\"");
  EXPECT_EQ(fake_.calls()[1].request, "page_size: 1 page_token: \"2\" department: \"Vertrieb\"");

  r = Run({"person", "list", "--limit", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand: --limit: expected a positive number (see 'bestand person list --help')\n");
}

TEST_F(CliTest, LicenseUnassignFreesTheSeatOfTheHolderGiven) {
  AddPerson("anna@firma.de", "Anna Schmidt");
  AddPerson("bert@firma.de", "Bert Meier");
  v1::License zoom;
  zoom.set_display_name("Zoom Pro");
  zoom.set_seats(5);
  fake_.Add(Kind::kLicense, zoom);
  for (const char* person : {"people/1", "people/2"}) {
    v1::LicenseAssignment seat;
    seat.set_license("licenses/1");
    seat.set_person(person);
    fake_.Add(Kind::kLicenseAssignment, seat);
  }
  CliResult r = Run({"license", "unassign", "Zoom Pro", "--person", "bert@firma.de"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "freed the seat of Zoom Pro held by bert@firma.de\n");
  EXPECT_EQ(r.out, "");
  ASSERT_EQ(fake_.methods(),
            (std::vector<std::string>{"List licenseAssignments", "Delete licenseAssignments"}));
  EXPECT_EQ(fake_.calls()[0].request,
            "page_size: 1000 license: \"Zoom Pro\" person: \"bert@firma.de\"");
  EXPECT_EQ(fake_.calls()[1].request, "name: \"licenseAssignments/2\"");
  EXPECT_EQ(fake_.Count(Kind::kLicenseAssignment), 1);
  EXPECT_NE(fake_.Find(Kind::kLicenseAssignment, "licenseAssignments/1"), nullptr);

  // Held by nobody: NOT_FOUND, nothing deleted; with -o json the confirmation is JSON.
  r = Run({"license", "unassign", "Zoom Pro", "--person", "bert@firma.de"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "bestand: person 'bert@firma.de' holds no seat of license 'Zoom Pro'\n");
  r = Run({"license", "unassign", "Zoom Pro", "--person", "anna@firma.de", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"freed\": \"Zoom Pro\", \"person\": \"anna@firma.de\"}\n");
  EXPECT_EQ(fake_.Count(Kind::kLicenseAssignment), 0);

  r = Run({"license", "unassign", "Zoom Pro"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand: give exactly one of --person and --device "
            "(see 'bestand license unassign --help')\n");
}

// ---- Notifications ----------------------------------------------------------------------------

TEST_F(CliTest, NotifySetSendsOnlyWhatIsGivenAndKeepsOtherRulesSwitchedOff) {
  v1::NotificationSettings stored;
  stored.add_disabled_rules(v1::RISKY_ACCESS);
  fake_.SetResponse("GetNotificationSettings", stored);
  fake_.SetResponse("UpdateNotificationSettings", v1::NotificationSettings());
  CliResult r = Run({"notify", "set", "--disable", "tasks-due", "--deadline-days", "60,7",
                     "--coordinators", "it@firma.de, chef@firma.de", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(fake_.calls().size(), 2u);
  EXPECT_EQ(fake_.calls()[1].method, "UpdateNotificationSettings");
  EXPECT_EQ(fake_.calls()[1].request,
            "settings { disabled_rules: TASKS_DUE disabled_rules: RISKY_ACCESS "
            "deadline_lead_days: 60 deadline_lead_days: 7 coordinator_emails: \"it@firma.de\" "
            "coordinator_emails: \"chef@firma.de\" } update_mask { paths: \"deadline_lead_days\" "
            "paths: \"coordinator_emails\" paths: \"disabled_rules\" }");

  fake_.ClearCalls();
  r = Run({"notify", "set", "--disable", "fax-reminders"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'fax-reminders' is not a rule; the rules are cancellation-deadline"),
            std::string::npos)
      << r.err;
  r = Run({"notify", "set", "--deadline-days", "30,soon"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--deadline-days: 'soon' is not a number of days"), std::string::npos)
      << r.err;
  for (const auto& call : fake_.calls()) {
    EXPECT_NE(call.method, "UpdateNotificationSettings") << "nothing changes on bad input";
  }
}

TEST_F(CliTest, NotifyWebhookAddSendsRulesLanguageAndTheSecretFromItsFile) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("secret"), "  receiver-secret-0123456789\n");
  v1::AddWebhookResponse added;
  added.mutable_webhook()->set_name("webhooks/4");
  added.mutable_webhook()->set_url("https://hooks.example/…");
  fake_.SetResponse("AddWebhook", added);
  CliResult r =
      Run({"notify", "webhook", "add", "https://hooks.example/T/B/x", "--rules",
           "tasks-due, risky-access", "--language", "en", "--secret-file", dir.File("secret")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(fake_.calls().size(), 1u);
  EXPECT_EQ(fake_.calls()[0].request,
            "webhook { url: \"https://hooks.example/T/B/x\" language: \"en\" rules: TASKS_DUE "
            "rules: RISKY_ACCESS } secret: \"receiver-secret-0123456789\"");
  EXPECT_NE(r.out.find("webhooks/4  https://hooks.example/…"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("signing secret"), std::string::npos) << "the caller's own secret";

  fake_.ClearCalls();
  r = Run({"notify", "webhook", "add", "https://hooks.example/x", "--rules", "fax"});
  EXPECT_EQ(r.exit_code, 2);
  r = Run({"notify", "webhook", "add", "https://hooks.example/x", "--secret-file",
           dir.File("missing")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(fake_.calls().empty()) << "nothing sent on bad input";
  r = Run({"notify", "webhook", "remove", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake_.calls()[0].request, "name: \"webhooks/4\"");
}

// ---- Audit ------------------------------------------------------------------------------------

TEST_F(CliTest, AuditVerifyThatFindsTamperingExitsWithFour) {
  v1::VerifyAuditResponse tampered;
  tampered.set_ok(false);
  tampered.set_events_checked(12);
  tampered.set_resources_checked(3);
  tampered.add_problems("event 7: the hash does not match");
  fake_.SetResponse("VerifyAudit", tampered);
  CliResult r = Run({"audit", "verify"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out,
            "PROBLEM  event 7: the hash does not match\n"
            "TAMPERED: 12 audit events and 3 records checked; see the problems above\n");
  EXPECT_EQ(r.err, "bestand: the audit trail does not match (1 problems)\n");

  // DATA_LOSS from the server itself means the same.
  fake_.SetError("VerifyAudit", absl::DataLossError("event 7: the hash does not match"));
  r = Run({"audit", "verify"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.err, "bestand: event 7: the hash does not match\n");
}

TEST_F(CliTest, AuditVerifySendsEveryAnchor) {
  v1::VerifyAuditResponse intact;
  intact.set_ok(true);
  intact.set_events_checked(12);
  intact.set_resources_checked(3);
  intact.set_head("12:cc");
  fake_.SetResponse("VerifyAudit", intact);
  CliResult r = Run({"audit", "verify", "--anchor", "5:aa", "--anchor", "9:bb"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(fake_.methods(), std::vector<std::string>{"VerifyAudit"});
  EXPECT_EQ(fake_.calls()[0].request, "anchors: \"5:aa\" anchors: \"9:bb\"");
  EXPECT_EQ(r.out,
            "OK: 12 audit events and 3 records checked; the hash chain is intact and every "
            "record matches its last event\n"
            "head 12:cc  (keep it outside Bestand; a later 'audit verify --anchor 12:cc' proves "
            "the chain was not rewritten since)\n");
}

TEST_F(CliTest, RpcWithoutACannedAnswerIsUnimplemented) {
  CliResult r = Run({"settings", "show"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "bestand: FakeClient::GetSettings: no response set\n");
}

}  // namespace
// `NOUN fields` is read from the resource model, that is from the field options.
TEST_F(CliTest, FieldsShowWhatEachFieldTakesFromTheFieldOptions) {
  CliResult r = Run({"person", "fields", "-o", "csv"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "field,takes,required,output only\n")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\nemail,email address,yes,\n")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\nstart_date,date YYYY-MM-DD,,\n")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\nmanager,reference to person (name or id),,\n")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\nnotes,\"free text, line breaks allowed\",,\n")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\nname,text,,yes\n")) << r.out;
  EXPECT_TRUE(fake_.calls().empty());
}

}  // namespace bestand
