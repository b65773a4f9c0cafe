// Connectors with the real binaries against real directory servers on loopback (Debian's slapd,
// a SCIM service built on scimmy from npm, and one that takes only the "add" form of PATCH):
// `bestand offboard --now` disables the leaver's accounts and takes them out of their groups,
// `bestand onboard --now` creates a newcomer's in the groups of their template, which the test
// reads back itself (ldapsearch, curl); bad credentials and an untrusted
// certificate give a clear error and mark nothing done; a server that is down is retried; the
// secrets appear in no answer, no log line and not in the database file.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/directory/directory_server.h"
#include "tests/e2e/browser.h"
#include "tests/e2e/server_process.h"
#include "tests/notify/smtp_sink.h"

namespace bestand::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kLdapPassword[] = "Bind-Passw0rd-7f3a";
constexpr char kScimToken[] = "scim-token-5b9e2c";
constexpr char kBase[] = "dc=test,dc=bestand";

constexpr char kSeedLdif[] = R"(dn: uid=bernd,ou=people,dc=test,dc=bestand
objectClass: inetOrgPerson
uid: bernd
cn: Bernd Beispiel
sn: Beispiel
mail: bernd@firma.test
userPassword: Us3r-Pass!x

dn: uid=anna,ou=people,dc=test,dc=bestand
objectClass: inetOrgPerson
uid: anna
cn: Anna Schmidt
sn: Schmidt
mail: anna@firma.test

dn: cn=vertrieb,ou=groups,dc=test,dc=bestand
objectClass: groupOfNames
cn: vertrieb
member: uid=bernd,ou=people,dc=test,dc=bestand
member: uid=anna,ou=people,dc=test,dc=bestand

dn: cn=vpn,ou=groups,dc=test,dc=bestand
objectClass: groupOfNames
cn: vpn
member: uid=bernd,ou=people,dc=test,dc=bestand
member: uid=anna,ou=people,dc=test,dc=bestand
)";

constexpr char kSeedJson[] = R"({"users": [
  {"userName": "bernd@firma.test", "name": {"givenName": "Bernd", "familyName": "Beispiel"}},
  {"userName": "anna@firma.test", "name": {"givenName": "Anna", "familyName": "Schmidt"}}],
 "groups": [{"displayName": "Vertrieb", "members": ["bernd@firma.test", "anna@firma.test"]}]})";

constexpr char kAdPassword[] = "Adm1n-Pass!x7";

// Users and groups as an AD domain holds them (directory_server.py turns userPassword into
// unicodePwd).
constexpr char kSeedAd[] = R"(dn: CN=Bernd Beispiel,CN=Users,DC=test,DC=bestand
objectClass: user
sAMAccountName: bernd
userPrincipalName: bernd@test.bestand
userPassword: Us3r-Pass!x
userAccountControl: 512

dn: CN=Anna Schmidt,CN=Users,DC=test,DC=bestand
objectClass: user
sAMAccountName: anna
userPrincipalName: anna@test.bestand
mail: anna@firma.test
userPassword: Us3r-Pass!x
userAccountControl: 512

dn: CN=Vertrieb,CN=Users,DC=test,DC=bestand
objectClass: group
sAMAccountName: Vertrieb
member: CN=Bernd Beispiel,CN=Users,DC=test,DC=bestand
member: CN=Anna Schmidt,CN=Users,DC=test,DC=bestand

dn: CN=VPN-Nutzer,CN=Users,DC=test,DC=bestand
objectClass: group
sAMAccountName: vpn
member: CN=Bernd Beispiel,CN=Users,DC=test,DC=bestand
)";

class ConnectorE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.File("seed.ldif"), kSeedLdif);
    WriteFile(dir_.File("seed.json"), kSeedJson);
    WriteFile(dir_.File("password"), std::string(kLdapPassword) + "\n");
    WriteFile(dir_.File("token"), std::string(kScimToken) + "\n");
    ldap_port_ = FreePort();
    ldaps_port_ = FreePort();
    scim_port_ = FreePort();
    add_only_port_ = FreePort();
    ASSERT_NO_FATAL_FAILURE(server_.Init(dir_.File("data")));
    ASSERT_NO_FATAL_FAILURE(server_.Start());
    Import("people",
           "email;display_name\nbernd@firma.test;Bernd Beispiel\nanna@firma.test;Anna Schmidt\n");
    Import("apps", "display_name\nVerzeichnis\nCRM\nChat\n");
    Import("accounts",
           "application;username;person\n"
           "Verzeichnis;bernd;bernd@firma.test\n"
           "CRM;bernd@firma.test;bernd@firma.test\n"
           "Chat;bernd@firma.test;bernd@firma.test\n");
    Import("access", "account;role\naccounts/1;vertrieb\naccounts/1;vpn\naccounts/2;Vertrieb\n");
  }
  void Import(const std::string& what, const std::string& csv) {
    WriteFile(dir_.File(what + ".csv"), csv);
    ProcessResult r = server_.Admin({"import", what, dir_.File(what + ".csv")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::vector<std::string> LdapFlags(const std::string& ca) {
    return {"app",
            "connect",
            "Verzeichnis",
            "--ldap",
            absl::StrCat("ldaps://127.0.0.1:", ldaps_port_),
            "--bind-dn",
            absl::StrCat("cn=admin,", kBase),
            "--password-file",
            dir_.File("password"),
            "--base-dn",
            kBase,
            "--flavor",
            "openldap",
            "--disabled-ou",
            absl::StrCat("ou=disabled,", kBase),
            "--ca-file",
            ca};
  }
  std::vector<std::string> ScimFlags(const std::string& app, int port, const std::string& ca) {
    return {"app",
            "connect",
            app,
            "--scim",
            absl::StrCat("https://127.0.0.1:", port, "/scim/v2"),
            "--token-file",
            dir_.File("token"),
            "--ca-file",
            ca};
  }
  std::unique_ptr<DirectoryServer> Slapd() {
    return std::make_unique<DirectoryServer>(
        "slapd",
        std::vector<std::string>{"--dir", dir_.File("slapd"), "--port", std::to_string(ldap_port_),
                                 "--tls-port", std::to_string(ldaps_port_), "--password",
                                 kLdapPassword, "--seed", dir_.File("seed.ldif")});
  }
  std::unique_ptr<DirectoryServer> Scim(const std::string& name, int port, bool add_only) {
    std::vector<std::string> flags = {"--dir",   dir_.File(name), "--port", std::to_string(port),
                                      "--token", kScimToken,      "--seed", dir_.File("seed.json")};
    if (add_only) flags.push_back("--add-only");
    return std::make_unique<DirectoryServer>("scim", flags);
  }
  // What ldapsearch, a client of its own, reads of `filter`.
  std::string LdapSearch(const std::string& filter, const std::string& attrs) {
    ProcessResult r = RunProcess(
        {"/usr/bin/ldapsearch", "-LLL", "-x", "-H", absl::StrCat("ldaps://127.0.0.1:", ldaps_port_),
         "-D", absl::StrCat("cn=admin,", kBase), "-w", kLdapPassword, "-b", kBase, filter, attrs},
        {absl::StrCat("LDAPTLS_CACERT=", dir_.File("slapd/ca.crt"))});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  // ldapwhoami, a client of its own, binding to slapd as `uid` (under ou=people) with `password`.
  ProcessResult LdapBind(const std::string& uid, const std::string& password) {
    return RunProcess(
        {"/usr/bin/ldapwhoami", "-x", "-H", absl::StrCat("ldaps://127.0.0.1:", ldaps_port_), "-D",
         absl::StrCat("uid=", uid, ",ou=people,", kBase), "-w", password},
        {absl::StrCat("LDAPTLS_CACERT=", dir_.File("slapd/ca.crt"))});
  }
  // What curl reads of `path` at the SCIM service on `port`.
  std::string ScimGet(const std::string& dir, int port, const std::string& path) {
    ProcessResult r = RunProcess({"/usr/bin/curl", "-sS", "--cacert", dir_.File(dir + "/ca.crt"),
                                  "-H", absl::StrCat("Authorization: Bearer ", kScimToken),
                                  absl::StrCat("https://127.0.0.1:", port, "/scim/v2", path)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  std::string Today() { return absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone()); }
  // The one-time passwords an onboarding's table output shows, in order.
  static std::vector<std::string> OneTimePasswords(const std::string& out) {
    std::vector<std::string> passwords;
    const std::string kLabel = "one-time password: ";
    for (size_t at = out.find(kLabel); at != std::string::npos; at = out.find(kLabel, at + 1)) {
      const size_t from = at + kLabel.size();
      passwords.push_back(out.substr(from, out.find(' ', from) - from));
    }
    return passwords;
  }

  TempDir dir_;
  ServerProcess server_;
  int ldap_port_ = 0, ldaps_port_ = 0, scim_port_ = 0, add_only_port_ = 0;
};

TEST_F(ConnectorE2eTest, OffboardNowDisablesAndRemovesGroupsVerifiedWithEvidence) {
  std::unique_ptr<DirectoryServer> slapd = Slapd();
  std::unique_ptr<DirectoryServer> crm = Scim("crm", scim_port_, false);
  std::unique_ptr<DirectoryServer> chat = Scim("chat", add_only_port_, true);

  // An untrusted certificate and a wrong password: clear errors, nothing stored as working.
  ProcessResult connect = server_.Admin(LdapFlags(dir_.File("crm/ca.crt")));
  ASSERT_EQ(connect.exit_code, 0) << connect.err;
  ProcessResult test = server_.Admin({"app", "connection", "test", "Verzeichnis"});
  EXPECT_NE(test.exit_code, 0);
  EXPECT_THAT(test.err, HasSubstr("certificate is not trusted")) << test.err;
  WriteFile(dir_.File("wrong"), "not-the-password\n");
  std::vector<std::string> wrong = LdapFlags(dir_.File("slapd/ca.crt"));
  wrong[8] = dir_.File("wrong");
  ASSERT_EQ(server_.Admin(wrong).exit_code, 0);
  test = server_.Admin({"app", "connection", "test", "Verzeichnis"});
  EXPECT_NE(test.exit_code, 0);
  EXPECT_THAT(test.err, HasSubstr("Invalid credentials")) << test.err;

  connect = server_.Admin(LdapFlags(dir_.File("slapd/ca.crt")));
  ASSERT_EQ(connect.exit_code, 0) << connect.err;
  test = server_.Admin({"app", "connection", "test", "Verzeichnis"});
  ASSERT_EQ(test.exit_code, 0) << test.err;
  EXPECT_THAT(test.out, HasSubstr("bound as cn=admin,dc=test,dc=bestand"));
  ASSERT_EQ(server_.Admin(ScimFlags("CRM", scim_port_, dir_.File("crm/ca.crt"))).exit_code, 0);
  ASSERT_EQ(server_.Admin(ScimFlags("Chat", add_only_port_, dir_.File("chat/ca.crt"))).exit_code,
            0);
  test = server_.Admin({"app", "connection", "test", "CRM"});
  ASSERT_EQ(test.exit_code, 0) << test.err;

  // First the plan: what each connector would do, and nothing changes.
  ProcessResult plan =
      server_.Admin({"offboard", "bernd@firma.test", "--last-day", Today(), "--plan"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("(plan only: nothing was changed)")) << plan.out;
  EXPECT_THAT(plan.out, HasSubstr("would disable uid=bernd,ou=people,dc=test,dc=bestand "
                                  "(outside the disabled OU)"))
      << plan.out;
  EXPECT_THAT(plan.out, HasSubstr("would remove uid=bernd,ou=people,dc=test,dc=bestand from "
                                  "cn=vpn,ou=groups,dc=test,dc=bestand"));
  EXPECT_THAT(plan.out, HasSubstr("(active=true)")) << plan.out;
  EXPECT_THAT(LdapSearch("(uid=bernd)", "dn"), HasSubstr("uid=bernd,ou=people"));
  EXPECT_EQ(server_.Admin({"case", "list", "-o", "json"}).out.find("cases/"), std::string::npos);

  ProcessResult off =
      server_.Admin({"offboard", "bernd@firma.test", "--last-day", Today(), "--now", "-o", "json"});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  // Two accounts disabled in SCIM, one in LDAP; three groups; every task done with evidence.
  EXPECT_THAT(off.out, Not(HasSubstr("\"OPEN\""))) << off.out;
  EXPECT_THAT(off.out, HasSubstr("Bestand via LDAP (ldaps://127.0.0.1:")) << off.out;
  EXPECT_THAT(off.out, HasSubstr("Bestand via SCIM (https://127.0.0.1:")) << off.out;
  EXPECT_THAT(off.out, HasSubstr("active=true → active=false")) << off.out;
  EXPECT_THAT(off.out, HasSubstr("outside the disabled OU → in ou=disabled,dc=test,dc=bestand"));
  EXPECT_THAT(off.out, HasSubstr("from cn=vertrieb,ou=groups,dc=test,dc=bestand; read back"));
  EXPECT_THAT(off.out, HasSubstr("from cn=vpn,ou=groups,dc=test,dc=bestand; read back"));

  // Read back by clients of their own.
  const std::string bernd = LdapSearch("(uid=bernd)", "dn");
  EXPECT_THAT(bernd, HasSubstr("uid=bernd,ou=disabled,dc=test,dc=bestand")) << bernd;
  const std::string groups = LdapSearch("(objectClass=groupOfNames)", "member");
  EXPECT_THAT(groups, Not(HasSubstr("uid=bernd"))) << groups;
  EXPECT_THAT(groups, HasSubstr("uid=anna,ou=people")) << groups;
  for (const auto& [dir, port] : {std::pair{"crm", scim_port_}, {"chat", add_only_port_}}) {
    const std::string user =
        ScimGet(dir, port, "/Users?filter=userName%20eq%20%22bernd%40firma.test%22");
    EXPECT_THAT(user, HasSubstr("\"active\":false")) << dir << ": " << user;
    const std::string anna =
        ScimGet(dir, port, "/Users?filter=userName%20eq%20%22anna%40firma.test%22");
    EXPECT_THAT(anna, HasSubstr("\"active\":true")) << dir << ": " << anna;
  }
  const std::string crm_groups = ScimGet("crm", scim_port_, "/Groups");
  EXPECT_THAT(crm_groups, Not(HasSubstr("bernd@firma.test"))) << crm_groups;
  EXPECT_THAT(crm_groups, HasSubstr("anna@firma.test")) << crm_groups;

  // Bestand's inventory followed: the accounts disabled, the grants revoked.
  ProcessResult accounts = server_.Admin({"account", "list", "-o", "json"});
  EXPECT_THAT(accounts.out, Not(HasSubstr("ACTIVE"))) << accounts.out;

  // Twice changes nothing: no task is left to act on.
  ProcessResult again = server_.Admin({"connectors", "run", "--case", "cases/1", "-o", "json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, Not(HasSubstr("tasks/"))) << again.out;

  // The secrets: in no answer, not in the database file, never logged.
  ProcessResult show = server_.Admin({"app", "connection", "show", "Verzeichnis", "-o", "json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("\"has_secret\": true")) << show.out;
  ProcessResult audit = server_.Admin({"audit", "list", "-o", "json"});
  ProcessResult verify = server_.Admin({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const std::string db = ReadFile(server_.db());
  for (const char* secret : {kLdapPassword, kScimToken}) {
    EXPECT_THAT(show.out, Not(HasSubstr(secret)));
    EXPECT_THAT(off.out, Not(HasSubstr(secret)));
    EXPECT_THAT(audit.out, Not(HasSubstr(secret)));
    EXPECT_FALSE(absl::StrContains(db, secret)) << secret << " is in the database file";
  }
}

// Onboarding with --now: the accounts are created at once in OpenLDAP (an inetOrgPerson with a
// login name from the pattern) and in both SCIM services, each enabled with a one-time password
// shown once, and put into the groups of the template's roles; read back by ldapsearch and curl,
// and the LDAP password works.
TEST_F(ConnectorE2eTest, OnboardNowCreatesTheAccountsInTheirGroupsWithOneTimePasswords) {
  std::unique_ptr<DirectoryServer> slapd = Slapd();
  std::unique_ptr<DirectoryServer> crm = Scim("crm", scim_port_, false);
  std::unique_ptr<DirectoryServer> chat = Scim("chat", add_only_port_, true);
  std::vector<std::string> ldap = LdapFlags(dir_.File("slapd/ca.crt"));
  ldap.insert(ldap.end(), {"--users-ou", absl::StrCat("ou=people,", kBase), "--login-pattern",
                           "{first}.{last}"});
  ASSERT_EQ(server_.Admin(ldap).exit_code, 0);
  ASSERT_EQ(server_.Admin(ScimFlags("CRM", scim_port_, dir_.File("crm/ca.crt"))).exit_code, 0);
  ASSERT_EQ(server_.Admin(ScimFlags("Chat", add_only_port_, dir_.File("chat/ca.crt"))).exit_code,
            0);
  Import("templates",
         "template;application;role\nvertrieb;Verzeichnis;vertrieb\nvertrieb;Verzeichnis;vpn\n"
         "vertrieb;CRM;Vertrieb\nvertrieb;Chat;\n");
  const std::vector<std::string> onboard = {"onboard",    "jana.neumann@firma.test",
                                            "--name",     "Jana Neumann",
                                            "--template", "vertrieb",
                                            "--start",    Today()};

  std::vector<std::string> plan = onboard;
  plan.push_back("--plan");
  ProcessResult planned = server_.Admin(plan);
  ASSERT_EQ(planned.exit_code, 0) << planned.err;
  EXPECT_THAT(planned.out, HasSubstr("would create jana.neumann (disabled")) << planned.out;
  EXPECT_THAT(planned.out, HasSubstr("in cn=vpn,ou=groups,dc=test,dc=bestand")) << planned.out;
  EXPECT_THAT(planned.out, HasSubstr("would create jana.neumann@firma.test")) << planned.out;
  EXPECT_EQ(LdapSearch("(uid=jana.neumann)", "dn"), "");

  std::vector<std::string> now = onboard;
  now.push_back("--now");
  ProcessResult on = server_.Admin(now);
  ASSERT_EQ(on.exit_code, 0) << on.err;
  EXPECT_THAT(on.out, Not(HasSubstr("failed:"))) << on.out;
  EXPECT_THAT(on.out, HasSubstr("created uid=jana.neumann,ou=people,dc=test,dc=bestand (enabled "
                                "with a one-time password)"))
      << on.out;
  // One account per application, each with its password; the second role finds the account.
  const std::vector<std::string> passwords = OneTimePasswords(on.out);
  ASSERT_EQ(passwords.size(), 3u) << on.out;
  for (const std::string& p : passwords) EXPECT_EQ(p.size(), 20u) << p;

  // Read back by clients of their own.
  EXPECT_THAT(LdapSearch("(uid=jana.neumann)", "mail"), HasSubstr("mail: jana.neumann@firma.test"));
  const std::string groups = LdapSearch("(objectClass=groupOfNames)", "member");
  EXPECT_THAT(groups, HasSubstr("cn=vpn,ou=groups"));
  size_t members = 0;
  for (size_t at = groups.find("uid=jana.neumann"); at != std::string::npos;
       at = groups.find("uid=jana.neumann", at + 1)) {
    ++members;
  }
  EXPECT_EQ(members, 2u) << groups;
  // The LDAP password (the first shown: applications in order) works; slapd checks its {CRYPT}
  // hash.
  ProcessResult whoami = LdapBind("jana.neumann", passwords[0]);
  EXPECT_EQ(whoami.exit_code, 0) << whoami.err;
  for (const auto& [dir, port] : {std::pair{"crm", scim_port_}, {"chat", add_only_port_}}) {
    const std::string user =
        ScimGet(dir, port, "/Users?filter=userName%20eq%20%22jana.neumann%40firma.test%22");
    EXPECT_THAT(user, HasSubstr("\"active\":true")) << dir << ": " << user;
    EXPECT_THAT(user, HasSubstr("\"familyName\":\"Neumann\"")) << dir << ": " << user;
  }
  const std::string jana =
      ScimGet("crm", scim_port_, "/Users?filter=userName%20eq%20%22jana.neumann%40firma.test%22");
  const size_t id_at = jana.find("\"id\":\"");
  ASSERT_NE(id_at, std::string::npos) << jana;
  const std::string id = jana.substr(id_at + 6, jana.find('"', id_at + 6) - id_at - 6);
  EXPECT_THAT(ScimGet("crm", scim_port_, "/Groups"), HasSubstr(absl::StrCat("\"value\":\"", id)));

  // Bestand's inventory: the accounts and grants exist; every task is done.
  ProcessResult tasks = server_.Admin({"task", "list", "--case", "cases/1", "-o", "json"});
  EXPECT_THAT(tasks.out, Not(HasSubstr("\"OPEN\""))) << tasks.out;
  EXPECT_THAT(server_.Admin({"account", "list", "-o", "json"}).out,
              HasSubstr("jana.neumann@firma.test"));
  // Twice changes nothing: no task is left, and a person is onboarded once.
  ProcessResult again = server_.Admin({"connectors", "run", "--case", "cases/1", "-o", "json"});
  EXPECT_THAT(again.out, Not(HasSubstr("tasks/"))) << again.out;
  ProcessResult twice = server_.Admin(now);
  EXPECT_NE(twice.exit_code, 0);
  EXPECT_THAT(twice.err, HasSubstr("onboarded once")) << twice.err;
  EXPECT_TRUE(OneTimePasswords(twice.out).empty()) << twice.out;

  // The passwords were shown once: in no later answer, not audited, not in the database.
  ProcessResult audit = server_.Admin({"audit", "list", "-o", "json"});
  ProcessResult show = server_.Admin({"case", "show", "cases/1", "-o", "json"});
  const std::string db = ReadFile(server_.db());
  for (const std::string& p : passwords) {
    EXPECT_THAT(audit.out, Not(HasSubstr(p)));
    EXPECT_THAT(tasks.out + show.out, Not(HasSubstr(p)));
    EXPECT_FALSE(absl::StrContains(db, p)) << "a one-time password is in the database file";
  }
}

TEST_F(ConnectorE2eTest, AServerThatIsDownIsTriedAgainAndTheTaskCompletesLater) {
  // With the web interface: the coordinator sees the error there too.
  server_.Stop();
  ASSERT_NO_FATAL_FAILURE(server_.Start(0, false, /*web=*/true));
  // Its CA first (the server keeps its certificates when it starts again), then it is down.
  auto crm = Scim("crm", scim_port_, false);
  ASSERT_EQ(server_.Admin(ScimFlags("CRM", scim_port_, dir_.File("crm/ca.crt"))).exit_code, 0);
  crm.reset();
  ProcessResult off =
      server_.Admin({"offboard", "bernd@firma.test", "--last-day", Today(), "--now", "-o", "json"});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  // Nothing answers: the tasks stay open with the error on them.
  ProcessResult tasks = server_.Admin({"task", "list", "--case", "cases/1", "-o", "json"});
  EXPECT_THAT(tasks.out, HasSubstr("\"connector_error\": \"SCIM https://127.0.0.1:")) << tasks.out;
  EXPECT_THAT(tasks.out, Not(HasSubstr("\"DONE\""))) << tasks.out;
  Browser coordinator(server_.web_port(), server_.ca());
  ASSERT_EQ(coordinator.SignIn(server_.admin_token()), 303);
  httplib::Result page = coordinator.Get("/tasks");
  ASSERT_TRUE(page);
  EXPECT_THAT(page->body, HasSubstr("Der Konnektor konnte es noch nicht erledigen und versucht es "
                                    "erneut: SCIM https://127.0.0.1:"))
      << page->body;
  page = coordinator.Get("/findings");
  ASSERT_TRUE(page);
  EXPECT_THAT(page->body, HasSubstr("Konnektor fehlgeschlagen (2)")) << page->body;

  crm = Scim("crm", scim_port_, false);
  ProcessResult run = server_.Admin({"connectors", "run", "--case", "cases/1", "-o", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"done\": true")) << run.out;
  tasks = server_.Admin({"task", "list", "--case", "cases/1", "-o", "json"});
  EXPECT_THAT(tasks.out, Not(HasSubstr("connector_error"))) << tasks.out;
  const std::string user =
      ScimGet("crm", scim_port_, "/Users?filter=userName%20eq%20%22bernd%40firma.test%22");
  EXPECT_THAT(user, HasSubstr("\"active\":false")) << user;

  // One list: what Bestand did, what it will do itself, what waits for a provider.
  Import("accounts", "application;username;person\nCRM;anna@firma.test;anna@firma.test\n");
  const std::string next_week =
      absl::FormatTime("%Y-%m-%d", absl::Now() + absl::Hours(24 * 7), absl::UTCTimeZone());
  ASSERT_EQ(server_.Admin({"offboard", "anna@firma.test", "--last-day", next_week}).exit_code, 0);
  page = coordinator.Get("/tasks?show=all");
  ASSERT_TRUE(page);
  EXPECT_THAT(page->body, HasSubstr("Erledigt von Bestand über SCIM")) << page->body;
  EXPECT_THAT(page->body, HasSubstr("Bestand erledigt das selbst über SCIM; niemand muss etwas "
                                    "tun."))
      << page->body;
  // Bernd's Chat account: Chat is not connected, so its task waits for a provider.
  const size_t chat = page->body.find("Chat");
  ASSERT_NE(chat, std::string::npos) << page->body;
  const size_t chat_end = page->body.find("</li>", chat);
  EXPECT_THAT(page->body.substr(chat, chat_end - chat), Not(HasSubstr("Bestand"))) << page->body;
}

// Sync: OpenLDAP's and a SCIM service's users read into Bestand's accounts. Someone puts
// Bernd back after his offboarding (drift); a service account nobody owns (an orphan); an
// account Bestand has that the directory does not; Anna's accounts found by her email.
TEST_F(ConnectorE2eTest, SyncReadsTheDirectoriesAndFindsOrphansAndDrift) {
  std::unique_ptr<DirectoryServer> slapd = Slapd();
  std::unique_ptr<DirectoryServer> crm = Scim("crm", scim_port_, false);
  ASSERT_EQ(server_.Admin(LdapFlags(dir_.File("slapd/ca.crt"))).exit_code, 0);
  ASSERT_EQ(server_.Admin(ScimFlags("CRM", scim_port_, dir_.File("crm/ca.crt"))).exit_code, 0);
  Import("accounts", "application;username;person\nVerzeichnis;carl;\n");
  ProcessResult off =
      server_.Admin({"offboard", "bernd@firma.test", "--last-day", Today(), "--now"});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  const std::vector<std::string> env = {absl::StrCat("LDAPTLS_CACERT=", dir_.File("slapd/ca.crt"))};
  const std::vector<std::string> admin = {"-x",
                                          "-H",
                                          absl::StrCat("ldaps://127.0.0.1:", ldaps_port_),
                                          "-D",
                                          absl::StrCat("cn=admin,", kBase),
                                          "-w",
                                          kLdapPassword};
  auto ldap = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin() + 1, admin.begin(), admin.end());
    ProcessResult r = RunProcess(argv, env);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  };
  ldap({"/usr/bin/ldapmodrdn", "-s", absl::StrCat("ou=people,", kBase),
        absl::StrCat("uid=bernd,ou=disabled,", kBase), "uid=bernd"});
  WriteFile(dir_.File("svc.ldif"), absl::StrCat("dn: uid=svc-print,ou=people,", kBase,
                                                "\nobjectClass: inetOrgPerson\nuid: svc-print\n"
                                                "cn: Print Service\nsn: Service\n"));
  ldap({"/usr/bin/ldapadd", "-f", dir_.File("svc.ldif")});

  ProcessResult sync = server_.Admin({"app", "sync", "Verzeichnis"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  // bernd, anna, svc-print; anna and svc-print added, bernd and carl changed.
  EXPECT_THAT(sync.out, HasSubstr("lists 3 accounts: 2 added, 2 changed, 0 left out")) << sync.out;
  EXPECT_THAT(sync.out, HasSubstr("directory drift: disabled in Bestand but enabled there"));
  EXPECT_THAT(sync.out, HasSubstr("svc-print (accounts/"));
  EXPECT_THAT(sync.out, HasSubstr("orphaned account: belongs to no person"));
  EXPECT_THAT(sync.out, HasSubstr("carl (accounts/4): directory drift: active in Bestand but the "
                                  "directory has no such account"))
      << sync.out;
  ProcessResult accounts = server_.Admin({"account", "list", "-o", "json"});
  ASSERT_EQ(accounts.exit_code, 0) << accounts.err;
  EXPECT_THAT(accounts.out, HasSubstr("\"username\": \"anna\"")) << accounts.out;
  ProcessResult grants = server_.Admin({"access", "list", "-o", "csv"});
  EXPECT_THAT(grants.out, HasSubstr("vpn")) << grants.out;

  ProcessResult findings = server_.Admin({"report", "access", "--risky", "-o", "csv"});
  ASSERT_EQ(findings.exit_code, 0) << findings.err;
  EXPECT_THAT(findings.out, HasSubstr("the account 'bernd' in Verzeichnis is disabled in Bestand "
                                      "but enabled in its directory"))
      << findings.out;
  EXPECT_THAT(findings.out, HasSubstr("the account 'svc-print' in Verzeichnis belongs to no "
                                      "person"));
  EXPECT_THAT(findings.out, HasSubstr("the account 'carl' in Verzeichnis is active in Bestand but "
                                      "its directory has no such account"));

  // SCIM: Anna's CRM account is hers by its userName, in its group.
  sync = server_.Admin({"app", "sync", "CRM", "-o", "json"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_THAT(sync.out, HasSubstr("\"listed\": 2")) << sync.out;
  EXPECT_THAT(sync.out, HasSubstr("\"added\": 1")) << sync.out;
  EXPECT_THAT(sync.out, HasSubstr("member of Vertrieb")) << sync.out;
  accounts = server_.Admin({"account", "list", "-o", "json"});
  EXPECT_THAT(accounts.out, HasSubstr("\"username\": \"anna@firma.test\"")) << accounts.out;

  // Again: nothing changes, nothing is audited.
  auto events = [&] { return QuerySql(server_.db(), "SELECT count(*) FROM audit_events"); };
  const std::string before = events();
  for (const char* app : {"Verzeichnis", "CRM"}) {
    sync = server_.Admin({"app", "sync", app});
    ASSERT_EQ(sync.exit_code, 0) << sync.err;
    EXPECT_THAT(sync.out, HasSubstr("0 added, 0 changed")) << sync.out;
  }
  EXPECT_EQ(events(), before);
  ProcessResult verify = server_.Admin({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;

  // More accounts than one page holds (LDAP 500, SCIM 100): all of them are read.
  std::string bulk;
  for (int i = 0; i < 600; ++i) {
    absl::StrAppend(&bulk, "dn: uid=user", i, ",ou=people,", kBase,
                    "\nobjectClass: inetOrgPerson\nuid: user", i, "\ncn: User ", i,
                    "\nsn: User\n\n");
  }
  WriteFile(dir_.File("bulk.ldif"), bulk);
  ldap({"/usr/bin/ldapadd", "-f", dir_.File("bulk.ldif")});
  sync = server_.Admin({"app", "sync", "Verzeichnis"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_THAT(sync.out, HasSubstr("lists 603 accounts: 600 added, 0 changed")) << sync.out;
  std::string many = R"({"users": [)";
  for (int i = 0; i < 150; ++i) {
    absl::StrAppend(&many, i ? "," : "", R"({"userName": "user)", i, R"(@firma.test"})");
  }
  WriteFile(dir_.File("many.json"), many + "]}");
  const int many_port = FreePort();
  DirectoryServer big("scim", {"--dir", dir_.File("big"), "--port", std::to_string(many_port),
                               "--token", kScimToken, "--seed", dir_.File("many.json")});
  ASSERT_EQ(server_.Admin(ScimFlags("Chat", many_port, dir_.File("big/ca.crt"))).exit_code, 0);
  sync = server_.Admin({"app", "sync", "Chat"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  // Bernd's Chat account (bernd@firma.test) is not there: drift.
  EXPECT_THAT(sync.out, HasSubstr("lists 150 accounts: 150 added, 1 changed")) << sync.out;

  // A directory that is down: a clear error, nothing changed.
  const std::string later = events();
  slapd.reset();
  sync = server_.Admin({"app", "sync", "Verzeichnis"});
  EXPECT_NE(sync.exit_code, 0);
  EXPECT_THAT(sync.err, HasSubstr("the server is down")) << sync.err;
  EXPECT_EQ(events(), later);
}

// Samba as an Active Directory domain controller: the ACCOUNTDISABLE bit of userAccountControl
// set, the memberships gone (groups named by cn and by sAMAccountName), read back by ldapsearch;
// the disabled account cannot bind any more.
TEST_F(ConnectorE2eTest, OpenLdapLocksWithAnAttributeAndTheFirstDayEnablesTheNewAccounts) {
  // With the web interface: the coordinator enables the newcomer's accounts there.
  server_.Stop();
  ASSERT_NO_FATAL_FAILURE(server_.Start(0, false, /*web=*/true));
  std::unique_ptr<DirectoryServer> slapd = Slapd();
  std::unique_ptr<DirectoryServer> crm = Scim("crm", scim_port_, false);
  std::unique_ptr<DirectoryServer> chat = Scim("chat", add_only_port_, true);
  // Locked by ppolicy's pwdAccountLockedTime instead of moved to an OU.
  std::vector<std::string> ldap = LdapFlags(dir_.File("slapd/ca.crt"));
  ldap.erase(ldap.begin() + 13, ldap.begin() + 15);  // --disabled-ou DN
  ldap.insert(ldap.end(), {"--lock", "pwdAccountLockedTime=000001010000Z", "--users-ou",
                           absl::StrCat("ou=people,", kBase), "--login-pattern", "{first}.{last}"});
  ProcessResult connect = server_.Admin(ldap);
  ASSERT_EQ(connect.exit_code, 0) << connect.err;
  ASSERT_EQ(server_.Admin(ScimFlags("CRM", scim_port_, dir_.File("crm/ca.crt"))).exit_code, 0);
  ASSERT_EQ(server_.Admin(ScimFlags("Chat", add_only_port_, dir_.File("chat/ca.crt"))).exit_code,
            0);
  ASSERT_EQ(LdapBind("bernd", "Us3r-Pass!x").exit_code, 0);

  ProcessResult off =
      server_.Admin({"offboard", "bernd@firma.test", "--last-day", Today(), "--now"});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_THAT(off.out, HasSubstr("disabled uid=bernd,ou=people,dc=test,dc=bestand: without "
                                 "pwdAccountLockedTime=000001010000Z → "
                                 "pwdAccountLockedTime=000001010000Z; read back"))
      << off.out;
  // Read back by clients of their own: locked where it was, and slapd refuses the bind.
  EXPECT_THAT(LdapSearch("(uid=bernd)", "pwdAccountLockedTime"),
              HasSubstr("dn: uid=bernd,ou=people,dc=test,dc=bestand\npwdAccountLockedTime: "
                        "000001010000Z"));
  ProcessResult refused = LdapBind("bernd", "Us3r-Pass!x");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("Invalid credentials")) << refused.err;

  // Onboarding without --now: what the server does on the day before the start.
  Import("templates",
         "template;application;role\nvertrieb;Verzeichnis;vertrieb\nvertrieb;CRM;Vertrieb\n"
         "vertrieb;Chat;\n");
  ProcessResult on = server_.Admin({"onboard", "jana.neumann@firma.test", "--name", "Jana Neumann",
                                    "--template", "vertrieb", "--start", Today()});
  ASSERT_EQ(on.exit_code, 0) << on.err;
  ProcessResult run = server_.Admin({"connectors", "run", "--case", "cases/2", "-o", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("until 'bestand connectors activate jana.neumann@firma.test' on "
                                 "the first day"))
      << run.out;
  EXPECT_THAT(LdapSearch("(uid=jana.neumann)", "pwdAccountLockedTime"),
              HasSubstr("dn: uid=jana.neumann,ou=people,dc=test,dc=bestand\npwdAccountLockedTime: "
                        "000001010000Z"));
  const std::string jana_filter = "/Users?filter=userName%20eq%20%22jana.neumann%40firma.test%22";
  for (const auto& [dir, port] : {std::pair{"crm", scim_port_}, {"chat", add_only_port_}}) {
    EXPECT_THAT(ScimGet(dir, port, jana_filter), HasSubstr("\"active\":false")) << dir;
  }

  // Her first day: the person page shows her accounts disabled and offers to enable them; every
  // account is enabled, each with its one-time password on the answer only, and read back.
  Browser coordinator(server_.web_port(), server_.ca());
  ASSERT_EQ(coordinator.SignIn(server_.admin_token()), 303);
  httplib::Result page = coordinator.Get("/people/3");
  ASSERT_TRUE(page);
  EXPECT_THAT(page->body, HasSubstr("jana.neumann@firma.test"));
  EXPECT_THAT(page->body, HasSubstr("<td>gesperrt</td>")) << page->body;
  EXPECT_THAT(page->body, HasSubstr("Konten jetzt freischalten")) << page->body;
  page = coordinator.Post("/people/3/activate", {{"csrf", Browser::Hidden(page->body, "csrf")}});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_EQ(page->get_header_value("Cache-Control"), "no-store");
  const std::string& activated = page->body;
  EXPECT_THAT(activated, Not(HasSubstr("fehlgeschlagen"))) << activated;
  EXPECT_THAT(activated, Not(HasSubstr("Konten jetzt freischalten"))) << activated;
  EXPECT_THAT(activated, HasSubstr("enabled uid=jana.neumann,ou=people,dc=test,dc=bestand with "
                                   "a one-time password; pwdAccountLockedTime=000001010000Z → "
                                   "without pwdAccountLockedTime=000001010000Z; read back"))
      << activated;
  EXPECT_THAT(activated, HasSubstr("active=false → active=true")) << activated;
  std::vector<std::string> passwords;
  const std::string kCode = "<code class=\"secret\">";
  for (size_t at = activated.find(kCode); at != std::string::npos;
       at = activated.find(kCode, at + 1)) {
    const size_t from = at + kCode.size();
    passwords.push_back(activated.substr(from, activated.find('<', from) - from));
  }
  ASSERT_EQ(passwords.size(), 3u) << activated;
  for (const std::string& p : passwords) EXPECT_EQ(p.size(), 20u) << p;
  // Shown once: the page again has none.
  page = coordinator.Get("/people/3");
  ASSERT_TRUE(page);
  for (const std::string& p : passwords) EXPECT_THAT(page->body, Not(HasSubstr(p)));
  EXPECT_THAT(page->body, Not(HasSubstr("Konten jetzt freischalten")));
  EXPECT_EQ(LdapSearch("(uid=jana.neumann)", "pwdAccountLockedTime"),
            "dn: uid=jana.neumann,ou=people,dc=test,dc=bestand\n\n");
  ProcessResult whoami = LdapBind("jana.neumann", passwords[0]);
  EXPECT_EQ(whoami.exit_code, 0) << whoami.err;
  for (const auto& [dir, port] : {std::pair{"crm", scim_port_}, {"chat", add_only_port_}}) {
    EXPECT_THAT(ScimGet(dir, port, jana_filter), HasSubstr("\"active\":true")) << dir;
  }
  // Twice changes nothing and gives no new password; a leaver is never enabled.
  ProcessResult again = server_.Admin({"connectors", "activate", "jana.neumann@firma.test"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("is enabled already")) << again.out;
  EXPECT_TRUE(OneTimePasswords(again.out).empty()) << again.out;
  ProcessResult leaver = server_.Admin({"connectors", "activate", "bernd@firma.test"});
  EXPECT_NE(leaver.exit_code, 0);
  EXPECT_THAT(leaver.err, HasSubstr("is leaving or has left")) << leaver.err;
  EXPECT_NE(LdapBind("bernd", "Us3r-Pass!x").exit_code, 0);

  // Audited with the connector as the actor's tool; the passwords were shown once.
  ProcessResult audit = server_.Admin({"audit", "list", "-o", "json"});
  EXPECT_THAT(audit.out, HasSubstr("via the LDAP connector of applications/1")) << audit.out;
  EXPECT_THAT(audit.out, HasSubstr("\"activate\"")) << audit.out;
  const std::string db = ReadFile(server_.db());
  for (const std::string& p : passwords) {
    EXPECT_THAT(audit.out, Not(HasSubstr(p)));
    EXPECT_FALSE(absl::StrContains(db, p)) << "a one-time password is in the database file";
  }
}

TEST_F(ConnectorE2eTest, ActiveDirectoryAccountIsDisabledAndLeavesItsGroups) {
  WriteFile(dir_.File("ad.ldif"), kSeedAd);
  WriteFile(dir_.File("adpw"), std::string(kAdPassword) + "\n");
  DirectoryServer dc("samba", {"--dir", dir_.File("samba"), "--password", kAdPassword, "--seed",
                               dir_.File("ad.ldif")});
  Import("apps", "display_name\nActive Directory\n");
  Import("accounts", "application;username;person\nActive Directory;bernd;bernd@firma.test\n");
  Import("access", "account;role\naccounts/4;Vertrieb\naccounts/4;vpn\n");
  ProcessResult connect = server_.Admin(
      {"app", "connect", "Active Directory", "--ldap", "ldaps://127.0.0.1:636", "--bind-dn",
       "Administrator@TEST.BESTAND", "--password-file", dir_.File("adpw"), "--base-dn",
       "DC=test,DC=bestand", "--ca-file", dir_.File("samba/ca.crt")});
  ASSERT_EQ(connect.exit_code, 0) << connect.err;
  ProcessResult test = server_.Admin({"app", "connection", "test", "Active Directory"});
  ASSERT_EQ(test.exit_code, 0) << test.err;

  ProcessResult off =
      server_.Admin({"offboard", "bernd@firma.test", "--last-day", Today(), "--now", "-o", "json"});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_THAT(off.out, HasSubstr("disabled CN=Bernd Beispiel,CN=Users,DC=test,DC=bestand: "
                                 "userAccountControl 512 → userAccountControl 514; read back"))
      << off.out;
  EXPECT_THAT(off.out, HasSubstr("from CN=Vertrieb,CN=Users,DC=test,DC=bestand; read back"));
  EXPECT_THAT(off.out, HasSubstr("from CN=VPN-Nutzer,CN=Users,DC=test,DC=bestand; read back"));

  auto search = [&](const std::string& filter, const std::string& attr) {
    ProcessResult r = RunProcess(
        {"/usr/bin/ldapsearch", "-LLL", "-x", "-H", "ldaps://127.0.0.1:636", "-D",
         "Administrator@TEST.BESTAND", "-w", kAdPassword, "-b", "DC=test,DC=bestand", filter, attr},
        {absl::StrCat("LDAPTLS_CACERT=", dir_.File("samba/ca.crt"))});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  EXPECT_THAT(search("(sAMAccountName=bernd)", "userAccountControl"),
              HasSubstr("userAccountControl: 514"));
  EXPECT_THAT(search("(sAMAccountName=anna)", "userAccountControl"),
              HasSubstr("userAccountControl: 512"));
  const std::string groups = search("(objectClass=group)", "member");
  EXPECT_THAT(groups, Not(HasSubstr("Bernd"))) << groups;
  EXPECT_THAT(groups, HasSubstr("CN=Anna Schmidt"));
  ProcessResult bind = RunProcess({"/usr/bin/ldapwhoami", "-x", "-H", "ldaps://127.0.0.1:636", "-D",
                                   "bernd@test.bestand", "-w", "Us3r-Pass!x"},
                                  {absl::StrCat("LDAPTLS_CACERT=", dir_.File("samba/ca.crt"))});
  EXPECT_NE(bind.exit_code, 0) << "a disabled account binds no more";
  EXPECT_THAT(bind.err, HasSubstr("data 533")) << bind.err;  // AD: account disabled

  // Onboarding: sAMAccountName and userPrincipalName from the pattern, in the template's groups;
  // with --now enabled with a one-time password that must be changed at the first login.
  std::vector<std::string> pattern = {"app",
                                      "connect",
                                      "Active Directory",
                                      "--ldap",
                                      "ldaps://127.0.0.1:636",
                                      "--bind-dn",
                                      "Administrator@TEST.BESTAND",
                                      "--password-file",
                                      dir_.File("adpw"),
                                      "--base-dn",
                                      "DC=test,DC=bestand",
                                      "--users-ou",
                                      "CN=Users,DC=test,DC=bestand",
                                      "--login-pattern",
                                      "{f}{last}",
                                      "--ca-file",
                                      dir_.File("samba/ca.crt")};
  ASSERT_EQ(server_.Admin(pattern).exit_code, 0);
  Import("templates",
         "template;application;role\nvertrieb;Active Directory;Vertrieb\n"
         "vertrieb;Active Directory;vpn\n");
  ProcessResult on = server_.Admin({"onboard", "jana.neumann@firma.test", "--name", "Jana Neumann",
                                    "--template", "vertrieb", "--start", Today(), "--now"});
  ASSERT_EQ(on.exit_code, 0) << on.err;
  EXPECT_THAT(on.out, HasSubstr("created CN=Jana Neumann,CN=Users,DC=test,DC=bestand (enabled"))
      << on.out;
  const std::vector<std::string> passwords = OneTimePasswords(on.out);
  ASSERT_EQ(passwords.size(), 1u) << on.out;
  const std::string jana = search("(sAMAccountName=jneumann)", "userPrincipalName");
  EXPECT_THAT(jana, HasSubstr("userPrincipalName: jneumann@firma.test")) << jana;
  EXPECT_THAT(search("(sAMAccountName=jneumann)", "userAccountControl"),
              HasSubstr("userAccountControl: 512"));
  const std::string memberships = search("(sAMAccountName=jneumann)", "memberOf");
  EXPECT_THAT(memberships, HasSubstr("CN=Vertrieb,CN=Users")) << memberships;
  EXPECT_THAT(memberships, HasSubstr("CN=VPN-Nutzer,CN=Users")) << memberships;
  bind = RunProcess({"/usr/bin/ldapwhoami", "-x", "-H", "ldaps://127.0.0.1:636", "-D",
                     "jneumann@firma.test", "-w", passwords[0]},
                    {absl::StrCat("LDAPTLS_CACERT=", dir_.File("samba/ca.crt"))});
  EXPECT_NE(bind.exit_code, 0);
  EXPECT_THAT(bind.err, HasSubstr("data 773")) << bind.err;  // AD: must change the password

  // Without --now (what the server does on the day): created disabled, without a password.
  ProcessResult later = server_.Admin({"onboard", "olaf.koenig@firma.test", "--name", "Olaf König",
                                       "--template", "vertrieb", "--start", Today(), "-o", "json"});
  ASSERT_EQ(later.exit_code, 0) << later.err;
  ProcessResult run = server_.Admin({"connectors", "run", "--case", "cases/3", "-o", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, Not(HasSubstr("one_time_password"))) << run.out;
  EXPECT_THAT(run.out, HasSubstr("disabled, without a password")) << run.out;
  EXPECT_THAT(search("(sAMAccountName=okoenig)", "userAccountControl"),
              HasSubstr("userAccountControl: 514"));
  // His first day: enabled with a one-time password, which must be changed at the first login.
  ProcessResult activate = server_.Admin({"connectors", "activate", "olaf.koenig@firma.test"});
  ASSERT_EQ(activate.exit_code, 0) << activate.err;
  EXPECT_THAT(activate.out, HasSubstr("enabled CN=Olaf König,CN=Users,DC=test,DC=bestand with a "
                                      "one-time password; userAccountControl 514 → "
                                      "userAccountControl 512; read back"))
      << activate.out;
  const std::vector<std::string> olaf = OneTimePasswords(activate.out);
  ASSERT_EQ(olaf.size(), 1u) << activate.out;
  EXPECT_THAT(search("(sAMAccountName=okoenig)", "userAccountControl"),
              HasSubstr("userAccountControl: 512"));
  bind = RunProcess({"/usr/bin/ldapwhoami", "-x", "-H", "ldaps://127.0.0.1:636", "-D",
                     "okoenig@firma.test", "-w", olaf[0]},
                    {absl::StrCat("LDAPTLS_CACERT=", dir_.File("samba/ca.crt"))});
  EXPECT_THAT(bind.err, HasSubstr("data 773")) << bind.err;  // the password is his, to change

  // A second Jana Neumann: her login name gets a number, and her CN the login name.
  ProcessResult twin =
      server_.Admin({"onboard", "jana.neumann2@firma.test", "--name", "Jana Neumann", "--template",
                     "vertrieb", "--start", Today(), "--now"});
  ASSERT_EQ(twin.exit_code, 0) << twin.err;
  EXPECT_THAT(twin.out, HasSubstr("created CN=Jana Neumann (jneumann2),CN=Users,DC=test,DC=bestand "
                                  "(enabled"))
      << twin.out;
  EXPECT_THAT(search("(sAMAccountName=jneumann2)", "userPrincipalName"),
              HasSubstr("userPrincipalName: jneumann2@firma.test"));

  // Sync: Anna (hers by her mail, with her groups and the last logon AD keeps), the domain's
  // Administrator (nobody's: an orphan); Guest and krbtgt (disabled, nobody's) left out.
  // (Samba answers no WhoAmI: a search as Anna binds her.)
  bind = RunProcess({"/usr/bin/ldapsearch", "-LLL", "-x", "-H", "ldaps://127.0.0.1:636", "-D",
                     "anna@test.bestand", "-w", "Us3r-Pass!x", "-b", "", "-s", "base", "1.1"},
                    {absl::StrCat("LDAPTLS_CACERT=", dir_.File("samba/ca.crt"))});
  ASSERT_EQ(bind.exit_code, 0) << bind.err;
  ProcessResult sync = server_.Admin({"app", "sync", "Active Directory"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_THAT(sync.out, HasSubstr("Administrator (accounts/")) << sync.out;
  EXPECT_THAT(sync.out, HasSubstr("orphaned account: belongs to no person")) << sync.out;
  EXPECT_THAT(sync.out, HasSubstr("anna (accounts/")) << sync.out;
  EXPECT_THAT(sync.out, Not(HasSubstr("krbtgt"))) << sync.out;
  EXPECT_EQ(QuerySql(server_.db(),
                     "SELECT p.email || ' ' || a.status || ' ' || (a.last_activity_time > 0) FROM "
                     "accounts a JOIN people p ON p.id = a.person_id WHERE a.username = 'anna' "
                     "AND a.application_id = 4"),
            "anna@firma.test 1 1\n");
  EXPECT_EQ(QuerySql(server_.db(),
                     "SELECT group_concat(g.role, ',') FROM access_grants g JOIN accounts a ON "
                     "a.id = g.account_id WHERE a.username = 'anna' AND a.application_id = 4"),
            "Vertrieb\n");
  sync = server_.Admin({"app", "sync", "Active Directory"});
  EXPECT_THAT(sync.out, HasSubstr("0 added, 0 changed")) << sync.out;
}

}  // namespace
}  // namespace bestand::testing
