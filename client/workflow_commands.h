// Onboarding, offboarding and tasks: the cases they open and the tasks in them, for the
// coordinator and for the providers who do the work.
#pragma once

#include "absl/status/status.h"
#include "client/context.h"

namespace bestand {

// onboard EMAIL --name NAME --template TEMPLATE --start DATE [...]: the case and its tasks.
absl::Status Onboard(Context& c);
// offboard PERSON --last-day DATE [--reason TEXT]; says so when the person has left already.
absl::Status Offboard(Context& c);
absl::Status CaseShow(Context& c);
// case list [--person PERSON] [--status open|closed].
absl::Status CaseList(Context& c);

// task list [--vendor V] [--case C] [--person P] [--status S] [--open] [--overdue]: every page.
absl::Status TaskList(Context& c);
// task export --vendor V [-o md]: a provider's open tasks, as a table, CSV or a Markdown
// checklist to paste into a mail or ticket.
absl::Status TaskExport(Context& c);
// task add --title TEXT [...]: a department's request.
absl::Status TaskAdd(Context& c);
// task done|start|accept|reopen TASK (the verb names the new status); done needs --evidence.
absl::Status TaskSetStatus(Context& c);

}  // namespace bestand
