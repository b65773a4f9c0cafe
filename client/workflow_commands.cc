#include "client/workflow_commands.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "bestand/v1/workflow.pb.h"
#include "client/connect_commands.h"
#include "common/i18n/task_titles.h"
#include "common/proto_text.h"
#include "common/status_macros.h"

namespace bestand {
namespace {

using Tasks = google::protobuf::RepeatedPtrField<v1::Task>;

const std::vector<absl::string_view>& TaskColumns() {
  static const auto* const columns =
      new std::vector<absl::string_view>{"name", "status", "due_date", "vendor", "title"};
  return *columns;
}

// A case: in a table one line (what, whose, status, the day) above its tasks.
void PrintCase(Context& c, const v1::CaseView& view) {
  if (c.format() == Format::kJson) return c.One(view);
  if (c.format() == Format::kTable) {
    const v1::Case& record = view.record();
    std::vector<std::unique_ptr<google::protobuf::Message>> tasks;
    for (const v1::Task& t : view.tasks()) tasks.push_back(std::make_unique<v1::Task>(t));
    std::vector<std::string> refs = c.printer().References(tasks, TaskColumns());
    refs.push_back(record.person());
    c.ResolveLabels(refs);  // the person's and the tasks' in one go
    c.out() << record.name() << "  " << absl::AsciiStrToLower(v1::Case::Kind_Name(record.kind()))
            << " of " << c.Label(record.person()) << ", "
            << absl::AsciiStrToLower(v1::Case::Status_Name(record.status())) << ", "
            << (record.kind() == v1::Case::ONBOARDING ? "first day " : "last day ")
            << record.effective_date()
            << (view.planned()   ? " (plan only: nothing was changed)"
                : view.created() ? ""
                                 : " (already open; unchanged)")
            << "\n";
  }
  c.List(view.tasks(), TaskColumns());
  if (c.format() != Format::kTable) return;
  if (view.connector_plan_size() > 0) {
    c.out() << "\nWhat the connectors would do:\n";
    for (const v1::ConnectorOutcome& o : view.connector_plan()) {
      c.out() << "  " << o.task() << "  " << (o.done() ? "" : "cannot: ") << o.detail() << "\n";
    }
  }
  if (view.connector_outcomes_size() > 0) {
    c.out() << "\nWhat the connectors did:\n";
    for (const v1::ConnectorOutcome& o : view.connector_outcomes()) {
      c.out() << "  " << o.task() << "  " << (o.done() ? "" : "failed: ") << o.detail() << "\n";
      PrintOneTimePassword(c, o);
    }
  }
}

// Every task matching `req`, page after page.
absl::StatusOr<Tasks> AllTasks(Context& c, v1::ListTasksRequest req) {
  Tasks out;
  req.set_page_size(1000);
  do {
    BESTAND_ASSIGN_OR_RETURN(v1::ListTasksResponse resp, c.client().ListTasks(req));
    for (auto& t : *resp.mutable_tasks()) *out.Add() = std::move(t);
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty());
  return out;
}

// With --lang (and output for people): each title said in that language from the task's action
// and the labels of what it refers to; the stored English title where something has no label.
void SayTitles(Context& c, Tasks& tasks) {
  if (!c.localized()) return;
  std::vector<std::string> refs;
  for (const v1::Task& t : tasks) {
    for (const std::string* ref : {&t.person(), &t.application(), &t.account(), &t.access_grant(),
                                   &t.license(), &t.device()}) {
      if (!ref->empty()) refs.push_back(*ref);
    }
  }
  c.ResolveLabels(refs);
  const LabelOf label = [&c](Kind, const std::string& name) {
    std::string said = c.Label(name);
    return said == name ? std::string() : said;  // unresolved
  };
  for (v1::Task& t : tasks) t.set_title(TaskTitle(t, c.messages(), label));
}

// `--flag` as the enum field `field` of `m`, when given.
absl::Status SetEnumFlag(const Context& c, const std::string& flag, const std::string& field,
                         google::protobuf::Message* m) {
  if (!c.args().Has(flag)) return absl::OkStatus();
  return SetFieldFromText(m, m->GetDescriptor()->FindFieldByName(field), c.args().Get(flag));
}

}  // namespace

absl::Status Onboard(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string email, c.Arg(1, "the new person's email"));
  const Args& args = c.args();
  v1::OnboardRequest req;
  req.set_email(email);
  BESTAND_ASSIGN_OR_RETURN(*req.mutable_display_name(), c.Required("name"));
  BESTAND_ASSIGN_OR_RETURN(*req.mutable_template_(), c.Required("template"));
  BESTAND_ASSIGN_OR_RETURN(*req.mutable_start_date(), c.Required("start"));
  req.set_department(args.Get("department"));
  req.set_manager(args.Get("manager"));
  req.set_job_title(args.Get("title"));
  req.set_cost_center(args.Get("cost-center"));
  req.set_plan(args.Has("plan"));
  req.set_now(args.Has("now"));
  BESTAND_ASSIGN_OR_RETURN(v1::CaseView view, c.client().Onboard(req));
  PrintCase(c, view);
  return absl::OkStatus();
}

absl::Status Offboard(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string person, c.Arg(1, "the person who leaves"));
  v1::OffboardRequest req;
  req.set_person(person);
  BESTAND_ASSIGN_OR_RETURN(*req.mutable_last_day(), c.Required("last-day"));
  req.set_reason(c.args().Get("reason"));
  req.set_now(c.args().Has("now"));
  req.set_plan(c.args().Has("plan"));
  BESTAND_ASSIGN_OR_RETURN(v1::CaseView view, c.client().Offboard(req));
  if (view.already_left() && c.format() == Format::kTable) {
    c.out() << person << " left"
            << (view.left_on().empty() ? "" : absl::StrCat(" on ", view.left_on()))
            << "; there is nothing to do (anything they still hold: 'bestand report access "
               "--risky')\n";
    return absl::OkStatus();
  }
  PrintCase(c, view);
  return absl::OkStatus();
}

absl::Status CaseShow(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string name, c.Arg(2, "the case"));
  v1::GetCaseRequest req;
  req.set_name(name);
  BESTAND_ASSIGN_OR_RETURN(v1::CaseView view, c.client().GetCase(req));
  view.set_created(true);
  PrintCase(c, view);
  return absl::OkStatus();
}

absl::Status CaseList(Context& c) {
  v1::ListCasesRequest req;
  req.set_person(c.args().Get("person"));
  req.set_page_size(1000);
  BESTAND_RETURN_IF_ERROR(SetEnumFlag(c, "status", "status", &req));
  BESTAND_ASSIGN_OR_RETURN(v1::ListCasesResponse resp, c.client().ListCases(req));
  c.List(resp.cases(), {"name", "kind", "person", "status", "effective_date", "close_time"});
  return absl::OkStatus();
}

absl::Status TaskList(Context& c) {
  const Args& args = c.args();
  v1::ListTasksRequest req;
  req.set_vendor(args.Get("vendor"));
  req.set_parent(args.Get("case"));
  req.set_person(args.Get("person"));
  req.set_open_only(args.Has("open"));
  req.set_overdue_only(args.Has("overdue"));
  BESTAND_RETURN_IF_ERROR(SetEnumFlag(c, "status", "status", &req));
  BESTAND_ASSIGN_OR_RETURN(Tasks tasks, AllTasks(c, req));
  SayTitles(c, tasks);
  c.List(tasks, TaskColumns());
  return absl::OkStatus();
}

absl::Status TaskExport(Context& c) {
  v1::ListTasksRequest req;
  BESTAND_ASSIGN_OR_RETURN(*req.mutable_vendor(), c.Required("vendor"));
  req.set_open_only(true);
  BESTAND_ASSIGN_OR_RETURN(Tasks tasks, AllTasks(c, req));
  SayTitles(c, tasks);
  if (!c.markdown()) {
    c.List(tasks, TaskColumns());
    return absl::OkStatus();
  }
  // For the provider to read: the catalog's text in --lang (English by default); dates in the
  // language's form with --lang, else ISO.
  const Messages& m = c.messages();
  std::ostream& out = c.out();
  out << "# " << m.Format("export_heading", {{"vendor", c.Label(req.vendor())}}) << "\n\n";
  if (tasks.empty()) out << m.Text("export_nothing") << "\n";
  for (const v1::Task& t : tasks) {
    out << "- [ ] **" << t.title() << "**";
    if (!t.due_date().empty()) {
      absl::CivilDay due;
      const bool dated = c.localized() && absl::ParseCivilTime(t.due_date(), &due);
      out << " (" << m.Format("export_due", {{"date", dated ? m.Date(due) : t.due_date()}}) << ")";
    }
    out << " — `" << t.name() << "`";
    if (!t.acceptance().empty()) {
      out << "\n  " << m.Format("done_means", {{"acceptance", t.acceptance()}});
    }
    out << "\n";
  }
  out << "\n" << m.Text("export_report_back") << "\n";
  return absl::OkStatus();
}

absl::Status TaskAdd(Context& c) {
  const Args& args = c.args();
  v1::CreateTaskRequest req;
  v1::Task& t = *req.mutable_task();
  BESTAND_ASSIGN_OR_RETURN(*t.mutable_title(), c.Required("title"));
  t.set_application(args.Get("app"));
  t.set_vendor(args.Get("vendor"));
  t.set_person(args.Get("person"));
  t.set_due_date(args.Get("due"));
  t.set_acceptance(args.Get("acceptance"));
  t.set_requested_by(args.Get("requested-by"));
  t.set_parent(args.Get("case"));
  BESTAND_RETURN_IF_ERROR(SetEnumFlag(c, "priority", "priority", &t));
  BESTAND_ASSIGN_OR_RETURN(v1::Task created, c.client().CreateTask(req));
  c.One(created);
  return absl::OkStatus();
}

absl::Status TaskSetStatus(Context& c) {
  static const auto* const kStatus =
      new std::map<std::string, v1::Task::Status>{{"done", v1::Task::DONE},
                                                  {"start", v1::Task::IN_PROGRESS},
                                                  {"accept", v1::Task::ACCEPTED},
                                                  {"reopen", v1::Task::OPEN}};
  const v1::Task::Status status = kStatus->at(c.command().path[1]);
  BESTAND_ASSIGN_OR_RETURN(std::string name, c.Arg(2, "the task"));
  v1::UpdateTaskStatusRequest req;
  req.set_name(absl::StartsWith(name, "tasks/") ? name : "tasks/" + name);
  req.set_status(status);
  req.set_evidence(c.args().Get("evidence"));
  if (req.status() == v1::Task::DONE && req.evidence().empty()) {
    return c.Usage("task done needs --evidence TEXT: what was done (ticket, date, who)");
  }
  BESTAND_ASSIGN_OR_RETURN(v1::Task updated, c.client().UpdateTaskStatus(req));
  c.One(updated);
  return absl::OkStatus();
}

}  // namespace bestand
