// Onboarding and offboarding over the inventory: role templates become cases of tasks for the
// coordinator and each responsible vendor; finishing a task changes the inventory in the same
// transaction; findings list what should not be (access of leavers, orphaned accounts).
//
// Every change goes through the inventory's building blocks (validation, audit events), so the
// audit chain holds each step. Thread safety: safe for concurrent use.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "bestand/v1/workflow.pb.h"
#include "common/resources.h"
#include "server/core/auth.h"
#include "server/storage/store.h"

namespace bestand {

// Who may see and change which tasks: every task, or one vendor's only.
struct TaskScope {
  int64_t vendor_id = 0;  // 0: every task
  bool may_accept = false;
};

// The tasks `who` may see and change: a vendor token its vendor's, everyone else every task;
// admins and coordinators accept them.
TaskScope TaskScopeOf(const Principal& who);
// OK when `who` may change the status of tasks (anyone with Permission::kTasks but viewers,
// who read only); PERMISSION_DENIED otherwise.
absl::Status AuthorizeTaskChange(const Principal& who);
// True for a task not done whose due date is before `today`.
bool IsOverdue(const v1::Task& task, absl::CivilDay today);
// The risky-access findings on `today`, read in `tx` (what Workflow::ListFindings returns).
absl::StatusOr<v1::ListFindingsResponse> ListFindingsIn(ReadTx& tx, absl::CivilDay today);
// The findings grouped by kind, in the order each kind first appears; pointers into `r`.
using FindingGroups = std::vector<std::pair<std::string, std::vector<const v1::Finding*>>>;
FindingGroups GroupByKind(const v1::ListFindingsResponse& r);

class Workflow {
 public:
  // `store` must outlive the workflow.
  explicit Workflow(Store* store) : store_(store) {}

  absl::StatusOr<v1::CaseView> Onboard(absl::string_view actor, const v1::OnboardRequest& r);
  absl::StatusOr<v1::CaseView> Offboard(absl::string_view actor, const v1::OffboardRequest& r);
  absl::StatusOr<v1::CaseView> GetCase(absl::string_view name);
  absl::Status ListTasks(const TaskScope& scope, const v1::ListTasksRequest& r,
                         v1::ListTasksResponse* out);
  absl::StatusOr<v1::Task> CreateTask(absl::string_view actor, const v1::Task& task);
  absl::StatusOr<v1::Task> UpdateTaskStatus(absl::string_view actor, const TaskScope& scope,
                                            const v1::UpdateTaskStatusRequest& r);
  absl::StatusOr<v1::ListFindingsResponse> ListFindings();

  // The inventory's change hook: an account, grant, seat or device that a person gets while
  // their offboarding case is open joins the case as a task.
  absl::Status OnInventoryChange(WriteTx& tx, absl::string_view actor, Kind kind, int64_t id);

 private:
  Store* store_;
};

}  // namespace bestand
