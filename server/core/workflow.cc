#include "server/core/workflow.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "bestand/v1/inventory.pb.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "server/core/audit.h"
#include "server/core/audited_state.h"
#include "server/core/inventory.h"
#include "server/core/settings.h"

namespace bestand {
namespace {

using google::protobuf::Message;

std::string NameOf(Kind kind, int64_t id) { return absl::StrCat(Spec(kind).collection, "/", id); }

template <typename M>
absl::StatusOr<M> Load(ReadTx& tx, Kind kind, int64_t id) {
  M m;
  BESTAND_ASSIGN_OR_RETURN(bool found, tx.Get(kind, id, &m));
  if (!found) {
    return absl::NotFoundError(absl::StrCat(Spec(kind).noun, " ", NameOf(kind, id), " not found"));
  }
  return m;
}

template <typename M>
absl::StatusOr<M> Load(ReadTx& tx, Kind kind, absl::string_view name) {
  BESTAND_ASSIGN_OR_RETURN(int64_t id, ResolveName(tx, kind, name));
  return Load<M>(tx, kind, id);
}

template <typename M>
absl::StatusOr<std::vector<M>> ListAll(ReadTx& tx, Kind kind, std::vector<FieldEquals> equals) {
  ListQuery q;
  q.equals = std::move(equals);
  std::vector<M> out;
  BESTAND_RETURN_IF_ERROR(tx.List(kind, q, [&](int64_t, const Message& m) {
    out.push_back(static_cast<const M&>(m));
    return absl::OkStatus();
  }));
  return out;
}

// Writes the named fields of `m` (an existing resource, by its name) with an audit event.
absl::Status Save(WriteTx& tx, absl::string_view actor, Kind kind, const Message& m,
                  std::initializer_list<const char*> fields) {
  google::protobuf::FieldMask mask;
  for (const char* f : fields) mask.add_paths(f);
  std::unique_ptr<Message> after(m.New());
  const std::string name =
      m.GetReflection()->GetString(m, m.GetDescriptor()->FindFieldByName("name"));
  return UpdateInTx(tx, actor, Spec(kind), IdOf(name), m, mask, after.get()).status();
}

std::string Who(const v1::Person& p) {
  return absl::StrCat(p.display_name(), " <", p.email(), ">");
}

absl::StatusOr<absl::CivilDay> RequiredDate(absl::string_view field, const std::string& value) {
  if (value.empty()) return FieldError(absl::StatusCode::kInvalidArgument, field, "is required");
  absl::StatusOr<absl::CivilDay> day = ParseIsoDate(value);
  if (!day.ok())
    return FieldError(absl::StatusCode::kInvalidArgument, field, day.status().message());
  return day;
}

// Creates a task of case `case_id` (0: none), due on `due`, and adds it to `view`.
absl::Status AddTask(WriteTx& tx, absl::string_view actor, int64_t case_id, v1::Task task,
                     v1::CaseView* view) {
  if (case_id) task.set_parent(NameOf(Kind::kCase, case_id));
  if (task.status() == v1::Task::STATUS_UNSPECIFIED) task.set_status(v1::Task::OPEN);
  if (task.priority() == v1::Task::PRIORITY_UNSPECIFIED) task.set_priority(v1::Task::NORMAL);
  BESTAND_RETURN_IF_ERROR(CreateInTx(tx, actor, Spec(Kind::kTask), &task).status());
  if (view) *view->add_tasks() = std::move(task);
  return absl::OkStatus();
}

absl::StatusOr<v1::CaseView> View(ReadTx& tx, int64_t case_id) {
  v1::CaseView view;
  BESTAND_ASSIGN_OR_RETURN(*view.mutable_record(), Load<v1::Case>(tx, Kind::kCase, case_id));
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Task> tasks,
                           ListAll<v1::Task>(tx, Kind::kTask, {{"parent", case_id}}));
  for (v1::Task& t : tasks) *view.add_tasks() = std::move(t);
  return view;
}

// The person's open case of `kind`, if any.
absl::StatusOr<std::optional<v1::Case>> OpenCase(ReadTx& tx, int64_t person, v1::Case::Kind kind) {
  BESTAND_ASSIGN_OR_RETURN(
      std::vector<v1::Case> cases,
      ListAll<v1::Case>(tx, Kind::kCase,
                        {{"person", person}, {"status", int64_t{v1::Case::OPEN}}}));
  for (v1::Case& c : cases) {
    if (c.kind() == kind) return std::make_optional(std::move(c));
  }
  return std::nullopt;
}

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

// The seat error of onboarding, naming the seats that could be reclaimed.
absl::Status NoFreeSeat(ReadTx& tx, const v1::License& license) {
  std::vector<std::string> reclaimable;
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::LicenseAssignment> seats,
                           ListAll<v1::LicenseAssignment>(tx, Kind::kLicenseAssignment,
                                                          {{"license", IdOf(license.name())}}));
  for (const v1::LicenseAssignment& s : seats) {
    if (s.person().empty()) continue;
    BESTAND_ASSIGN_OR_RETURN(v1::Person p, Load<v1::Person>(tx, Kind::kPerson, s.person()));
    if (p.status() == v1::Person::LEFT || p.status() == v1::Person::LEAVING) {
      reclaimable.push_back(
          absl::StrCat(p.email(), " (", p.status() == v1::Person::LEFT ? "left" : "leaving", ")"));
    }
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "license '", license.display_name(), "' has no free seat: ", Counted(license.seats(), "seat"),
      ", ", seats.size(), " assigned; ",
      reclaimable.empty() ? "none held by leavers"
                          : absl::StrCat("reclaimable from ", absl::StrJoin(reclaimable, ", ")),
      ". Free a seat or raise the seat count, then onboard again"));
}

// Applies a finished task to the inventory.
absl::Status Apply(WriteTx& tx, absl::string_view actor, v1::Task& task) {
  switch (task.action()) {
    case v1::Task::CREATE_ACCOUNT: {
      BESTAND_ASSIGN_OR_RETURN(v1::Person person,
                               Load<v1::Person>(tx, Kind::kPerson, task.person()));
      BESTAND_ASSIGN_OR_RETURN(std::optional<int64_t> existing,
                               tx.FindId(Kind::kAccount, {{"application", IdOf(task.application())},
                                                          {"username", person.email()}}));
      int64_t account = existing.value_or(0);
      if (!existing) {
        v1::Account a;
        a.set_application(task.application());
        a.set_username(person.email());
        a.set_person(person.name());
        BESTAND_ASSIGN_OR_RETURN(account, CreateInTx(tx, actor, Spec(Kind::kAccount), &a));
      }
      task.set_account(NameOf(Kind::kAccount, account));
      if (!task.role().empty()) {
        BESTAND_ASSIGN_OR_RETURN(
            std::optional<int64_t> grant,
            tx.FindId(Kind::kAccessGrant, {{"account", account}, {"role", task.role()}}));
        if (!grant) {
          v1::AccessGrant g;
          g.set_account(task.account());
          g.set_role(task.role());
          g.set_granted_by(std::string(actor));
          BESTAND_RETURN_IF_ERROR(CreateInTx(tx, actor, Spec(Kind::kAccessGrant), &g).status());
        }
      }
      return absl::OkStatus();
    }
    case v1::Task::DISABLE_ACCOUNT: {
      BESTAND_ASSIGN_OR_RETURN(v1::Account a,
                               Load<v1::Account>(tx, Kind::kAccount, task.account()));
      if (a.status() != v1::Account::ACTIVE) return absl::OkStatus();
      a.set_status(v1::Account::DISABLED);
      return Save(tx, actor, Kind::kAccount, a, {"status"});
    }
    case v1::Task::REVOKE_ACCESS: {
      BESTAND_ASSIGN_OR_RETURN(v1::AccessGrant g,
                               Load<v1::AccessGrant>(tx, Kind::kAccessGrant, task.access_grant()));
      if (!g.revoke_date().empty()) return absl::OkStatus();
      g.set_revoke_date(FormatIsoDate(TodayUtc()));
      return Save(tx, actor, Kind::kAccessGrant, g, {"revoke_date"});
    }
    case v1::Task::RECLAIM_LICENSE: {
      BESTAND_ASSIGN_OR_RETURN(
          std::optional<int64_t> seat,
          tx.FindId(Kind::kLicenseAssignment,
                    {{"license", IdOf(task.license())}, {"person", IdOf(task.person())}}));
      if (!seat) return absl::OkStatus();  // freed already
      const ResourceSpec& spec = Spec(Kind::kLicenseAssignment);
      BESTAND_ASSIGN_OR_RETURN(v1::LicenseAssignment before,
                               Load<v1::LicenseAssignment>(tx, Kind::kLicenseAssignment, *seat));
      BESTAND_RETURN_IF_ERROR(tx.Delete(Kind::kLicenseAssignment, *seat));
      return RecordAudit(tx, actor, "delete", before.name(), AuditJson(spec, before), "");
    }
    case v1::Task::COLLECT_DEVICE: {
      BESTAND_ASSIGN_OR_RETURN(v1::Device d, Load<v1::Device>(tx, Kind::kDevice, task.device()));
      d.clear_assignee();
      d.set_status(v1::Device::IN_STOCK);
      return Save(tx, actor, Kind::kDevice, d, {"assignee", "status"});
    }
    default:
      return absl::OkStatus();  // the inventory was changed when the task was made, or not at all
  }
}

// Closes the task's case when none of its tasks is open any more, and reopens it otherwise.
absl::Status SettleCase(WriteTx& tx, absl::string_view actor, int64_t case_id) {
  BESTAND_ASSIGN_OR_RETURN(v1::Case c, Load<v1::Case>(tx, Kind::kCase, case_id));
  ListQuery open;
  open.equals = {{"parent", case_id}};
  open.below = {{"status", int64_t{v1::Task::DONE}}};
  open.limit = 1;
  bool any_open = false;
  BESTAND_RETURN_IF_ERROR(tx.List(Kind::kTask, open, [&](int64_t, const Message&) {
    any_open = true;
    return absl::OkStatus();
  }));
  const bool closed = c.status() == v1::Case::CLOSED;
  if (any_open != closed) return absl::OkStatus();
  BESTAND_ASSIGN_OR_RETURN(v1::Person person, Load<v1::Person>(tx, Kind::kPerson, c.person()));
  const bool onboarding = c.kind() == v1::Case::ONBOARDING;
  if (any_open) {  // a task was reopened
    c.set_status(v1::Case::OPEN);
    c.clear_close_time();
    person.set_status(onboarding ? v1::Person::ONBOARDING : v1::Person::LEAVING);
  } else {
    c.set_status(v1::Case::CLOSED);
    *c.mutable_close_time() = FromMicros(NowMicros());
    person.set_status(onboarding ? v1::Person::ACTIVE : v1::Person::LEFT);
  }
  BESTAND_RETURN_IF_ERROR(Save(tx, actor, Kind::kCase, c, {"status", "close_time"}));
  return Save(tx, actor, Kind::kPerson, person, {"status"});
}

}  // namespace

absl::StatusOr<v1::CaseView> Workflow::Onboard(absl::string_view actor,
                                               const v1::OnboardRequest& r) {
  if (r.template_().empty()) {
    return FieldError(absl::StatusCode::kInvalidArgument, "template", "is required");
  }
  BESTAND_ASSIGN_OR_RETURN(absl::CivilDay start, RequiredDate("start_date", r.start_date()));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(
      std::vector<v1::TemplateItem> items,
      ListAll<v1::TemplateItem>(*tx, Kind::kTemplateItem, {{"template", r.template_()}}));
  if (items.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "template '", r.template_(), "' has no items; add some with 'bestand template add'"));
  }
  // Onboarding again changes nothing while the first case is open.
  if (absl::StatusOr<int64_t> known = ResolveName(*tx, Kind::kPerson, r.email()); known.ok()) {
    BESTAND_ASSIGN_OR_RETURN(std::optional<v1::Case> open,
                             OpenCase(*tx, *known, v1::Case::ONBOARDING));
    if (open) return View(*tx, IdOf(open->name()));
    return absl::AlreadyExistsError(absl::StrCat("email: ", r.email(), " is already ",
                                                 NameOf(Kind::kPerson, *known),
                                                 "; a person is onboarded once"));
  }
  v1::Person person;
  person.set_email(r.email());
  person.set_display_name(r.display_name());
  person.set_department(r.department());
  person.set_job_title(r.job_title());
  person.set_cost_center(r.cost_center());
  person.set_manager(r.manager());
  person.set_start_date(r.start_date());
  person.set_status(v1::Person::ONBOARDING);
  BESTAND_RETURN_IF_ERROR(CreateInTx(*tx, actor, Spec(Kind::kPerson), &person).status());

  v1::CaseView view;
  view.set_created(true);
  v1::Case& c = *view.mutable_record();
  c.set_person(person.name());
  c.set_kind(v1::Case::ONBOARDING);
  c.set_status(v1::Case::OPEN);
  c.set_template_(r.template_());
  c.set_effective_date(r.start_date());
  BESTAND_ASSIGN_OR_RETURN(int64_t case_id, CreateInTx(*tx, actor, Spec(Kind::kCase), &c));
  // Due the working day before the start: no weekend, no public holiday of the company's region.
  BESTAND_ASSIGN_OR_RETURN(HolidayCalendar holidays, LoadHolidayCalendar(*tx));
  const std::string due = FormatIsoDate(holidays.WorkingDayBefore(start));

  std::set<std::tuple<std::string, std::string, std::string, int>> given;  // one task per item
  for (const v1::TemplateItem& item : items) {
    if (!given
             .emplace(item.application(), AsciiLower(item.role()), item.license(),
                      item.device_type())
             .second) {
      continue;
    }
    v1::Task t;
    t.set_person(person.name());
    t.set_due_date(due);
    if (!item.application().empty()) {
      BESTAND_ASSIGN_OR_RETURN(v1::Application app,
                               Load<v1::Application>(*tx, Kind::kApplication, item.application()));
      t.set_action(v1::Task::CREATE_ACCOUNT);
      t.set_title(absl::StrCat("Create an account in ", app.display_name(), " for ", Who(person),
                               item.role().empty() ? "" : " with the role '" + item.role() + "'"));
      t.set_vendor(app.vendor());
      t.set_application(app.name());
      t.set_role(item.role());
    } else if (!item.license().empty()) {
      BESTAND_ASSIGN_OR_RETURN(v1::License license,
                               Load<v1::License>(*tx, Kind::kLicense, item.license()));
      v1::LicenseAssignment seat;
      seat.set_license(license.name());
      seat.set_person(person.name());
      absl::StatusOr<int64_t> assigned =
          CreateInTx(*tx, actor, Spec(Kind::kLicenseAssignment), &seat);
      if (absl::IsFailedPrecondition(assigned.status())) return NoFreeSeat(*tx, license);
      BESTAND_RETURN_IF_ERROR(assigned.status());
      t.set_action(v1::Task::ASSIGN_LICENSE);
      t.set_title(absl::StrCat("Activate the ", license.display_name(), " seat for ", Who(person)));
      t.set_vendor(license.vendor());
      t.set_application(license.application());
      t.set_license(license.name());
    } else if (item.device_type() != v1::Device::TYPE_UNSPECIFIED) {
      const std::string type = absl::AsciiStrToLower(v1::Device::Type_Name(item.device_type()));
      ListQuery stock;
      stock.equals = {{"type", int64_t{item.device_type()}},
                      {"status", int64_t{v1::Device::IN_STOCK}}};
      stock.limit = 1;
      std::optional<v1::Device> device;
      BESTAND_RETURN_IF_ERROR(tx->List(Kind::kDevice, stock, [&](int64_t, const Message& m) {
        device = static_cast<const v1::Device&>(m);
        return absl::OkStatus();
      }));
      t.set_device_type(item.device_type());
      if (device) {
        device->set_assignee(person.name());
        device->set_status(v1::Device::ASSIGNED);
        BESTAND_RETURN_IF_ERROR(Save(*tx, actor, Kind::kDevice, *device, {"assignee", "status"}));
        t.set_action(v1::Task::HAND_OUT_DEVICE);
        t.set_title(absl::StrCat("Hand the ", type, " ",
                                 device->asset_tag().empty() ? device->name() : device->asset_tag(),
                                 " to ", Who(person)));
        t.set_device(device->name());
      } else {
        t.set_action(v1::Task::PROCURE_DEVICE);
        t.set_title(absl::StrCat("Procure a ", type, " for ", Who(person), " (none in stock)"));
        t.set_priority(v1::Task::HIGH);
      }
    } else {
      continue;  // an empty item gives nothing
    }
    BESTAND_RETURN_IF_ERROR(AddTask(*tx, actor, case_id, std::move(t), &view));
  }
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return view;
}

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
  // What the person owns or is the contact for: handed over by the coordinator.
  std::vector<std::string> owned;
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Application> apps,
                           ListAll<v1::Application>(*tx, Kind::kApplication, {{"owner", pid}}));
  for (const auto& a : apps) owned.push_back("application " + a.display_name());
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::License> licenses,
                           ListAll<v1::License>(*tx, Kind::kLicense, {{"owner", pid}}));
  for (const auto& l : licenses) owned.push_back("license " + l.display_name());
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Vendor> vendors,
                           ListAll<v1::Vendor>(*tx, Kind::kVendor, {{"internal_contact", pid}}));
  for (const auto& v : vendors) owned.push_back("vendor contact for " + v.display_name());
  for (const std::string& what : owned) {
    v1::Task t;
    t.set_action(v1::Task::HAND_OVER);
    t.set_title(absl::StrCat("Hand over the ", what, " from ", Who(person), " to someone else"));
    t.set_person(person.name());
    t.set_due_date(due);
    BESTAND_RETURN_IF_ERROR(AddTask(*tx, actor, case_id, std::move(t), &view));
  }
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return view;
}

absl::StatusOr<v1::CaseView> Workflow::GetCase(absl::string_view name) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(int64_t id, ResolveName(*tx, Kind::kCase, name));
  return View(*tx, id);
}

absl::Status Workflow::ListTasks(const TaskScope& scope, const v1::ListTasksRequest& r,
                                 v1::ListTasksResponse* out) {
  BESTAND_ASSIGN_OR_RETURN(int page_size, PageSize(r.page_size()));
  ListQuery q;
  if (!r.page_token().empty()) {
    int64_t after = 0;
    if (!absl::SimpleAtoi(r.page_token(), &after) || after < 0) {
      return FieldError(absl::StatusCode::kInvalidArgument, "page_token", "is not valid");
    }
    q.after_id = after;
  }
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  const std::pair<const char*, Kind> refs[] = {
      {"vendor", Kind::kVendor}, {"parent", Kind::kCase}, {"person", Kind::kPerson}};
  for (const auto& [field, kind] : refs) {
    const std::string& value =
        r.GetReflection()->GetString(r, v1::ListTasksRequest::descriptor()->FindFieldByName(field));
    if (value.empty()) continue;
    absl::StatusOr<int64_t> id = ResolveName(*tx, kind, value);
    if (scope.vendor_id) {
      // A vendor learns nothing about what exists outside its own tasks: another vendor is
      // refused alike whether it exists or not, and an unknown person or case lists nothing,
      // as one without tasks of this vendor does.
      if (kind == Kind::kVendor && (!id.ok() || *id != scope.vendor_id)) {
        return absl::PermissionDeniedError("a vendor token sees only its own vendor's tasks");
      }
      if (!id.ok() && absl::IsNotFound(id.status())) return absl::OkStatus();
    }
    if (!id.ok()) return FieldError(id.status().code(), field, id.status().message());
    q.equals.push_back({field, *id});
  }
  if (scope.vendor_id) q.equals.push_back({"vendor", scope.vendor_id});
  if (r.status() != v1::Task::STATUS_UNSPECIFIED) {
    q.equals.push_back({"status", int64_t{r.status()}});
  }
  if (r.open_only() || r.overdue_only()) q.below.push_back({"status", int64_t{v1::Task::DONE}});
  if (r.overdue_only()) {
    q.below.push_back({"due_date", FormatIsoDate(TodayUtc())});
    q.above.push_back({"due_date", std::string()});
  }
  q.limit = page_size + 1;
  int64_t last = 0;
  int count = 0;
  BESTAND_RETURN_IF_ERROR(tx->List(Kind::kTask, q, [&](int64_t id, const Message& m) {
    if (count++ == page_size) {
      out->set_next_page_token(absl::StrCat(last));
      return absl::OkStatus();
    }
    *out->add_tasks() = static_cast<const v1::Task&>(m);
    last = id;
    return absl::OkStatus();
  }));
  return absl::OkStatus();
}

absl::StatusOr<v1::Task> Workflow::CreateTask(absl::string_view actor, const v1::Task& request) {
  v1::Task task = request;
  task.set_action(v1::Task::REQUEST);
  task.set_status(v1::Task::OPEN);
  task.clear_evidence();
  task.clear_done_time();
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  if (!task.parent().empty()) {
    BESTAND_ASSIGN_OR_RETURN(int64_t case_id, ResolveName(*tx, Kind::kCase, task.parent()));
    task.set_parent(NameOf(Kind::kCase, case_id));
  }
  v1::CaseView view;
  BESTAND_RETURN_IF_ERROR(AddTask(*tx, actor, 0, std::move(task), &view));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return view.tasks(0);
}

absl::StatusOr<v1::Task> Workflow::UpdateTaskStatus(absl::string_view actor, const TaskScope& scope,
                                                    const v1::UpdateTaskStatusRequest& r) {
  if (r.name().empty())
    return FieldError(absl::StatusCode::kInvalidArgument, "name", "is required");
  if (Utf8Length(r.evidence()) > kMaxNotesLength) {
    return FieldError(absl::StatusCode::kInvalidArgument, "evidence", "is too long");
  }
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(int64_t id, ResolveName(*tx, Kind::kTask, r.name()));
  BESTAND_ASSIGN_OR_RETURN(v1::Task task, Load<v1::Task>(*tx, Kind::kTask, id));
  if (scope.vendor_id && IdOf(task.vendor()) != scope.vendor_id) {
    return absl::NotFoundError(absl::StrCat("task '", r.name(), "' not found"));
  }
  const v1::Task::Status from = task.status();
  const bool finished = from == v1::Task::DONE || from == v1::Task::ACCEPTED;
  switch (r.status()) {
    case v1::Task::IN_PROGRESS:
      if (finished) {
        return absl::FailedPreconditionError(
            absl::StrCat(task.name(), " is done already; reopen it first"));
      }
      task.set_status(v1::Task::IN_PROGRESS);
      break;
    case v1::Task::DONE:
      if (finished) return task;  // done twice changes nothing
      if (r.evidence().empty()) {
        return FieldError(absl::StatusCode::kInvalidArgument, "evidence",
                          "is required: say what was done (ticket number, date, who)");
      }
      BESTAND_RETURN_IF_ERROR(Apply(*tx, actor, task));
      task.set_status(v1::Task::DONE);
      task.set_evidence(r.evidence());
      *task.mutable_done_time() = FromMicros(NowMicros());
      break;
    case v1::Task::ACCEPTED:
      if (!scope.may_accept) {
        return absl::PermissionDeniedError("only the coordinator accepts tasks");
      }
      if (from != v1::Task::DONE) {
        return absl::FailedPreconditionError(
            absl::StrCat(task.name(), " is not done; only done tasks can be accepted"));
      }
      task.set_status(v1::Task::ACCEPTED);
      break;
    case v1::Task::OPEN:
      if (!scope.may_accept) {
        return absl::PermissionDeniedError("only the coordinator reopens tasks");
      }
      task.set_status(v1::Task::OPEN);
      task.clear_done_time();
      break;
    default:
      return FieldError(absl::StatusCode::kInvalidArgument, "status",
                        "must be in_progress, done, accepted or open");
  }
  BESTAND_RETURN_IF_ERROR(
      Save(*tx, actor, Kind::kTask, task, {"status", "evidence", "done_time", "account"}));
  if (!task.parent().empty()) {
    BESTAND_RETURN_IF_ERROR(SettleCase(*tx, actor, IdOf(task.parent())));
  }
  BESTAND_ASSIGN_OR_RETURN(task, Load<v1::Task>(*tx, Kind::kTask, id));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return task;
}

absl::StatusOr<v1::ListFindingsResponse> Workflow::ListFindings() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  const std::string today = FormatIsoDate(TodayUtc());
  v1::ListFindingsResponse out;
  auto add = [&](const char* kind, const std::string& person, const std::string& resource,
                 std::string description) {
    v1::Finding* f = out.add_findings();
    f->set_kind(kind);
    f->set_person(person);
    f->set_resource(resource);
    f->set_description(std::move(description));
  };
  // Names for the descriptions: people read names, not ids.
  std::map<std::string, std::string> app_names, license_names;
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Application> apps,
                           ListAll<v1::Application>(*tx, Kind::kApplication, {}));
  for (const v1::Application& a : apps) app_names[a.name()] = a.display_name();
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::License> licenses,
                           ListAll<v1::License>(*tx, Kind::kLicense, {}));
  for (const v1::License& l : licenses) license_names[l.name()] = l.display_name();
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Person> people,
                           ListAll<v1::Person>(*tx, Kind::kPerson, {}));
  for (const v1::Person& p : people) {
    const bool left = p.status() == v1::Person::LEFT;
    if (!left && (p.end_date().empty() || p.end_date() >= today)) continue;
    const int64_t pid = IdOf(p.name());
    const std::string who =
        absl::StrCat(Who(p), left ? " has left" : " is past the last day " + p.end_date());
    BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Account> accounts,
                             ListAll<v1::Account>(*tx, Kind::kAccount, {{"person", pid}}));
    for (const v1::Account& a : accounts) {
      if (a.status() == v1::Account::ACTIVE) {
        add("access of leaver", p.name(), a.name(),
            absl::StrCat(who, " but the account '", a.username(), "' is active"));
      }
      BESTAND_ASSIGN_OR_RETURN(
          std::vector<v1::AccessGrant> grants,
          ListAll<v1::AccessGrant>(*tx, Kind::kAccessGrant, {{"account", IdOf(a.name())}}));
      for (const v1::AccessGrant& g : grants) {
        if (g.revoke_date().empty()) {
          add("access of leaver", p.name(), g.name(),
              absl::StrCat(who, " but holds the role '", g.role(), "' through '", a.username(),
                           "'"));
        }
      }
    }
    BESTAND_ASSIGN_OR_RETURN(
        std::vector<v1::LicenseAssignment> seats,
        ListAll<v1::LicenseAssignment>(*tx, Kind::kLicenseAssignment, {{"person", pid}}));
    for (const v1::LicenseAssignment& s : seats) {
      add("access of leaver", p.name(), s.name(),
          absl::StrCat(who, " but holds a seat of ", license_names[s.license()]));
    }
    BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Device> devices,
                             ListAll<v1::Device>(*tx, Kind::kDevice, {{"assignee", pid}}));
    for (const v1::Device& d : devices) {
      add("access of leaver", p.name(), d.name(),
          absl::StrCat(who, " but has the device ",
                       d.asset_tag().empty() ? d.name() : d.asset_tag()));
    }
  }
  BESTAND_ASSIGN_OR_RETURN(
      std::vector<v1::Account> active,
      ListAll<v1::Account>(*tx, Kind::kAccount, {{"status", int64_t{v1::Account::ACTIVE}}}));
  // Devices that may be one machine: the same hardware UUID, machine-id or serial number
  // (recorded or reported). Retired devices are left out.
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Device> devices,
                           ListAll<v1::Device>(*tx, Kind::kDevice, {}));
  std::map<std::pair<std::string, std::string>, std::vector<const v1::Device*>> by_identity;
  for (const v1::Device& d : devices) {
    if (d.status() == v1::Device::RETIRED) continue;
    std::set<std::string> serials = {AsciiLower(d.serial_number()),
                                     AsciiLower(d.reported_serial_number())};
    serials.erase("");
    for (const std::string& serial : serials) by_identity[{"serial number", serial}].push_back(&d);
    if (!d.hardware_uuid().empty()) {
      by_identity[{"hardware UUID", AsciiLower(d.hardware_uuid())}].push_back(&d);
    }
    if (!d.machine_id().empty()) by_identity[{"machine-id", d.machine_id()}].push_back(&d);
  }
  std::set<std::pair<std::string, std::string>> reported;  // device pairs, once
  auto label = [](const v1::Device& d) {
    return !d.asset_tag().empty()  ? d.asset_tag()
           : !d.hostname().empty() ? absl::StrCat(d.name(), " (", d.hostname(), ")")
                                   : d.name();
  };
  for (const auto& [identity, same] : by_identity) {
    for (size_t i = 1; i < same.size(); ++i) {
      const v1::Device& first = *same[0];
      const v1::Device& other = *same[i];
      if (!reported.insert({first.name(), other.name()}).second) continue;
      const std::string key = first.asset_tag().empty() ? first.name() : first.asset_tag();
      add("possible duplicate device", "", other.name(),
          absl::StrCat(label(other), " and ", label(first), " have the same ", identity.first,
                       "; if they are one machine, bind an enrollment token to ", key,
                       " ('bestand agent-token create --device ", key,
                       "'), enroll it again and retire ", other.name()));
    }
  }
  // Applications that enforce MFA for every account protect their privileged accounts too.
  std::set<std::string> mfa_enforced;
  for (const v1::Application& app : apps) {
    if (app.mfa_enforced()) mfa_enforced.insert(app.name());
  }
  for (const v1::Account& a : active) {
    if (a.person().empty()) {
      add("orphaned account", "", a.name(),
          absl::StrCat("the account '", a.username(), "' in ", app_names[a.application()],
                       " belongs to no person"));
    }
    if (a.privileged() && !a.mfa_enabled() && !mfa_enforced.count(a.application())) {
      add("privileged account without MFA", a.person(), a.name(),
          absl::StrCat("the privileged account '", a.username(), "' in ",
                       app_names[a.application()], " has no MFA"));
    }
  }
  return out;
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
