// Onboarding: a new person and the case of tasks their role template gives, with the seats and
// devices it needs reserved at once.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/workflow.pb.h"
#include "common/resources.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "google/protobuf/message.h"
#include "server/core/holidays.h"
#include "server/core/inventory.h"
#include "server/core/settings.h"
#include "server/core/workflow.h"
#include "server/core/workflow_internal.h"
#include "server/storage/store.h"

namespace bestand {
namespace {

using google::protobuf::Message;

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

// The person onboarding creates from the request, ONBOARDING until their case closes.
absl::StatusOr<v1::Person> CreateNewcomer(WriteTx& tx, absl::string_view actor,
                                          const v1::OnboardRequest& r) {
  v1::Person person;
  person.set_email(r.email());
  person.set_display_name(r.display_name());
  person.set_department(r.department());
  person.set_job_title(r.job_title());
  person.set_cost_center(r.cost_center());
  person.set_manager(r.manager());
  person.set_start_date(r.start_date());
  person.set_status(v1::Person::ONBOARDING);
  BESTAND_RETURN_IF_ERROR(CreateInTx(tx, actor, Spec(Kind::kPerson), &person).status());
  return person;
}

// Makes `t` the task to create an account in the item's application, with its role if any.
absl::Status CreateAccountTask(ReadTx& tx, const v1::Person& person, const v1::TemplateItem& item,
                               v1::Task& t) {
  BESTAND_ASSIGN_OR_RETURN(v1::Application app,
                           Load<v1::Application>(tx, Kind::kApplication, item.application()));
  t.set_action(v1::Task::CREATE_ACCOUNT);
  t.set_title(absl::StrCat("Create an account in ", app.display_name(), " for ", Who(person),
                           item.role().empty() ? "" : " with the role '" + item.role() + "'"));
  t.set_vendor(app.vendor());
  t.set_application(app.name());
  t.set_role(item.role());
  return absl::OkStatus();
}

// Assigns the person a seat of the item's license and makes `t` the task to activate it;
// FAILED_PRECONDITION naming the reclaimable seats when the license has no free seat.
absl::Status AssignSeatTask(WriteTx& tx, absl::string_view actor, const v1::Person& person,
                            const v1::TemplateItem& item, v1::Task& t) {
  BESTAND_ASSIGN_OR_RETURN(v1::License license,
                           Load<v1::License>(tx, Kind::kLicense, item.license()));
  v1::LicenseAssignment seat;
  seat.set_license(license.name());
  seat.set_person(person.name());
  absl::StatusOr<int64_t> assigned = CreateInTx(tx, actor, Spec(Kind::kLicenseAssignment), &seat);
  if (absl::IsFailedPrecondition(assigned.status())) return NoFreeSeat(tx, license);
  BESTAND_RETURN_IF_ERROR(assigned.status());
  t.set_action(v1::Task::ASSIGN_LICENSE);
  t.set_title(absl::StrCat("Activate the ", license.display_name(), " seat for ", Who(person)));
  t.set_vendor(license.vendor());
  t.set_application(license.application());
  t.set_license(license.name());
  return absl::OkStatus();
}

// Assigns the person a device of the item's type from stock and makes `t` the task to hand it
// out; with none in stock, `t` is the task to procure one.
absl::Status DeviceTask(WriteTx& tx, absl::string_view actor, const v1::Person& person,
                        const v1::TemplateItem& item, v1::Task& t) {
  const std::string type = absl::AsciiStrToLower(v1::Device::Type_Name(item.device_type()));
  ListQuery stock;
  stock.equals = {{"type", int64_t{item.device_type()}}, {"status", int64_t{v1::Device::IN_STOCK}}};
  stock.limit = 1;
  std::optional<v1::Device> device;
  BESTAND_RETURN_IF_ERROR(tx.List(Kind::kDevice, stock, [&](int64_t, const Message& m) {
    device = static_cast<const v1::Device&>(m);
    return absl::OkStatus();
  }));
  t.set_device_type(item.device_type());
  if (device) {
    device->set_assignee(person.name());
    device->set_status(v1::Device::ASSIGNED);
    BESTAND_RETURN_IF_ERROR(Save(tx, actor, Kind::kDevice, *device, {"assignee", "status"}));
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
  return absl::OkStatus();
}

// The task a template item gives the person, due on `due`, with the seat or device it needs
// reserved; nullopt for an empty item.
absl::StatusOr<std::optional<v1::Task>> ItemTask(WriteTx& tx, absl::string_view actor,
                                                 const v1::Person& person,
                                                 const v1::TemplateItem& item,
                                                 const std::string& due) {
  v1::Task t;
  t.set_person(person.name());
  t.set_due_date(due);
  if (!item.application().empty()) {
    BESTAND_RETURN_IF_ERROR(CreateAccountTask(tx, person, item, t));
  } else if (!item.license().empty()) {
    BESTAND_RETURN_IF_ERROR(AssignSeatTask(tx, actor, person, item, t));
  } else if (item.device_type() != v1::Device::TYPE_UNSPECIFIED) {
    BESTAND_RETURN_IF_ERROR(DeviceTask(tx, actor, person, item, t));
  } else {
    return std::nullopt;  // an empty item gives nothing
  }
  return t;
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
  BESTAND_ASSIGN_OR_RETURN(v1::Person person, CreateNewcomer(*tx, actor, r));

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
    BESTAND_ASSIGN_OR_RETURN(std::optional<v1::Task> t, ItemTask(*tx, actor, person, item, due));
    if (!t) continue;
    BESTAND_RETURN_IF_ERROR(AddTask(*tx, actor, case_id, *std::move(t), &view));
  }
  if (r.plan()) {
    view.set_planned(true);
    return view;  // the transaction is rolled back
  }
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return view;
}

}  // namespace bestand
