#include "server/core/workflow.h"

#include "absl/strings/str_cat.h"
#include "bestand/v1/inventory.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/audit.h"
#include "server/core/audit_verify.h"
#include "server/core/inventory.h"
#include "server/core/reports.h"
#include "server/imports/resource_csv.h"
#include "tests/core/core_fixture.h"

namespace bestand {
namespace {

using ::testing::HasSubstr;

class WorkflowTest : public testing::CoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CoreTest::SetUp());
    Create(Kind::kVendor, "display_name: 'MSP'");
    Create(Kind::kVendor, "display_name: 'Other'");
    Create(Kind::kApplication, "display_name: 'Mail' vendor: 'MSP'");
    Create(Kind::kLicense, "display_name: 'Office' seats: 1 vendor: 'MSP'");
    Create(Kind::kTemplateItem, "template: 'office' application: 'Mail' role: 'user'");
    Create(Kind::kTemplateItem, "template: 'office' license: 'Office'");
  }

  absl::StatusOr<v1::CaseView> Onboard(const std::string& email) {
    v1::OnboardRequest r;
    r.set_email(email);
    r.set_display_name(email);
    r.set_template_("office");
    r.set_start_date("2027-03-01");
    return workflow_->Onboard("test", r);
  }

  absl::StatusOr<v1::Task> SetStatus(const std::string& task, v1::Task::Status status,
                                     const TaskScope& scope = {.may_accept = true},
                                     const std::string& evidence = "ticket 1") {
    v1::UpdateTaskStatusRequest r;
    r.set_name(task);
    r.set_status(status);
    r.set_evidence(evidence);
    return workflow_->UpdateTaskStatus("test", scope, r);
  }

  v1::Person Person(const std::string& email) {
    v1::Person p;
    EXPECT_TRUE(inventory_->Get(Kind::kPerson, email, &p).ok());
    return p;
  }
};

TEST_F(WorkflowTest, NoFreeSeatRefusesTheWholeOnboardingAndNamesWhatIsReclaimable) {
  auto anna = Onboard("anna@firma.de");
  ASSERT_TRUE(anna.ok()) << anna.status();
  EXPECT_EQ(anna->record().effective_date(), "2027-03-01");
  EXPECT_EQ(anna->tasks(0).due_date(), "2027-02-26") << "the Friday before a Monday start";
  // Anna leaves; her seat is reclaimable but not yet free.
  v1::OffboardRequest off;
  off.set_person("anna@firma.de");
  off.set_last_day("2027-06-30");
  ASSERT_TRUE(workflow_->Offboard("test", off).ok());

  auto bernd = Onboard("bernd@firma.de");
  EXPECT_EQ(bernd.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(bernd.status().message(), HasSubstr("1 seat, 1 assigned"));
  EXPECT_THAT(bernd.status().message(), HasSubstr("reclaimable from anna@firma.de (leaving)"));
  v1::Person p;
  EXPECT_EQ(inventory_->Get(Kind::kPerson, "bernd@firma.de", &p).code(),
            absl::StatusCode::kNotFound)
      << "a refused onboarding changed something";

  v1::OnboardRequest unknown;
  unknown.set_email("c@firma.de");
  unknown.set_template_("nope");
  unknown.set_start_date("2027-03-01");
  EXPECT_EQ(workflow_->Onboard("test", unknown).status().code(), absl::StatusCode::kNotFound);
  unknown.set_start_date("1. März");
  EXPECT_THAT(workflow_->Onboard("test", unknown).status().message(), HasSubstr("start_date"));
}

TEST_F(WorkflowTest, TaskStatesScopesAndReopeningTheCase) {
  auto anna = Onboard("anna@firma.de");
  ASSERT_TRUE(anna.ok()) << anna.status();
  ASSERT_EQ(anna->tasks_size(), 2);
  const std::string account_task = anna->tasks(0).name();
  const std::string seat_task = anna->tasks(1).name();
  const TaskScope msp{.vendor_id = 1};
  const TaskScope other{.vendor_id = 2};

  EXPECT_EQ(SetStatus(account_task, v1::Task::DONE, msp, "").status().code(),
            absl::StatusCode::kInvalidArgument)
      << "done without evidence";
  EXPECT_EQ(SetStatus(account_task, v1::Task::DONE, other).status().code(),
            absl::StatusCode::kNotFound)
      << "another vendor's task";
  v1::ListTasksResponse listed;
  ASSERT_TRUE(workflow_->ListTasks(other, v1::ListTasksRequest(), &listed).ok());
  EXPECT_EQ(listed.tasks_size(), 0);
  v1::ListTasksRequest theirs;
  theirs.set_vendor("MSP");
  EXPECT_EQ(workflow_->ListTasks(other, theirs, &listed).code(),
            absl::StatusCode::kPermissionDenied);

  ASSERT_TRUE(SetStatus(account_task, v1::Task::IN_PROGRESS, msp).ok());
  auto done = SetStatus(account_task, v1::Task::DONE, msp);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_FALSE(done->account().empty()) << "done created the account";
  EXPECT_EQ(SetStatus(account_task, v1::Task::ACCEPTED, msp).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Person("anna@firma.de").status(), v1::Person::ONBOARDING);
  ASSERT_TRUE(SetStatus(seat_task, v1::Task::DONE, msp).ok());
  EXPECT_EQ(Person("anna@firma.de").status(), v1::Person::ACTIVE) << "the case closed";

  // Reopening a task reopens the case; finishing it again closes it again.
  ASSERT_TRUE(SetStatus(seat_task, v1::Task::OPEN).ok());
  EXPECT_EQ(Person("anna@firma.de").status(), v1::Person::ONBOARDING);
  v1::ListTasksRequest open;
  open.set_open_only(true);
  ASSERT_TRUE(workflow_->ListTasks({}, open, &listed).ok());
  ASSERT_EQ(listed.tasks_size(), 1);
  EXPECT_EQ(listed.tasks(0).name(), seat_task);
  ASSERT_TRUE(SetStatus(seat_task, v1::Task::DONE).ok());
  ASSERT_TRUE(SetStatus(seat_task, v1::Task::ACCEPTED).ok());
  EXPECT_EQ(Person("anna@firma.de").status(), v1::Person::ACTIVE);

  auto tx = store_->BeginRead();
  auto verified = VerifyAudit(**tx);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok()) << verified->DebugString();
}

TEST_F(WorkflowTest, ALeaversSeatStaysHeldUntilTheProvidersTaskIsDone) {
  auto anna = Onboard("anna@firma.de");
  ASSERT_TRUE(anna.ok()) << anna.status();
  v1::OffboardRequest off;
  off.set_person("anna@firma.de");
  off.set_last_day("2026-01-30");  // long past
  auto c = workflow_->Offboard("test", off);
  ASSERT_TRUE(c.ok()) << c.status();
  std::string reclaim;
  for (const v1::Task& t : c->tasks()) {
    if (t.action() == v1::Task::RECLAIM_LICENSE) reclaim = t.name();
  }
  ASSERT_FALSE(reclaim.empty());
  // The last day has passed: the provider still has to remove the paid license at the vendor,
  // so the task stays in its list and the seat counts as held by a leaver.
  v1::ListTasksRequest mine;
  mine.set_vendor("MSP");
  mine.set_open_only(true);
  v1::ListTasksResponse listed;
  ASSERT_TRUE(workflow_->ListTasks({}, mine, &listed).ok());
  std::vector<std::string> open;
  for (const v1::Task& t : listed.tasks()) open.push_back(t.name());
  EXPECT_THAT(open, ::testing::Contains(reclaim));
  auto usage = reports_->Licenses({});
  ASSERT_TRUE(usage.ok());
  ASSERT_EQ(usage->licenses_size(), 1);
  EXPECT_EQ(usage->licenses(0).leavers(), 1);
  EXPECT_THAT(usage->licenses(0).reclaimable(),
              ::testing::ElementsAre("anna@firma.de (left 2026-01-30, reclaim pending at the "
                                     "vendor)"));
  EXPECT_EQ(Onboard("bernd@firma.de").status().code(), absl::StatusCode::kFailedPrecondition)
      << "the seat is not free until the provider confirms";
  // Done with evidence: the seat is free for the next hire.
  ASSERT_TRUE(SetStatus(reclaim, v1::Task::DONE, {}, "removed in the admin center").ok());
  v1::License office;
  ASSERT_TRUE(inventory_->Get(Kind::kLicense, "Office", &office).ok());
  EXPECT_EQ(office.assigned_seats(), 0);
  EXPECT_TRUE(Onboard("bernd@firma.de").ok());
}

TEST_F(WorkflowTest, OverdueListsOnlyOpenTasksPastTheirDueDate) {
  v1::Task t;
  t.set_title("late");
  t.set_due_date("2020-01-01");
  ASSERT_TRUE(workflow_->CreateTask("test", t).ok());
  t.set_title("later");
  t.set_due_date("2999-01-01");
  ASSERT_TRUE(workflow_->CreateTask("test", t).ok());
  t.set_title("no date");
  t.clear_due_date();
  ASSERT_TRUE(workflow_->CreateTask("test", t).ok());
  v1::ListTasksRequest r;
  r.set_overdue_only(true);
  v1::ListTasksResponse out;
  ASSERT_TRUE(workflow_->ListTasks({}, r, &out).ok());
  ASSERT_EQ(out.tasks_size(), 1);
  EXPECT_EQ(out.tasks(0).title(), "late");
  EXPECT_EQ(out.tasks(0).action(), v1::Task::REQUEST);
  ASSERT_TRUE(SetStatus(out.tasks(0).name(), v1::Task::DONE).ok());
  out.Clear();
  ASSERT_TRUE(workflow_->ListTasks({}, r, &out).ok());
  EXPECT_EQ(out.tasks_size(), 0);
}

TEST_F(WorkflowTest, EveryTemplateItemHasANaturalKeySoReimportingChangesNothing) {
  // Items without a role and device items included; the fixture has Mail/user and Office.
  const std::string csv =
      "template,application,role,license,device_type\n"
      "office,Mail,,,\n"
      "office,Mail,user,,\n"
      "office,,,Office,\n"
      "office,,,,laptop\n"
      "office,,,,monitor\n";
  auto first = ImportResourceCsv(*inventory_, "test", "templateItems", csv, false, nullptr);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->created, 3);  // Mail without a role, laptop, monitor
  EXPECT_EQ(first->unchanged, 2);
  auto again = ImportResourceCsv(*inventory_, "test", "templateItems", csv, false, nullptr);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->created, 0);
  EXPECT_EQ(again->unchanged, 5);
  // Adding one again by hand is refused, naming it.
  v1::TemplateItem laptop;
  laptop.set_template_("Office");  // templates compare case-insensitively
  laptop.set_device_type(v1::Device::LAPTOP);
  v1::TemplateItem out;
  absl::Status s = inventory_->Create("test", Kind::kTemplateItem, laptop, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(s.message()), HasSubstr("device_type 'laptop'"));
  // An item gives one thing.
  laptop.set_license("Office");
  EXPECT_EQ(inventory_->Create("test", Kind::kTemplateItem, laptop, &out).code(),
            absl::StatusCode::kInvalidArgument);
  v1::TemplateItem role_only;
  role_only.set_template_("office");
  role_only.set_role("admin");
  EXPECT_EQ(inventory_->Create("test", Kind::kTemplateItem, role_only, &out).code(),
            absl::StatusCode::kInvalidArgument);
  // Onboarding opens one task per item: Mail, Mail/user, Office, laptop, monitor.
  auto anna = Onboard("anna@firma.de");
  ASSERT_TRUE(anna.ok()) << anna.status();
  EXPECT_EQ(anna->tasks_size(), 5);
}

TEST_F(WorkflowTest, OffboardingSomeoneWhoLeftSaysSoAndChangesNothing) {
  Create(Kind::kPerson, "email: 'bernd@firma.de' display_name: 'Bernd'");
  Create(Kind::kAccount, "application: 'Mail' username: 'bernd' person: 'bernd@firma.de'");
  v1::OffboardRequest off;
  off.set_person("bernd@firma.de");
  off.set_last_day("2026-05-29");
  auto c = workflow_->Offboard("test", off);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->tasks_size(), 1);
  ASSERT_TRUE(SetStatus(c->tasks(0).name(), v1::Task::DONE).ok());
  ASSERT_EQ(Person("bernd@firma.de").status(), v1::Person::LEFT);
  off.set_last_day("2026-12-31");  // a different day changes nothing either
  auto again = workflow_->Offboard("test", off);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->already_left());
  EXPECT_FALSE(again->created());
  EXPECT_EQ(again->left_on(), "2026-05-29");
  EXPECT_EQ(again->record().name(), c->record().name());
  EXPECT_EQ(again->record().status(), v1::Case::CLOSED);
  EXPECT_EQ(Person("bernd@firma.de").end_date(), "2026-05-29");
}

TEST_F(WorkflowTest, AnApplicationThatEnforcesMfaProtectsItsPrivilegedAccounts) {
  Create(Kind::kApplication, "display_name: 'Bank' mfa_enforced: true");
  Create(Kind::kPerson, "email: 'eva@firma.de' display_name: 'Eva'");
  Create(Kind::kAccount,
         "application: 'Bank' username: 'eva' person: 'eva@firma.de' privileged: true");
  Create(Kind::kAccount,
         "application: 'Mail' username: 'eva' person: 'eva@firma.de' privileged: true");
  auto findings = workflow_->ListFindings();
  ASSERT_TRUE(findings.ok());
  std::vector<std::string> unprotected;
  for (const v1::Finding& f : findings->findings()) {
    if (f.kind() == "privileged account without MFA") unprotected.push_back(f.description());
  }
  // Only Mail, which leaves MFA to each account; Bank enforces it for everyone.
  ASSERT_EQ(unprotected.size(), 1u);
  EXPECT_THAT(unprotected[0], HasSubstr("'eva'"));
  v1::Application mail, updated;
  ASSERT_TRUE(inventory_->Get(Kind::kApplication, "Mail", &mail).ok());
  mail.set_mfa_enforced(true);
  google::protobuf::FieldMask mask;
  mask.add_paths("mfa_enforced");
  ASSERT_TRUE(inventory_->Update("test", Kind::kApplication, mail, mask, &updated).ok());
  findings = workflow_->ListFindings();
  ASSERT_TRUE(findings.ok());
  EXPECT_EQ(findings->findings_size(), 0) << findings->DebugString();
}

TEST_F(WorkflowTest, AVendorLearnsNothingFromFiltersAboutWhatExists) {
  ASSERT_TRUE(Onboard("anna@firma.de").ok());
  Create(Kind::kPerson, "email: 'bernd@firma.de' display_name: 'Bernd'");
  v1::Vendor other;
  ASSERT_TRUE(inventory_->Get(Kind::kVendor, "Other", &other).ok());
  const TaskScope scope{.vendor_id = IdOf(other.name())};  // "Other" has no tasks
  auto list = [&](const std::string& field, const std::string& value) {
    v1::ListTasksRequest r;
    r.GetReflection()->SetString(&r, r.GetDescriptor()->FindFieldByName(field), value);
    v1::ListTasksResponse out;
    absl::Status s = workflow_->ListTasks(scope, r, &out);
    return s.ok() ? absl::StrCat("ok, ", out.tasks_size()) : std::string(s.ToString());
  };
  // A person who exists, one who does not, a case that exists and one that does not: alike.
  EXPECT_EQ(list("person", "anna@firma.de"), "ok, 0");
  EXPECT_EQ(list("person", "bernd@firma.de"), "ok, 0");
  EXPECT_EQ(list("person", "nobody@firma.de"), "ok, 0");
  EXPECT_EQ(list("parent", "cases/1"), "ok, 0");
  EXPECT_EQ(list("parent", "cases/99"), "ok, 0");
  // Another vendor is refused whether it exists or not.
  EXPECT_EQ(list("vendor", "MSP"), list("vendor", "No Such Vendor GmbH"));
  EXPECT_THAT(list("vendor", "MSP"), HasSubstr("PERMISSION_DENIED"));
  EXPECT_EQ(list("vendor", "Other"), "ok, 0");
}

}  // namespace
}  // namespace bestand
