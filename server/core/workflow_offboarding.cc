// Offboarding: the case of a leaver, with a task for each account, grant, seat and device they
// hold and each thing they own; and what they get while the case is open joins it.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/workflow.pb.h"
#include "common/resources.h"
#include "common/status_macros.h"
#include "server/core/inventory.h"
#include "server/core/workflow.h"
#include "server/core/workflow_internal.h"
#include "server/storage/store.h"

namespace bestand {
namespace {

// The offboarding task to disable `account` (in `app`).
absl::Status AddDisableTask(WriteTx& tx, absl::string_view actor, int64_t case_id,
                            const v1::Person& person, const v1::Application& app,
                            const v1::Account& account, const std::string& due,
                            v1::CaseView* view) {
  v1::Task t;
  t.set_action(v1::Task::DISABLE_ACCOUNT);
  t.set_title(absl::StrCat("Disable the account '", account.username(), "' of ", Who(person),
                           " in ", app.display_name()));
  t.set_vendor(app.vendor());
  t.set_person(person.name());
  t.set_application(app.name());
  t.set_account(account.name());
  t.set_due_date(due);
  return AddTask(tx, actor, case_id, std::move(t), view);
}

// The offboarding task to revoke `grant` (in `app`).
absl::Status AddRevokeTask(WriteTx& tx, absl::string_view actor, int64_t case_id,
                           const v1::Person& person, const v1::Application& app,
                           const v1::AccessGrant& grant, const std::string& due,
                           v1::CaseView* view) {
  v1::Task t;
  t.set_action(v1::Task::REVOKE_ACCESS);
  t.set_title(absl::StrCat("Revoke the role '", grant.role(), "' of ", Who(person), " in ",
                           app.display_name()));
  t.set_vendor(app.vendor());
  t.set_person(person.name());
  t.set_application(app.name());
  t.set_account(grant.account());
  t.set_access_grant(grant.name());
  t.set_due_date(due);
  return AddTask(tx, actor, case_id, std::move(t), view);
}

// Tasks of the offboarding for one account and its grants.
absl::Status AddAccountTasks(WriteTx& tx, absl::string_view actor, int64_t case_id,
                             const v1::Person& person, const v1::Account& account,
                             const std::string& due, v1::CaseView* view) {
  BESTAND_ASSIGN_OR_RETURN(v1::Application app,
                           Load<v1::Application>(tx, Kind::kApplication, account.application()));
  if (account.status() == v1::Account::ACTIVE) {
    BESTAND_RETURN_IF_ERROR(AddDisableTask(tx, actor, case_id, person, app, account, due, view));
  }
  BESTAND_ASSIGN_OR_RETURN(
      std::vector<v1::AccessGrant> grants,
      ListAll<v1::AccessGrant>(tx, Kind::kAccessGrant, {{"account", IdOf(account.name())}}));
  for (const v1::AccessGrant& g : grants) {
    if (!g.revoke_date().empty()) continue;
    BESTAND_RETURN_IF_ERROR(AddRevokeTask(tx, actor, case_id, person, app, g, due, view));
  }
  return absl::OkStatus();
}

absl::Status AddSeatTask(WriteTx& tx, absl::string_view actor, int64_t case_id,
                         const v1::Person& person, const v1::LicenseAssignment& seat,
                         const std::string& due, v1::CaseView* view) {
  BESTAND_ASSIGN_OR_RETURN(v1::License license,
                           Load<v1::License>(tx, Kind::kLicense, seat.license()));
  v1::Task t;
  t.set_action(v1::Task::RECLAIM_LICENSE);
  t.set_title(absl::StrCat("Reclaim the ", license.display_name(), " seat of ", Who(person)));
  t.set_vendor(license.vendor());
  t.set_person(person.name());
  t.set_application(license.application());
  t.set_license(license.name());
  t.set_due_date(due);
  return AddTask(tx, actor, case_id, std::move(t), view);
}

absl::Status AddDeviceTask(WriteTx& tx, absl::string_view actor, int64_t case_id,
                           const v1::Person& person, v1::Device device, const std::string& due,
                           v1::CaseView* view) {
  if (device.status() == v1::Device::RETIRED) return absl::OkStatus();
  if (device.status() != v1::Device::TO_RETURN) {
    device.set_status(v1::Device::TO_RETURN);
    BESTAND_RETURN_IF_ERROR(Save(tx, actor, Kind::kDevice, device, {"status"}));
  }
  v1::Task t;
  t.set_action(v1::Task::COLLECT_DEVICE);
  t.set_title(absl::StrCat(
      "Collect ", device.asset_tag().empty() ? device.name() : device.asset_tag(), " (",
      device.model().empty() ? "device" : device.model(), ") from ", Who(person)));
  t.set_person(person.name());
  t.set_device(device.name());
  t.set_due_date(due);
  return AddTask(tx, actor, case_id, std::move(t), view);
}

// True when a task of the case already covers `field` = `value`.
absl::StatusOr<bool> Covered(ReadTx& tx, int64_t case_id, absl::string_view field, int64_t value,
                             v1::Task::Action action) {
  BESTAND_ASSIGN_OR_RETURN(
      std::vector<v1::Task> tasks,
      ListAll<v1::Task>(tx, Kind::kTask, {{"parent", case_id}, {std::string(field), value}}));
  for (const v1::Task& t : tasks) {
    if (t.action() == action) return true;
  }
  return false;
}

// Tasks to hand over what the person (id `pid`) owns or is the contact for: handed over by the
// coordinator.
absl::Status AddHandOverTasks(WriteTx& tx, absl::string_view actor, int64_t case_id, int64_t pid,
                              const v1::Person& person, const std::string& due,
                              v1::CaseView* view) {
  std::vector<std::string> owned;
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Application> apps,
                           ListAll<v1::Application>(tx, Kind::kApplication, {{"owner", pid}}));
  for (const auto& a : apps) owned.push_back("application " + a.display_name());
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::License> licenses,
                           ListAll<v1::License>(tx, Kind::kLicense, {{"owner", pid}}));
  for (const auto& l : licenses) owned.push_back("license " + l.display_name());
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Vendor> vendors,
                           ListAll<v1::Vendor>(tx, Kind::kVendor, {{"internal_contact", pid}}));
  for (const auto& v : vendors) owned.push_back("vendor contact for " + v.display_name());
  for (const std::string& what : owned) {
    v1::Task t;
    t.set_action(v1::Task::HAND_OVER);
    t.set_title(absl::StrCat("Hand over the ", what, " from ", Who(person), " to someone else"));
    t.set_person(person.name());
    t.set_due_date(due);
    BESTAND_RETURN_IF_ERROR(AddTask(tx, actor, case_id, std::move(t), view));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::CaseView> Workflow::Offboard(absl::string_view actor,
                                                const v1::OffboardRequest& r) {
  if (r.person().empty()) {
    return FieldError(absl::StatusCode::kInvalidArgument, "person", "is required");
  }
  BESTAND_RETURN_IF_ERROR(RequiredDate("last_day", r.last_day()).status());
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(int64_t pid, ResolveName(*tx, Kind::kPerson, r.person()));
  BESTAND_ASSIGN_OR_RETURN(std::optional<v1::Case> open, OpenCase(*tx, pid, v1::Case::OFFBOARDING));
  if (open) return View(*tx, IdOf(open->name()));  // running it twice changes nothing
  BESTAND_ASSIGN_OR_RETURN(v1::Person person, Load<v1::Person>(*tx, Kind::kPerson, pid));
  if (person.status() == v1::Person::LEFT) {
    // Offboarded already: nothing to do. The answer is their last offboarding, if any.
    v1::CaseView view;
    BESTAND_ASSIGN_OR_RETURN(
        std::vector<v1::Case> cases,
        ListAll<v1::Case>(*tx, Kind::kCase,
                          {{"person", pid}, {"kind", int64_t{v1::Case::OFFBOARDING}}}));
    if (!cases.empty()) {
      BESTAND_ASSIGN_OR_RETURN(view, View(*tx, IdOf(cases.back().name())));
    }
    view.set_created(false);
    view.set_already_left(true);
    view.set_left_on(person.end_date());
    return view;
  }
  person.set_status(v1::Person::LEAVING);
  person.set_end_date(r.last_day());
  BESTAND_RETURN_IF_ERROR(Save(*tx, actor, Kind::kPerson, person, {"status", "end_date"}));

  v1::CaseView view;
  view.set_created(true);
  v1::Case& c = *view.mutable_record();
  c.set_person(person.name());
  c.set_kind(v1::Case::OFFBOARDING);
  c.set_status(v1::Case::OPEN);
  c.set_effective_date(r.last_day());
  c.set_reason(r.reason());
  BESTAND_ASSIGN_OR_RETURN(int64_t case_id, CreateInTx(*tx, actor, Spec(Kind::kCase), &c));
  const std::string& due = r.last_day();

  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Account> accounts,
                           ListAll<v1::Account>(*tx, Kind::kAccount, {{"person", pid}}));
  for (const v1::Account& a : accounts) {
    BESTAND_RETURN_IF_ERROR(AddAccountTasks(*tx, actor, case_id, person, a, due, &view));
  }
  BESTAND_ASSIGN_OR_RETURN(
      std::vector<v1::LicenseAssignment> seats,
      ListAll<v1::LicenseAssignment>(*tx, Kind::kLicenseAssignment, {{"person", pid}}));
  for (const v1::LicenseAssignment& s : seats) {
    BESTAND_RETURN_IF_ERROR(AddSeatTask(*tx, actor, case_id, person, s, due, &view));
  }
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Device> devices,
                           ListAll<v1::Device>(*tx, Kind::kDevice, {{"assignee", pid}}));
  for (v1::Device& d : devices) {
    BESTAND_RETURN_IF_ERROR(AddDeviceTask(*tx, actor, case_id, person, std::move(d), due, &view));
  }
  BESTAND_RETURN_IF_ERROR(AddHandOverTasks(*tx, actor, case_id, pid, person, due, &view));
  if (r.plan()) {
    view.set_planned(true);
    return view;  // the transaction is rolled back
  }
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return view;
}

absl::Status Workflow::OnInventoryChange(WriteTx& tx, absl::string_view actor, Kind kind,
                                         int64_t id) {
  // Whose is it, and does that person have an open offboarding case?
  std::string person_name;
  v1::Account account;
  v1::AccessGrant grant;
  v1::LicenseAssignment seat;
  v1::Device device;
  switch (kind) {
    case Kind::kAccount: {
      BESTAND_ASSIGN_OR_RETURN(account, Load<v1::Account>(tx, kind, id));
      person_name = account.person();
      break;
    }
    case Kind::kAccessGrant: {
      BESTAND_ASSIGN_OR_RETURN(grant, Load<v1::AccessGrant>(tx, kind, id));
      person_name = grant.person();
      break;
    }
    case Kind::kLicenseAssignment: {
      BESTAND_ASSIGN_OR_RETURN(seat, Load<v1::LicenseAssignment>(tx, kind, id));
      person_name = seat.person();
      break;
    }
    case Kind::kDevice: {
      BESTAND_ASSIGN_OR_RETURN(device, Load<v1::Device>(tx, kind, id));
      person_name = device.assignee();
      break;
    }
    default:
      return absl::OkStatus();
  }
  if (person_name.empty()) return absl::OkStatus();
  const int64_t pid = IdOf(person_name);
  BESTAND_ASSIGN_OR_RETURN(std::optional<v1::Case> open, OpenCase(tx, pid, v1::Case::OFFBOARDING));
  if (!open) return absl::OkStatus();
  const int64_t case_id = IdOf(open->name());
  BESTAND_ASSIGN_OR_RETURN(v1::Person person, Load<v1::Person>(tx, Kind::kPerson, pid));
  const std::string& due = open->effective_date();
  switch (kind) {
    case Kind::kAccount: {
      BESTAND_ASSIGN_OR_RETURN(bool done,
                               Covered(tx, case_id, "account", id, v1::Task::DISABLE_ACCOUNT));
      if (done || account.status() != v1::Account::ACTIVE) return absl::OkStatus();
      BESTAND_ASSIGN_OR_RETURN(v1::Application app, Load<v1::Application>(tx, Kind::kApplication,
                                                                          account.application()));
      return AddDisableTask(tx, actor, case_id, person, app, account, due, nullptr);
    }
    case Kind::kAccessGrant: {
      BESTAND_ASSIGN_OR_RETURN(bool done,
                               Covered(tx, case_id, "access_grant", id, v1::Task::REVOKE_ACCESS));
      if (done || !grant.revoke_date().empty()) return absl::OkStatus();
      BESTAND_ASSIGN_OR_RETURN(v1::Application app,
                               Load<v1::Application>(tx, Kind::kApplication, grant.application()));
      return AddRevokeTask(tx, actor, case_id, person, app, grant, due, nullptr);
    }
    case Kind::kLicenseAssignment: {
      BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Task> tasks,
                               ListAll<v1::Task>(tx, Kind::kTask,
                                                 {{"parent", case_id},
                                                  {"license", IdOf(seat.license())},
                                                  {"status", int64_t{v1::Task::OPEN}}}));
      for (const v1::Task& t : tasks) {
        if (t.action() == v1::Task::RECLAIM_LICENSE) return absl::OkStatus();
      }
      return AddSeatTask(tx, actor, case_id, person, seat, due, nullptr);
    }
    case Kind::kDevice: {
      BESTAND_ASSIGN_OR_RETURN(bool done,
                               Covered(tx, case_id, "device", id, v1::Task::COLLECT_DEVICE));
      if (done) return absl::OkStatus();
      return AddDeviceTask(tx, actor, case_id, person, device, due, nullptr);
    }
    default:
      return absl::OkStatus();
  }
}

}  // namespace bestand
