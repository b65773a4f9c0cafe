// Tasks: listing them (a vendor sees only its own), creating requests, and their status
// transitions, which apply a finished task to the inventory and settle its case.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/workflow.pb.h"
#include "common/resources.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "google/protobuf/message.h"
#include "server/core/audit.h"
#include "server/core/audited_state.h"
#include "server/core/inventory.h"
#include "server/core/workflow.h"
#include "server/core/workflow_internal.h"
#include "server/storage/store.h"

namespace bestand {
namespace {

using google::protobuf::Message;

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

TaskScope TaskScopeOf(const Principal& who) {
  return {.vendor_id = who.role == v1::VENDOR ? who.vendor_id : 0,
          .may_accept = who.role == v1::ADMIN || who.role == v1::COORDINATOR};
}

absl::Status AuthorizeTaskChange(const Principal& who) {
  BESTAND_RETURN_IF_ERROR(Authorize(who, Permission::kTasks));
  return who.role == v1::VIEWER ? Authorize(who, Permission::kWrite) : absl::OkStatus();
}

bool IsOverdue(const v1::Task& task, absl::CivilDay today) {
  // As ListTasks' overdue_only: not done, with a due date before today.
  return task.status() < v1::Task::DONE && !task.due_date().empty() &&
         task.due_date() < FormatIsoDate(today);
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

absl::Status SetConnectorError(WriteTx& tx, absl::string_view actor, int64_t task_id,
                               absl::string_view error) {
  BESTAND_ASSIGN_OR_RETURN(v1::Task task, Load<v1::Task>(tx, Kind::kTask, task_id));
  if (task.connector_error() == error) return absl::OkStatus();
  const std::string before = AuditJson(Spec(Kind::kTask), task);
  task.set_connector_error(std::string(error));
  *task.mutable_update_time() = FromMicros(NowMicros());
  BESTAND_RETURN_IF_ERROR(tx.Update(Kind::kTask, task_id, task));
  return RecordAudit(tx, actor, "update", task.name(), before, AuditJson(Spec(Kind::kTask), task));
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
  if (task.status() == v1::Task::DONE) {
    // Done, by a connector or by hand: no connector tries it again.
    BESTAND_RETURN_IF_ERROR(SetConnectorError(*tx, actor, id, ""));
    BESTAND_RETURN_IF_ERROR(tx->DeleteConnectorRun(id));
  }
  if (!task.parent().empty()) {
    BESTAND_RETURN_IF_ERROR(SettleCase(*tx, actor, IdOf(task.parent())));
  }
  BESTAND_ASSIGN_OR_RETURN(task, Load<v1::Task>(*tx, Kind::kTask, id));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return task;
}

}  // namespace bestand
