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

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/secret_box.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/audit_verify.h"
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
  absl::Status Disable(const DirectoryAccount& a) override {
    ++s_->calls;
    if (!s_->ignore_changes) s_->enabled[a.id.substr(4)] = false;
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
  absl::Status RemoveMember(const DirectoryAccount& a, const DirectoryGroup& g) override {
    ++s_->calls;
    if (!s_->ignore_changes) s_->groups[g.name].erase(a.id.substr(4));
    return absl::OkStatus();
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
      {[](v1::Connection& c) { c.set_ca_pem("not a certificate"); }, "connection.ca_pem"},
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
