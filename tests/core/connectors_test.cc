// Connectors over a real SQLite store with a fake directory (an in-memory one that can be down
// or ignore changes): what Connect refuses, that secrets stay sealed and unseen, when a run acts
// (after the last day, in the company's time zone), that only a change read back completes a
// task, and that failures are shown, listed in findings and retried with growing waits.
#include "server/core/connectors/connectors.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/secret_box.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/audit_verify.h"
#include "server/core/connectors/new_accounts.h"
#include "server/core/notify/notifier.h"
#include "tests/core/core_fixture.h"

namespace bestand {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "s3cret-bind-password-4711";

// What the fake directory holds; shared by every Directory the factory opens.
struct FakeState {
  std::map<std::string, bool> enabled;                  // by username
  std::map<std::string, std::set<std::string>> groups;  // group -> usernames
  bool down = false;
  bool ignore_changes = false;  // answers OK but changes nothing
  int calls = 0;
  std::vector<std::string> secrets_seen;
  std::vector<NewAccount> created;
  std::map<std::string, absl::Time> last_logon;  // by username
  std::vector<std::string> passwords;            // given to Enable
  std::set<std::string> taken_logins;            // Create refuses these
};

class FakeDirectory : public Directory {
 public:
  explicit FakeDirectory(FakeState* s) : s_(s) {}
  absl::StatusOr<std::string> Check() override {
    ++s_->calls;
    if (s_->down) return absl::UnavailableError("connection refused");
    return std::string("bound");
  }
  absl::StatusOr<DirectoryAccount> Find(absl::string_view username) override {
    ++s_->calls;
    auto it = s_->enabled.find(std::string(username));
    if (it == s_->enabled.end()) return absl::NotFoundError(absl::StrCat("no ", username));
    return DirectoryAccount{absl::StrCat("uid=", username), it->second,
                            it->second ? "enabled" : "disabled"};
  }
  absl::Status Create(const NewAccount& n) override {
    ++s_->calls;
    if (s_->taken_logins.count(n.login)) return absl::AlreadyExistsError("login taken");
    s_->created.push_back(n);
    if (!s_->ignore_changes) s_->enabled[n.email] = !n.password.empty();
    return absl::OkStatus();
  }
  absl::Status Disable(const DirectoryAccount& a) override {
    ++s_->calls;
    if (!s_->ignore_changes) s_->enabled[a.id.substr(4)] = false;
    return absl::OkStatus();
  }
  absl::Status Enable(const DirectoryAccount& a, const std::string& password) override {
    ++s_->calls;
    s_->passwords.push_back(password);
    if (!s_->ignore_changes) s_->enabled[a.id.substr(4)] = true;
    return absl::OkStatus();
  }
  absl::StatusOr<DirectoryGroup> FindGroup(absl::string_view name) override {
    ++s_->calls;
    if (!s_->groups.count(std::string(name))) return absl::NotFoundError("no such group");
    return DirectoryGroup{absl::StrCat("cn=", name), std::string(name)};
  }
  absl::StatusOr<bool> IsMember(const DirectoryAccount& a, const DirectoryGroup& g) override {
    ++s_->calls;
    return s_->groups[g.name].count(a.id.substr(4)) > 0;
  }
  absl::Status AddMember(const DirectoryAccount& a, const DirectoryGroup& g) override {
    ++s_->calls;
    if (!s_->ignore_changes) s_->groups[g.name].insert(a.id.substr(4));
    return absl::OkStatus();
  }
  absl::Status RemoveMember(const DirectoryAccount& a, const DirectoryGroup& g) override {
    ++s_->calls;
    if (!s_->ignore_changes) s_->groups[g.name].erase(a.id.substr(4));
    return absl::OkStatus();
  }
  absl::StatusOr<DirectoryListing> List() override {
    ++s_->calls;
    if (s_->down) return absl::UnavailableError("connection refused");
    DirectoryListing out;
    for (const auto& [group, members] : s_->groups)
      out.groups[absl::AsciiStrToLower(group)] = group;
    for (const auto& [username, enabled] : s_->enabled) {
      ListedAccount a;
      a.id = absl::StrCat("uid=", username);
      a.username = username;
      if (absl::StrContains(username, '@')) a.email = username;
      a.enabled = enabled;
      a.state = enabled ? "enabled" : "disabled";
      for (const auto& [group, members] : s_->groups) {
        if (members.count(username)) a.groups.push_back(group);
      }
      if (auto it = s_->last_logon.find(username); it != s_->last_logon.end()) {
        a.last_activity = it->second;
      }
      out.accounts.push_back(std::move(a));
    }
    return out;
  }

 private:
  FakeState* s_;
};

class ConnectorsTest : public testing::CoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CoreTest::SetUp());
    now_ = absl::FromCivil(absl::CivilSecond(2026, 12, 4, 12, 0, 0), CompanyTimeZone());
    connectors_ = std::make_unique<Connectors>(
        store_.get(), workflow_.get(), std::make_shared<const SecretBox>(std::string(32, 'k')),
        [this](const DirectoryConfig& c) -> absl::StatusOr<std::unique_ptr<Directory>> {
          state_.secrets_seen.push_back(c.secret);
          return std::make_unique<FakeDirectory>(&state_);
        },
        CompanyTimeZone(), [this] { return now_; });
    Create(Kind::kPerson, R"(email: "bernd@firma.de" display_name: "Bernd Weiß")");
    Create(Kind::kApplication, R"(display_name: "Verzeichnis")");
    Create(Kind::kApplication, R"(display_name: "Buchhaltung")");
    Create(Kind::kAccount,
           R"(application: "Verzeichnis" username: "bernd" person: "bernd@firma.de")");
    Create(Kind::kAccount,
           R"(application: "Buchhaltung" username: "bweiss" person: "bernd@firma.de")");
    Create(Kind::kAccessGrant, R"(account: "accounts/1" role: "vertrieb")");
    state_.enabled = {{"bernd", true}, {"anna", true}};
    state_.groups = {{"vertrieb", {"bernd", "anna"}}};
  }
  v1::Connection Ldap() {
    v1::Connection c;
    c.set_application("Verzeichnis");
    c.set_protocol(v1::Connection::LDAP);
    c.set_url("ldaps://dc1.firma.de");
    c.set_bind_dn("svc-bestand@FIRMA.DE");
    c.set_base_dn("dc=firma,dc=de");
    c.set_secret(kSecret);
    return c;
  }
  absl::Status Connect(const v1::Connection& c) {
    v1::ConnectRequest r;
    *r.mutable_connection() = c;
    return connectors_->Connect("admin", r).status();
  }
  // Offboards Bernd with last day 2026-12-04 (a Friday).
  std::string Offboard() {
    v1::OffboardRequest r;
    r.set_person("bernd@firma.de");
    r.set_last_day("2026-12-04");
    absl::StatusOr<v1::CaseView> c = workflow_->Offboard("coordinator", r);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? c->record().name() : "";
  }
  v1::RunConnectorsResponse Run(const std::string& case_name = "") {
    v1::RunConnectorsRequest r;
    r.set_case_(case_name);
    absl::StatusOr<v1::RunConnectorsResponse> out = connectors_->Run("scheduler", r);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : v1::RunConnectorsResponse{};
  }
  v1::Task Task(int id) { return Get<v1::Task>(Kind::kTask, absl::StrCat("tasks/", id)); }

  FakeState state_;
  absl::Time now_;
  std::unique_ptr<Connectors> connectors_;
};

TEST_F(ConnectorsTest, ConnectRefusesWhatCannotWorkNamingTheFieldAndStoresNothing) {
  struct Case {
    std::function<void(v1::Connection&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](v1::Connection& c) { c.set_protocol(v1::Connection::PROTOCOL_UNSPECIFIED); },
       "connection.protocol"},
      {[](v1::Connection& c) { c.set_url("https://dc1.firma.de"); }, "connection.url"},
      {[](v1::Connection& c) { c.set_url("ldaps://dc1.firma.de:99999"); }, "connection.url"},
      {[](v1::Connection& c) { c.set_url("ldaps://user:pw@dc1.firma.de"); }, "connection.url"},
      {[](v1::Connection& c) { c.clear_bind_dn(); }, "connection.bind_dn"},
      {[](v1::Connection& c) { c.clear_base_dn(); }, "connection.base_dn"},
      {[](v1::Connection& c) { c.set_flavor(v1::Connection::OPENLDAP); }, "connection.disabled_ou"},
      // AD disables by userAccountControl; a lock is ATTRIBUTE=VALUE.
      {[](v1::Connection& c) { c.set_lock_attribute("pwdAccountLockedTime=000001010000Z"); },
       "connection.lock_attribute"},
      {[](v1::Connection& c) {
         c.set_flavor(v1::Connection::OPENLDAP);
         c.set_lock_attribute("pwdAccountLockedTime");
       },
       "connection.lock_attribute"},
      {[](v1::Connection& c) {
         c.set_flavor(v1::Connection::OPENLDAP);
         c.set_lock_attribute("pwd Locked=1");
       },
       "connection.lock_attribute"},
      {[](v1::Connection& c) { c.set_ca_pem("not a certificate"); }, "connection.ca_pem"},
      {[](v1::Connection& c) { c.set_login_pattern("{vorname}.{last}"); },
       "connection.login_pattern"},
      {[](v1::Connection& c) { c.set_users_ou("ou=people\ndc=firma"); }, "connection.users_ou"},
      {[](v1::Connection& c) { c.clear_secret(); }, "connection.secret"},
      {[](v1::Connection& c) { c.set_secret(std::string(5000, 'x')); }, "connection.secret"},
      {[](v1::Connection& c) {
         c.set_protocol(v1::Connection::SCIM);
         c.set_url("http://scim.example.com/scim/v2");
         c.clear_bind_dn();
         c.clear_base_dn();
       },
       "connection.url"},
  };
  for (const Case& k : cases) {
    v1::Connection c = Ldap();
    k.change(c);
    absl::Status s = Connect(c);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.ShortDebugString();
    EXPECT_THAT(s.message(), HasSubstr(k.field)) << s;
  }
  v1::GetConnectionRequest get;
  get.set_application("Verzeichnis");
  EXPECT_EQ(connectors_->Get(get).status().code(), absl::StatusCode::kNotFound);
  // OpenLDAP with a lock attribute instead of a disabled OU.
  v1::Connection locked = Ldap();
  locked.set_flavor(v1::Connection::OPENLDAP);
  locked.set_lock_attribute("pwdAccountLockedTime=000001010000Z");
  ASSERT_TRUE(Connect(locked).ok());
  absl::StatusOr<v1::Connection> stored = connectors_->Get(get);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->lock_attribute(), "pwdAccountLockedTime=000001010000Z");
}

TEST_F(ConnectorsTest, TheSecretIsSealedNeverShownAndEveryChangeIsAudited) {
  ASSERT_TRUE(Connect(Ldap()).ok());
  v1::Connection rotated = Ldap();
  rotated.set_secret("the-next-password-0815");
  ASSERT_TRUE(Connect(rotated).ok());
  v1::GetConnectionRequest get;
  get.set_application("Verzeichnis");
  absl::StatusOr<v1::Connection> shown = connectors_->Get(get);
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_TRUE(shown->has_secret());
  EXPECT_TRUE(shown->secret().empty());
  EXPECT_EQ(shown->application(), "applications/1");

  v1::TestConnectionRequest test;
  test.set_application("Verzeichnis");
  ASSERT_TRUE(connectors_->Test(test).ok());
  EXPECT_EQ(state_.secrets_seen.back(), "the-next-password-0815");  // rotated
  state_.down = true;
  absl::StatusOr<v1::TestConnectionResponse> down = connectors_->Test(test);
  EXPECT_EQ(down.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(down.status().message(), HasSubstr("connection refused"));

  v1::RemoveConnectionRequest remove;
  remove.set_application("Verzeichnis");
  ASSERT_TRUE(connectors_->Remove("admin", remove).ok());
  ASSERT_TRUE(connectors_->Remove("admin", remove).ok());  // twice changes nothing
  EXPECT_EQ(connectors_->Get(get).status().code(), absl::StatusCode::kNotFound);

  auto tx = store_->BeginRead();
  ASSERT_TRUE(tx.ok());
  AuditQuery q;
  q.resource = "applications/1/connection";
  absl::StatusOr<std::vector<v1::AuditEvent>> events = (*tx)->ListAudit(q);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);  // create, update, delete
  for (const v1::AuditEvent& e : *events) {
    EXPECT_THAT(e.before() + e.after(), Not(HasSubstr("password"))) << e.ShortDebugString();
    EXPECT_THAT(e.before() + e.after(), Not(HasSubstr(kSecret)));
  }
  absl::StatusOr<v1::VerifyAuditResponse> verify = VerifyAudit(**tx, {}, nullptr);
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << verify->ShortDebugString();
  EXPECT_THAT(testing::ReadFile(db()), Not(HasSubstr("next-password")));
}

TEST_F(ConnectorsTest, ActsAfterTheLastDayEndsAndCompletesOnlyWhatItReadBack) {
  ASSERT_TRUE(Connect(Ldap()).ok());
  const std::string case_name = Offboard();
  // Friday noon in Berlin, the last day: nothing yet.
  EXPECT_EQ(Run().outcomes_size(), 0);
  EXPECT_EQ(state_.calls, 0);
  // Just after midnight: the account is disabled and out of its group, both read back.
  now_ = absl::FromCivil(absl::CivilSecond(2026, 12, 5, 0, 0, 30), CompanyTimeZone());
  v1::RunConnectorsResponse run = Run();
  ASSERT_EQ(run.outcomes_size(), 2) << run.DebugString();  // the other app has no connection
  for (const v1::ConnectorOutcome& o : run.outcomes()) EXPECT_TRUE(o.done()) << o.detail();
  EXPECT_FALSE(state_.enabled["bernd"]);
  EXPECT_TRUE(state_.enabled["anna"]);
  EXPECT_EQ(state_.groups["vertrieb"], std::set<std::string>{"anna"});

  const v1::Account account = Get<v1::Account>(Kind::kAccount, "accounts/1");
  EXPECT_EQ(account.status(), v1::Account::DISABLED);
  EXPECT_FALSE(Get<v1::AccessGrant>(Kind::kAccessGrant, "accessGrants/1").revoke_date().empty());
  v1::Task disable = Task(1), revoke = Task(2), other = Task(3);
  EXPECT_EQ(disable.status(), v1::Task::DONE);
  EXPECT_THAT(disable.evidence(),
              HasSubstr("Bestand via LDAP (ldaps://dc1.firma.de): disabled uid=bernd: enabled → "
                        "disabled; read back 2026-12-04T23:00:30Z: disabled"));
  EXPECT_EQ(revoke.status(), v1::Task::DONE);
  EXPECT_THAT(revoke.evidence(), HasSubstr("removed uid=bernd from cn=vertrieb; read back"));
  EXPECT_EQ(other.status(), v1::Task::OPEN) << "Buchhaltung has no connector: its provider";

  auto tx = store_->BeginRead();
  AuditQuery q;
  q.resource = "tasks/1";
  absl::StatusOr<std::vector<v1::AuditEvent>> events = (*tx)->ListAudit(q);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->front().actor(), "scheduler via the LDAP connector of applications/1");

  // Again: nothing left to do, nothing asked of the directory.
  const int calls = state_.calls;
  EXPECT_EQ(Run().outcomes_size(), 0);
  EXPECT_EQ(Run(case_name).outcomes_size(), 0);
  EXPECT_EQ(state_.calls, calls);
}

TEST_F(ConnectorsTest, APlanSaysWhatEachConnectorWouldDoAndChangesNothing) {
  ASSERT_TRUE(Connect(Ldap()).ok());
  state_.groups["vpn"] = {"anna"};
  Create(Kind::kAccessGrant, R"(account: "accounts/1" role: "vpn")");
  Create(Kind::kAccessGrant, R"(account: "accounts/1" role: "buchhaltung")");
  const int64_t audited = [&] {
    auto tx = store_->BeginRead();
    return (*(*tx)->LastAudit())->sequence();
  }();
  v1::OffboardRequest r;
  r.set_person("bernd@firma.de");
  r.set_last_day("2026-12-04");
  r.set_plan(true);
  absl::StatusOr<v1::CaseView> view = workflow_->Offboard("coordinator", r);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_TRUE(view->planned());
  EXPECT_EQ(view->tasks_size(), 5);  // 2 accounts, 3 grants
  absl::StatusOr<std::vector<v1::ConnectorOutcome>> plan = connectors_->Plan(view->tasks());
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::vector<std::string> details;
  for (const v1::ConnectorOutcome& o : *plan) {
    details.push_back(absl::StrCat(o.done() ? "" : "cannot: ", o.detail()));
  }
  EXPECT_THAT(details,
              ::testing::ElementsAre(
                  "Bestand via LDAP (ldaps://dc1.firma.de) would remove uid=bernd from "
                  "cn=vertrieb",
                  "Bestand via LDAP (ldaps://dc1.firma.de) would find uid=bernd no member of "
                  "cn=vpn: nothing to change",
                  "cannot: LDAP ldaps://dc1.firma.de: no such group",
                  "Bestand via LDAP (ldaps://dc1.firma.de) would disable uid=bernd (enabled)"));
  // Nothing changed: no case, no task, no audit event, the directory as it was.
  EXPECT_EQ(Count(Kind::kCase), 0);
  EXPECT_EQ(Count(Kind::kTask), 0);
  EXPECT_EQ(Get<v1::Person>(Kind::kPerson, "bernd@firma.de").status(), v1::Person::ACTIVE);
  auto tx = store_->BeginRead();
  EXPECT_EQ((*(*tx)->LastAudit())->sequence(), audited);
  EXPECT_TRUE(state_.enabled["bernd"]);
  EXPECT_EQ(state_.groups["vertrieb"], (std::set<std::string>{"anna", "bernd"}));
}

TEST_F(ConnectorsTest, AChangeThatDoesNotReadBackLeavesTheTaskOpenWithTheError) {
  ASSERT_TRUE(Connect(Ldap()).ok());
  const std::string case_name = Offboard();
  state_.ignore_changes = true;
  v1::RunConnectorsResponse run = Run(case_name);  // at once, as `offboard --now`
  ASSERT_EQ(run.outcomes_size(), 2);
  for (const v1::ConnectorOutcome& o : run.outcomes()) EXPECT_FALSE(o.done());
  EXPECT_THAT(Task(1).connector_error(), HasSubstr("'bernd' is still enabled after disabling"));
  EXPECT_THAT(Task(2).connector_error(), HasSubstr("still a member of cn=vertrieb"));
  EXPECT_EQ(Task(1).status(), v1::Task::OPEN);
  EXPECT_EQ(Get<v1::Account>(Kind::kAccount, "accounts/1").status(), v1::Account::ACTIVE);
}

TEST_F(ConnectorsTest, FailuresAreListedAndRetriedWithGrowingWaitsUntilDone) {
  ASSERT_TRUE(Connect(Ldap()).ok());
  Offboard();
  now_ = absl::FromCivil(absl::CivilSecond(2026, 12, 5, 8, 0, 0), CompanyTimeZone());
  state_.down = true;
  v1::RunConnectorsResponse run = Run();
  ASSERT_EQ(run.outcomes_size(), 2);
  EXPECT_FALSE(run.outcomes(0).done());
  EXPECT_THAT(Task(1).connector_error(),
              HasSubstr("LDAP ldaps://dc1.firma.de: connection refused"));
  absl::StatusOr<v1::ListFindingsResponse> findings = workflow_->ListFindings();
  ASSERT_TRUE(findings.ok());
  int failed = 0;
  for (const v1::Finding& f : findings->findings()) {
    if (f.kind() == "connector failed") {
      ++failed;
      EXPECT_THAT(f.description(), HasSubstr("connection refused"));
    }
  }
  EXPECT_EQ(failed, 2);

  // Waits of 30 s, then 60 s: nothing is tried before they are over.
  const int calls = state_.calls;
  now_ += absl::Seconds(29);
  EXPECT_EQ(Run().outcomes_size(), 0);
  EXPECT_EQ(state_.calls, calls);
  now_ += absl::Seconds(2);
  EXPECT_EQ(Run().outcomes_size(), 2);
  now_ += absl::Seconds(59);
  EXPECT_EQ(Run().outcomes_size(), 0);
  now_ += absl::Seconds(2);
  state_.down = false;
  run = Run();
  ASSERT_EQ(run.outcomes_size(), 2);
  for (const v1::ConnectorOutcome& o : run.outcomes()) EXPECT_TRUE(o.done()) << o.detail();
  EXPECT_EQ(Task(1).connector_error(), "");
  findings = workflow_->ListFindings();
  for (const v1::Finding& f : findings->findings()) EXPECT_NE(f.kind(), "connector failed");
}

TEST_F(ConnectorsTest, RemovingTheConnectionHandsItsFailedTasksBackToTheProvider) {
  ASSERT_TRUE(Connect(Ldap()).ok());
  Offboard();
  now_ = absl::FromCivil(absl::CivilSecond(2026, 12, 5, 8, 0, 0), CompanyTimeZone());
  state_.down = true;
  ASSERT_EQ(Run().outcomes_size(), 2);
  ASSERT_FALSE(Task(1).connector_error().empty());
  v1::RemoveConnectionRequest remove;
  remove.set_application("Verzeichnis");
  ASSERT_TRUE(connectors_->Remove("admin", remove).ok());
  EXPECT_EQ(Task(1).connector_error(), "");
  EXPECT_EQ(Task(2).connector_error(), "");
  EXPECT_EQ(Task(1).status(), v1::Task::OPEN);
  absl::StatusOr<v1::ListFindingsResponse> findings = workflow_->ListFindings();
  ASSERT_TRUE(findings.ok());
  for (const v1::Finding& f : findings->findings()) EXPECT_NE(f.kind(), "connector failed");
  // Connected again at once, nothing waits for the old failure's retry time.
  state_.down = false;
  ASSERT_TRUE(Connect(Ldap()).ok());
  EXPECT_EQ(Run().outcomes_size(), 2);
  EXPECT_EQ(Task(1).status(), v1::Task::DONE);
}

}  // namespace
}  // namespace bestand

namespace bestand {
namespace {

// Onboards Anna with the template "vertrieb" (the directory's group of that name) starting on
// `start`.
class OnboardingConnectorsTest : public ConnectorsTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ConnectorsTest::SetUp());
    Create(Kind::kTemplateItem, "template: 'vertrieb' application: 'Verzeichnis' role: 'vertrieb'");
    state_.enabled = {};
    state_.groups = {{"vertrieb", {}}};
  }
  v1::CaseView Onboard(const std::string& start) {
    v1::OnboardRequest r;
    r.set_email("anna.schaefer@firma.de");
    r.set_display_name("Anna Schäfer");
    r.set_template_("vertrieb");
    r.set_start_date(start);
    absl::StatusOr<v1::CaseView> c = workflow_->Onboard("coordinator", r);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : v1::CaseView{};
  }
};

TEST_F(OnboardingConnectorsTest, CreatesTheAccountInItsGroupWithAOneTimePasswordShownOnce) {
  v1::Connection c = Ldap();
  c.set_login_pattern("{f}{last}");
  ASSERT_TRUE(Connect(c).ok());
  const v1::CaseView view = Onboard("2026-12-07");
  ASSERT_EQ(view.tasks_size(), 1);
  const std::string task = view.tasks(0).name();

  v1::RunConnectorsRequest r;
  r.set_case_(view.record().name());
  r.set_one_time_passwords(true);
  absl::StatusOr<v1::RunConnectorsResponse> out = connectors_->Run("coordinator", r);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->outcomes_size(), 1);
  EXPECT_TRUE(out->outcomes(0).done()) << out->outcomes(0).detail();
  const std::string password = out->outcomes(0).one_time_password();
  EXPECT_EQ(password.size(), 20u);
  ASSERT_EQ(state_.created.size(), 1u);
  EXPECT_EQ(state_.created[0].login, "aschaefer");
  EXPECT_EQ(state_.created[0].email, "anna.schaefer@firma.de");
  EXPECT_EQ(state_.created[0].first_name, "Anna");
  EXPECT_EQ(state_.created[0].last_name, "Schäfer");
  EXPECT_EQ(state_.created[0].password, password);
  EXPECT_TRUE(state_.enabled["anna.schaefer@firma.de"]);
  EXPECT_EQ(state_.groups["vertrieb"].count("anna.schaefer@firma.de"), 1u);

  const v1::Task done = Task(IdOf(task));
  EXPECT_EQ(done.status(), v1::Task::DONE);
  EXPECT_THAT(done.evidence(), HasSubstr("created uid=anna.schaefer@firma.de (enabled with a "
                                         "one-time password)"));
  EXPECT_THAT(done.evidence(), HasSubstr("added to cn=vertrieb"));
  EXPECT_THAT(done.evidence(), HasSubstr(": exists, member"));
  // The inventory has the account and the grant; the password is nowhere.
  EXPECT_EQ(testing::QuerySql(
                db(), "SELECT count(*) FROM accounts WHERE username = 'anna.schaefer@firma.de'"),
            "1\n");
  EXPECT_EQ(
      testing::QuerySql(db(), absl::StrCat("SELECT count(*) FROM audit_events WHERE after LIKE '%",
                                           password, "%' OR before LIKE '%", password, "%'")),
      "0\n");

  // Again: nothing to do, nothing created twice.
  out = connectors_->Run("coordinator", r);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->outcomes_size(), 0);
  EXPECT_EQ(state_.created.size(), 1u);
}

TEST_F(OnboardingConnectorsTest, ALoginNameSomeoneHasGetsANumber) {
  v1::Connection c = Ldap();
  c.set_login_pattern("{f}{last}");
  ASSERT_TRUE(Connect(c).ok());
  state_.taken_logins = {"aschaefer", "aschaefer2"};
  const v1::CaseView view = Onboard("2026-12-07");
  v1::RunConnectorsResponse out = Run(view.record().name());
  ASSERT_EQ(out.outcomes_size(), 1);
  EXPECT_TRUE(out.outcomes(0).done()) << out.outcomes(0).detail();
  ASSERT_EQ(state_.created.size(), 1u);
  EXPECT_EQ(state_.created[0].login, "aschaefer3");
}

TEST_F(OnboardingConnectorsTest, TheServerCreatesItDisabledOnItsDayAndLeavesFreshCasesAlone) {
  ASSERT_TRUE(Connect(Ldap()).ok());
  // Start on Monday 2026-12-07: due on Friday 2026-12-04, which is today.
  const v1::CaseView view = Onboard("2026-12-07");
  // Just onboarded: the coordinator may still create the accounts with passwords.
  EXPECT_EQ(Run().outcomes_size(), 0);
  EXPECT_TRUE(state_.created.empty());
  testing::ExecSql(db(), "UPDATE tasks SET create_time = create_time - 600000000");
  v1::RunConnectorsResponse out = Run();
  ASSERT_EQ(out.outcomes_size(), 1);
  EXPECT_TRUE(out.outcomes(0).done()) << out.outcomes(0).detail();
  EXPECT_TRUE(out.outcomes(0).one_time_password().empty());
  ASSERT_EQ(state_.created.size(), 1u);
  EXPECT_EQ(state_.created[0].login, "anna.schaefer");
  EXPECT_TRUE(state_.created[0].password.empty());
  EXPECT_FALSE(state_.enabled["anna.schaefer@firma.de"]);
  EXPECT_THAT(Task(IdOf(view.tasks(0).name())).evidence(),
              HasSubstr("disabled, without a password, until 'bestand connectors activate "
                        "anna.schaefer@firma.de' on the first day"));
  // The inventory has it disabled too.
  EXPECT_EQ(Get<v1::Account>(Kind::kAccount, "accounts/3").status(), v1::Account::DISABLED);
}

TEST_F(OnboardingConnectorsTest, OnTheFirstDayActivationEnablesItWithAOneTimePasswordOnce) {
  ASSERT_TRUE(Connect(Ldap()).ok());
  Onboard("2026-12-07");
  testing::ExecSql(db(), "UPDATE tasks SET create_time = create_time - 600000000");
  ASSERT_EQ(Run().outcomes_size(), 1);
  ASSERT_FALSE(state_.enabled["anna.schaefer@firma.de"]);
  v1::ActivateAccountsRequest r;
  r.set_person("anna.schaefer@firma.de");

  // Friday: Anna starts on Monday.
  absl::StatusOr<v1::ActivateAccountsResponse> early = connectors_->Activate("coordinator", r);
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(early.status().message(), HasSubstr("starts on 2026-12-07"));
  EXPECT_FALSE(state_.enabled["anna.schaefer@firma.de"]);
  EXPECT_TRUE(state_.passwords.empty());

  now_ = absl::FromCivil(absl::CivilSecond(2026, 12, 7, 8, 0, 0), CompanyTimeZone());
  const std::string audited = testing::QuerySql(db(), "SELECT count(*) FROM audit_events");
  absl::StatusOr<v1::ActivateAccountsResponse> out = connectors_->Activate("coordinator", r);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->outcomes_size(), 1);
  const v1::ConnectorOutcome& o = out->outcomes(0);
  EXPECT_TRUE(o.done()) << o.detail();
  EXPECT_EQ(o.account(), "accounts/3");
  EXPECT_THAT(o.detail(), HasSubstr("enabled uid=anna.schaefer@firma.de with a one-time password; "
                                    "disabled → enabled; read back 2026-12-07T07:00:00Z"));
  EXPECT_EQ(o.one_time_password().size(), 20u);
  ASSERT_EQ(state_.passwords.size(), 1u);
  EXPECT_EQ(state_.passwords[0], o.one_time_password());
  EXPECT_TRUE(state_.enabled["anna.schaefer@firma.de"]);
  // Audited with the connector as the actor's tool; the password is nowhere.
  EXPECT_EQ(testing::QuerySql(db(),
                              "SELECT action || '|' || actor FROM audit_events ORDER BY "
                              "sequence DESC LIMIT 1"),
            "activate|coordinator via the LDAP connector of applications/1\n");
  EXPECT_NE(testing::QuerySql(db(), "SELECT count(*) FROM audit_events"), audited);
  EXPECT_EQ(testing::QuerySql(db(), absl::StrCat("SELECT count(*) FROM audit_events WHERE after "
                                                 "LIKE '%",
                                                 o.one_time_password(), "%'")),
            "0\n");
  EXPECT_EQ(Get<v1::Account>(Kind::kAccount, "accounts/3").status(), v1::Account::ACTIVE);

  // Again: enabled already, no new password, nothing audited.
  const std::string after = testing::QuerySql(db(), "SELECT count(*) FROM audit_events");
  out = connectors_->Activate("coordinator", r);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->outcomes_size(), 1);
  EXPECT_TRUE(out->outcomes(0).done());
  EXPECT_THAT(out->outcomes(0).detail(), HasSubstr("is enabled already (enabled)"));
  EXPECT_TRUE(out->outcomes(0).one_time_password().empty());
  EXPECT_EQ(state_.passwords.size(), 1u);
  EXPECT_EQ(testing::QuerySql(db(), "SELECT count(*) FROM audit_events"), after);

  // A directory that ignores the change: not done, with what it read back.
  state_.enabled["anna.schaefer@firma.de"] = false;
  state_.ignore_changes = true;
  out = connectors_->Activate("coordinator", r);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(out->outcomes(0).done());
  EXPECT_THAT(out->outcomes(0).detail(), HasSubstr("still disabled after enabling it"));
}

TEST_F(ConnectorsTest, ActivationRefusesWhoIsLeavingAndNeedsAPerson) {
  ASSERT_TRUE(Connect(Ldap()).ok());
  Offboard();
  v1::ActivateAccountsRequest r;
  EXPECT_EQ(connectors_->Activate("coordinator", r).status().code(),
            absl::StatusCode::kInvalidArgument);
  r.set_person("bernd@firma.de");
  absl::StatusOr<v1::ActivateAccountsResponse> out = connectors_->Activate("coordinator", r);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(out.status().message(), HasSubstr("is leaving or has left"));
  EXPECT_EQ(state_.calls, 0);
}

TEST_F(OnboardingConnectorsTest, APlanNamesTheLoginAndGroupAndCreatesNothing) {
  ASSERT_TRUE(Connect(Ldap()).ok());
  v1::OnboardRequest r;
  r.set_email("anna.schaefer@firma.de");
  r.set_display_name("Anna Schäfer");
  r.set_template_("vertrieb");
  r.set_start_date("2026-12-07");
  r.set_plan(true);
  absl::StatusOr<v1::CaseView> view = workflow_->Onboard("coordinator", r);
  ASSERT_TRUE(view.ok()) << view.status();
  v1::Person newcomer;
  newcomer.set_name(view->record().person());
  newcomer.set_email(r.email());
  newcomer.set_display_name(r.display_name());
  absl::StatusOr<std::vector<v1::ConnectorOutcome>> plan =
      connectors_->Plan(view->tasks(), &newcomer);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_TRUE((*plan)[0].done()) << (*plan)[0].detail();
  EXPECT_THAT((*plan)[0].detail(), HasSubstr("would create anna.schaefer (disabled"));
  EXPECT_THAT((*plan)[0].detail(), HasSubstr("in cn=vertrieb"));
  EXPECT_TRUE(state_.created.empty());
  // A role the directory has no group for cannot be planned.
  state_.groups.clear();
  plan = connectors_->Plan(view->tasks(), &newcomer);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE((*plan)[0].done());
  EXPECT_THAT((*plan)[0].detail(), HasSubstr("no such group"));
}

TEST(NewAccountsTest, LoginNamesFoldNamesToAsciiAndFitTheDirectory) {
  EXPECT_EQ(*LoginName("", "Anna Schäfer", "anna.schaefer@firma.de", 20), "anna.schaefer");
  EXPECT_EQ(*LoginName("{first}.{last}", "Jörg Weiß", "j@firma.de", 64), "joerg.weiss");
  EXPECT_EQ(*LoginName("{f}{last}", "Zoë Łukasz-Núñez", "z@firma.de", 64), "zlukasz-nunez");
  EXPECT_EQ(*LoginName("{first}.{last}", "Anna Maria Müller", "a@firma.de", 64),
            "annamaria.mueller");
  // sAMAccountName holds 20 characters; a cut leaves no trailing separator.
  EXPECT_EQ(*LoginName("{first}.{last}", "Maximiliane Oberhuber-Schwarz", "m@firma.de", 12),
            "maximiliane");
  EXPECT_EQ(LoginName("{last}", "李小龍", "x@firma.de", 20).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckLoginPattern("{f}{last}").ok());
  EXPECT_THAT(CheckLoginPattern("{vorname}").message(), HasSubstr("'{vorname}'"));
  EXPECT_THAT(CheckLoginPattern("{first").message(), HasSubstr("'{first'"));
  EXPECT_FALSE(CheckLoginPattern("a b").ok());
  EXPECT_FALSE(CheckLoginPattern("x}").ok());
  EXPECT_FALSE(CheckLoginPattern(std::string(65, 'a')).ok());
}

TEST(NewAccountsTest, OneTimePasswordsMeetActiveDirectoryComplexityAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<std::string> p = OneTimePassword();
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p->size(), 20u);
    bool upper = false, lower = false, digit = false, symbol = false;
    for (char ch : *p) {
      upper |= absl::ascii_isupper(ch);
      lower |= absl::ascii_islower(ch);
      digit |= absl::ascii_isdigit(ch);
      symbol |= absl::ascii_ispunct(ch);
      EXPECT_EQ(std::string("0O1lI").find(ch), std::string::npos) << *p;
    }
    EXPECT_TRUE(upper && lower && digit && symbol) << *p;
    seen.insert(*p);
  }
  EXPECT_EQ(seen.size(), 200u);
}

// Sync: the directory read into the accounts and grants, orphans and drift found, twice the
// same as once.
TEST_F(ConnectorsTest, SyncReadsTheDirectoryIntoAccountsAndGrantsAndFindsOrphansAndDrift) {
  ASSERT_TRUE(Connect(Ldap()).ok());
  Create(Kind::kPerson, R"(email: "anna@firma.de" display_name: "Anna Schmidt")");
  // bernd (accounts/1) holds vertrieb; einkauf and crm-admin besides.
  Create(Kind::kAccessGrant, R"(account: "accounts/1" role: "einkauf")");
  Create(Kind::kAccessGrant, R"(account: "accounts/1" role: "crm-admin")");
  Create(Kind::kAccount, R"(application: "Verzeichnis" username: "carl" status: DISABLED)");
  Create(Kind::kAccount,
         R"(application: "Verzeichnis" username: "ghost" person: "bernd@firma.de")");
  state_.enabled = {{"bernd", false},
                    {"anna@firma.de", true},
                    {"svc-backup", true},
                    {"old", false},
                    {"carl", true}};
  state_.groups = {{"vertrieb", {"anna@firma.de"}}, {"einkauf", {"svc-backup"}}};
  const absl::Time logon = absl::FromUnixSeconds(1796000000);
  state_.last_logon["anna@firma.de"] = logon;

  v1::SyncConnectionRequest r;
  r.set_application("Verzeichnis");
  absl::StatusOr<v1::SyncConnectionResponse> out = connectors_->Sync("coordinator", r);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->listed(), 5);
  EXPECT_EQ(out->added(), 2);     // anna@firma.de, svc-backup
  EXPECT_EQ(out->changed(), 3);   // bernd, carl, ghost
  EXPECT_EQ(out->left_out(), 1);  // old: disabled and nobody's
  const std::string all = out->ShortDebugString();

  // Bernd: disabled as the directory says; out of the directory's groups he is no member of;
  // crm-admin names no group there and stays.
  v1::Account bernd = Get<v1::Account>(Kind::kAccount, "accounts/1");
  EXPECT_EQ(bernd.status(), v1::Account::DISABLED);
  EXPECT_EQ(bernd.directory_state(), v1::Account::DISABLED_THERE);
  EXPECT_EQ(bernd.external_id(), "uid=bernd");
  EXPECT_EQ(testing::QuerySql(db(),
                              "SELECT role || ':' || revoke_date FROM access_grants WHERE "
                              "account_id = 1 ORDER BY role"),
            "crm-admin:\neinkauf:2026-12-04\nvertrieb:2026-12-04\n");
  // Anna's account is hers by its email, with its group and last logon.
  EXPECT_EQ(
      testing::QuerySql(db(),
                        "SELECT a.status || ' ' || p.email || ' ' || a.directory_state || ' ' "
                        "|| a.last_activity_time || ' ' || g.role FROM accounts a JOIN "
                        "people p ON p.id = a.person_id JOIN access_grants g ON g.account_id "
                        "= a.id WHERE a.username = 'anna@firma.de'"),
      absl::StrCat("1 anna@firma.de 1 ", absl::ToUnixMicros(logon), " vertrieb\n"));
  // Nobody's old account is not added.
  EXPECT_EQ(testing::QuerySql(db(), "SELECT count(*) FROM accounts WHERE username = 'old'"), "0\n");

  absl::StatusOr<v1::ListFindingsResponse> findings = workflow_->ListFindings();
  ASSERT_TRUE(findings.ok());
  std::vector<std::string> seen;
  for (const v1::Finding& f : findings->findings()) {
    if (f.kind() == "directory drift" || f.kind() == "orphaned account") {
      seen.push_back(absl::StrCat(f.kind(), ": ", f.description()));
    }
  }
  EXPECT_THAT(seen, ::testing::UnorderedElementsAre(
                        "orphaned account: the account 'svc-backup' in Verzeichnis belongs to no "
                        "person",
                        "directory drift: the account 'carl' in Verzeichnis is disabled in "
                        "Bestand but enabled in its directory",
                        "directory drift: the account 'ghost' in Verzeichnis is active in Bestand "
                        "but its directory has no such account"));
  EXPECT_THAT(all, HasSubstr("orphaned account"));
  EXPECT_THAT(all, HasSubstr("directory drift: disabled in Bestand but enabled there"));
  std::vector<std::string> of_bernd;
  for (const v1::SyncChange& c : out->changes()) {
    if (c.account() == "accounts/1") of_bernd.push_back(c.detail());
  }
  EXPECT_THAT(of_bernd, ::testing::ElementsAre(
                            "disabled, as the directory says: disabled; revoked 'vertrieb': no "
                            "member of the group there; revoked 'einkauf': no member of the group "
                            "there"));

  // Again: nothing changes, nothing is audited.
  const std::string events = testing::QuerySql(db(), "SELECT count(*) FROM audit_events");
  absl::StatusOr<v1::SyncConnectionResponse> again = connectors_->Sync("coordinator", r);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->added(), 0);
  EXPECT_EQ(again->changed(), 0) << again->ShortDebugString();
  EXPECT_EQ(testing::QuerySql(db(), "SELECT count(*) FROM audit_events"), events);
  EXPECT_EQ(testing::QuerySql(db(),
                              "SELECT DISTINCT actor FROM audit_events WHERE resource = "
                              "'accounts/1' AND action = 'update'"),
            "coordinator via the LDAP connector of applications/1\n");

  // A directory that cannot be read changes nothing and says why.
  state_.down = true;
  absl::StatusOr<v1::SyncConnectionResponse> down = connectors_->Sync("coordinator", r);
  EXPECT_EQ(down.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(down.status().message(), HasSubstr("connection refused"));
  EXPECT_EQ(testing::QuerySql(db(), "SELECT count(*) FROM audit_events"), events);
  r.set_application("Buchhaltung");
  EXPECT_EQ(connectors_->Sync("coordinator", r).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace bestand
