#include "server/web/pages.h"

#include <httplib.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "bestand/v1/audit.pb.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/report.pb.h"
#include "bestand/v1/workflow.pb.h"
#include "common/csv.h"
#include "common/i18n/report_texts.h"
#include "common/i18n/task_titles.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "server/web/labels.h"
#include "server/web/page_text.h"

namespace bestand {
namespace {

// Bar charts of the spend by category, one per currency: amounts of two currencies are never
// drawn on one scale.
PageData CategoryCharts(const Messages& m,
                        const google::protobuf::RepeatedPtrField<v1::CostLine>& lines) {
  std::map<std::string, std::vector<const v1::CostLine*>> by_currency;
  for (const v1::CostLine& l : lines) by_currency[l.currency()].push_back(&l);
  PageData charts = PageList();
  constexpr int kBarWidth = 300, kRow = 20;
  for (auto& [currency, rows] : by_currency) {
    std::stable_sort(rows.begin(), rows.end(), [](const v1::CostLine* a, const v1::CostLine* b) {
      return a->annual_minor() > b->annual_minor();
    });
    int64_t max = 1;
    for (const v1::CostLine* l : rows) max = std::max(max, l->annual_minor());
    PageData bars = PageList();
    int y = 4;
    for (const v1::CostLine* l : rows) {
      const int width = std::max<int>(
          1, static_cast<int>(kBarWidth *
                              static_cast<double>(std::max<int64_t>(0, l->annual_minor())) /
                              static_cast<double>(max)));
      PageData bar;
      // The cost report names the group of what has no category "(none)".
      const bool none = l->group().empty() || l->group() == "(none)";
      bar.set("name", none ? m.Text("no_category") : l->group().substr(0, 40));
      bar.set("amount", m.Money(l->annual_minor(), currency));
      bar.set("y", absl::StrCat(y));
      bar.set("text_y", absl::StrCat(y + 11));
      bar.set("width", absl::StrCat(width));
      bar.set("value_x", absl::StrCat(192 + width + 6));
      bars.push_back(bar);
      y += kRow;
    }
    PageData chart;
    chart.set("label", m.Format("chart_label", {{"currency", currency}}));
    chart.set("height", absl::StrCat(y + 4));
    chart.set("bars", bars);
    charts.push_back(chart);
  }
  return charts;
}

// One page of up to `limit` tasks in `scope`, the request set up by `filter`; the next page's
// token in `next` (empty on the last).
absl::StatusOr<std::vector<v1::Task>> ListTasks(
    const WebCore& core, const TaskScope& scope, int limit,
    const std::function<void(v1::ListTasksRequest&)>& filter, std::string* next = nullptr) {
  v1::ListTasksRequest request;
  filter(request);
  request.set_page_size(limit);
  v1::ListTasksResponse response;
  BESTAND_RETURN_IF_ERROR(core.workflow->ListTasks(scope, request, &response));
  if (next != nullptr) *next = response.next_page_token();
  return std::vector<v1::Task>(response.tasks().begin(), response.tasks().end());
}

}  // namespace

v1::SummaryReportRequest DashboardRequest() {
  v1::SummaryReportRequest request;
  request.set_within_days(kDashboardDeadlineDays);
  return request;
}

PageData DashboardPage(const v1::SummaryReport& r, const Messages& m) {
  PageData page;
  page.set("report_time", m.Format("report_time", {{"time", TimeText(m, r.create_time())}}));
  page.set("annual_spend", MoneyList(m, r.annual_spend()));
  page.set("monthly_spend", MoneyList(m, r.monthly_spend()));
  page.set("annual_waste", MoneyList(m, r.annual_waste()));
  page.set("total_savings", MoneyList(m, r.total_savings()));

  PageData risks = PageList();
  for (const v1::LicenseUsage& u : r.licenses().licenses()) {
    if (u.over_assigned() <= 0) continue;
    risks.push_back(
        PageData(m.Format("risk_over_assigned", {{"license", u.display_name()},
                                                 {"assigned", int64_t{u.assigned()}},
                                                 {"seats", int64_t{u.seats()}},
                                                 {"over", int64_t{u.over_assigned()}}})));
  }
  page.set("has_risks", !risks.is_empty_list());
  page.set("risks", risks);

  PageData savings = PageList();
  for (const v1::Saving& s : r.top_savings()) {
    PageData item;
    item.set("what", SavingText(m, s));
    item.set("amount", m.Money(s.annual_minor(), s.currency()));
    savings.push_back(item);
  }
  page.set("has_savings", r.top_savings_size() > 0);
  page.set("savings", savings);

  PageData deadlines = PageList();
  for (const v1::Renewal& d : r.upcoming_deadlines()) deadlines.push_back(RenewalItem(m, d));
  page.set("has_deadlines", r.upcoming_deadlines_size() > 0);
  page.set("deadlines", deadlines);
  page.set("no_deadlines", m.Format("no_deadlines", {{"days", int64_t{kDashboardDeadlineDays}}}));
  PageData charts = CategoryCharts(m, r.spend_by_category());
  if (!charts.is_empty_list()) page.set("charts", charts);
  return page;
}

PageData LicensesPage(const v1::LicenseReport& r, const Messages& m) {
  PageData page;
  page.set("idle_note", m.Format("licenses_idle_note", {{"days", int64_t{r.inactive_days()}}}));
  PageData rows = PageList();
  for (const v1::LicenseUsage& u : r.licenses()) {
    PageData row;
    bool act = false;
    row.set("name", u.display_name());
    row.set("seats", u.unlimited() ? m.Text("seats_unlimited") : m.Number(u.seats()));
    row.set("assigned", m.Number(u.assigned()));
    row.set("active", m.Number(u.active()));
    row.set("idle", m.Number(u.idle()));
    row.set("leavers", m.Number(u.leavers()));
    row.set("unassigned", m.Number(u.unassigned()));
    row.set("annual_cost", m.Money(u.annual_cost_minor(), u.currency()));
    row.set("annual_waste", m.Money(u.annual_waste_minor(), u.currency()));
    row.set("recommendation", RecommendationText(m, u, &act));
    row.set("act", act);
    rows.push_back(row);
  }
  page.set("has_licenses", r.licenses_size() > 0);
  page.set("licenses", rows);
  // One total line per currency: cost and waste of one currency side by side.
  std::map<std::string, std::pair<int64_t, int64_t>> totals;
  for (const v1::Money& x : r.annual_cost()) totals[x.currency()].first = x.minor();
  for (const v1::Money& x : r.annual_waste()) totals[x.currency()].second = x.minor();
  PageData total_rows = PageList();
  for (const auto& [currency, cost_waste] : totals) {
    PageData row;
    row.set("currency", currency);
    row.set("annual_cost", m.Money(cost_waste.first, currency));
    row.set("annual_waste", m.Money(cost_waste.second, currency));
    total_rows.push_back(row);
  }
  page.set("totals", total_rows);
  return page;
}

absl::StatusOr<PageData> PeoplePage(const WebCore& core, const Messages& m, const Principal& who,
                                    absl::string_view query, absl::string_view page_token) {
  v1::ListPeopleRequest request;
  request.set_query(std::string(query));
  request.set_page_token(std::string(page_token));
  request.set_page_size(100);
  v1::ListPeopleResponse response;
  BESTAND_RETURN_IF_ERROR(core.inventory->List(Kind::kPerson, request, &response));
  PageData page;
  page.set("query", std::string(query));
  PageData rows = PageList();
  for (const v1::Person& p : response.people()) {
    PageData row;
    row.set("href", absl::StrCat("/", p.name()));
    row.set("name", p.display_name());
    row.set("email", p.email());
    row.set("department", p.department());
    row.set("status", EnumText(m, "person_status_", v1::Person::Status_descriptor(), p.status()));
    rows.push_back(row);
  }
  page.set("has_people", response.people_size() > 0);
  page.set("people", rows);
  if (Authorize(who, Permission::kWrite).ok()) {
    // The templates' names, from their items (a template is the items that name it).
    v1::ListTemplateItemsRequest items_request;
    items_request.set_page_size(kCatalogRows);
    v1::ListTemplateItemsResponse items;
    BESTAND_RETURN_IF_ERROR(core.inventory->List(Kind::kTemplateItem, items_request, &items));
    std::set<std::string> templates;
    for (const v1::TemplateItem& item : items.template_items()) templates.insert(item.template_());
    page.set("may_onboard", true);
    SetRows(page, "templates", templates, [](const std::string& t) { return PageData(t); });
    page.set("today", FormatIsoDate(TodayUtc()));
  }
  if (!response.next_page_token().empty()) {
    page.set(
        "next_href",
        absl::StrCat("/people?q=", httplib::detail::encode_query_param(std::string(query)),
                     "&page=", httplib::detail::encode_query_param(response.next_page_token())));
  }
  return page;
}

void SetActivated(PageData& page, const WebCore& core, const Messages& m,
                  const v1::ActivateAccountsResponse& done) {
  Labels labels(core.inventory);
  SetRows(page, "activated", done.outcomes(), [&](const v1::ConnectorOutcome& o) {
    PageData row;
    v1::Account a;
    const bool found = core.inventory->Get(Kind::kAccount, o.account(), &a).ok();
    row.set("application", found ? labels.OrName(Kind::kApplication, a.application()) : "");
    row.set("username", found ? a.username() : o.account());
    row.set("result", m.Text(o.done() ? "activate_done" : "activate_failed"));
    row.set("detail", o.detail());
    row.set("password", o.one_time_password());
    return row;
  });
  page.set("may_activate", false);
}

absl::StatusOr<PageData> PersonPage(const WebCore& core, const Messages& m, const Principal& who,
                                    absl::string_view person) {
  v1::Person p;
  BESTAND_RETURN_IF_ERROR(core.inventory->Get(Kind::kPerson, person, &p));
  PageData page;
  page.set("name", p.display_name());
  page.set("email", p.email());
  page.set("status", EnumText(m, "person_status_", v1::Person::Status_descriptor(), p.status()));
  page.set("department", p.department());
  page.set("job_title", p.job_title());
  page.set("cost_center", p.cost_center());
  if (!p.start_date().empty()) page.set("start_date", DateText(m, p.start_date()));
  if (!p.end_date().empty()) page.set("end_date", DateText(m, p.end_date()));
  page.set("resource", p.name());
  page.set("today", FormatIsoDate(TodayUtc()));
  const bool may_change = Authorize(who, Permission::kWrite).ok();
  page.set("may_offboard", may_change && p.status() != v1::Person::LEFT);

  Labels labels(core.inventory);
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Task> tasks,
                           ListTasks(core, TaskScopeOf(who), kTasksPerList,
                                     [&](v1::ListTasksRequest& r) { r.set_person(p.name()); }));
  const LabelOf label = [&](Kind k, const std::string& n) { return labels.Of(k, n); };
  SetRows(page, "tasks", tasks, [&](const v1::Task& t) {
    PageData row;
    row.set("title", TaskTitle(t, m, label));
    row.set("status", EnumText(m, "task_status_", v1::Task::Status_descriptor(), t.status()));
    row.set("due", DateText(m, t.due_date()));
    return row;
  });

  v1::ListAccountsRequest accounts_request;
  accounts_request.set_person(p.name());
  accounts_request.set_page_size(1000);
  v1::ListAccountsResponse accounts;
  BESTAND_RETURN_IF_ERROR(core.inventory->List(Kind::kAccount, accounts_request, &accounts));
  // Enabling is offered from the first day on while an account of a connected application is
  // disabled (onboarding created it so).
  if (core.connectors && may_change &&
      (p.status() == v1::Person::ONBOARDING || p.status() == v1::Person::ACTIVE) &&
      (p.start_date().empty() || p.start_date() <= FormatIsoDate(TodayUtc()))) {
    BESTAND_ASSIGN_OR_RETURN(auto connected, core.connectors->Connected());
    page.set("may_activate", std::any_of(accounts.accounts().begin(), accounts.accounts().end(),
                                         [&](const v1::Account& a) {
                                           return a.status() == v1::Account::DISABLED &&
                                                  connected.count(a.application()) > 0;
                                         }));
  }
  SetRows(page, "accounts", accounts.accounts(), [&](const v1::Account& a) {
    PageData row;
    row.set("application", labels.OrName(Kind::kApplication, a.application()));
    row.set("username", a.username());
    row.set("status", EnumText(m, "account_status_", v1::Account::Status_descriptor(), a.status()));
    row.set("privileged", YesNo(m, a.privileged()));
    row.set("mfa", YesNo(m, a.mfa_enabled()));
    row.set("last_activity", TimeText(m, a.last_activity_time()));
    return row;
  });

  v1::ListAccessGrantsRequest grants_request;
  grants_request.set_person(p.name());
  grants_request.set_page_size(1000);
  v1::ListAccessGrantsResponse grants;
  BESTAND_RETURN_IF_ERROR(core.inventory->List(Kind::kAccessGrant, grants_request, &grants));
  SetRows(page, "grants", grants.access_grants(), [&](const v1::AccessGrant& g) {
    PageData row;
    row.set("application", labels.OrName(Kind::kApplication, g.application()));
    row.set("role", g.role());
    row.set("since", DateText(m, g.grant_date()));
    row.set("until", DateText(m, g.revoke_date().empty() ? g.expire_date() : g.revoke_date()));
    return row;
  });

  v1::ListLicenseAssignmentsRequest seats_request;
  seats_request.set_person(p.name());
  seats_request.set_page_size(1000);
  v1::ListLicenseAssignmentsResponse seats;
  BESTAND_RETURN_IF_ERROR(core.inventory->List(Kind::kLicenseAssignment, seats_request, &seats));
  SetRows(page, "seats", seats.license_assignments(), [&](const v1::LicenseAssignment& a) {
    PageData row;
    row.set("license", labels.OrName(Kind::kLicense, a.license()));
    row.set("since", DateText(m, a.assign_date()));
    return row;
  });

  v1::ListDevicesRequest devices_request;
  devices_request.set_assignee(p.name());
  devices_request.set_page_size(1000);
  v1::ListDevicesResponse devices;
  BESTAND_RETURN_IF_ERROR(core.inventory->List(Kind::kDevice, devices_request, &devices));
  SetRows(page, "devices", devices.devices(), [&](const v1::Device& d) {
    PageData row;
    row.set("device", DeviceTitle(d));
    row.set("href", absl::StrCat("/", d.name()));
    row.set("serial", d.serial_number().empty() ? m.Text("none") : d.serial_number());
    row.set("status", EnumText(m, "device_status_", v1::Device::Status_descriptor(), d.status()));
    row.set("last_report", TimeText(m, d.last_report_time()));
    return row;
  });

  BESTAND_RETURN_IF_ERROR(SetAuditEvents(page, *core.audit, m, p.name(), 50));
  return page;
}

absl::StatusOr<PageData> TasksPage(const WebCore& core, const Messages& m, const Principal& who,
                                   absl::string_view show, absl::string_view page_token) {
  if (show != "overdue" && show != "done" && show != "all") show = "open";
  const TaskScope scope = TaskScopeOf(who);
  std::string next;
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Task> tasks,
                           ListTasks(
                               core, scope, kTasksPerPage,
                               [&](v1::ListTasksRequest& r) {
                                 r.set_open_only(show == "open");
                                 r.set_overdue_only(show == "overdue");
                                 if (show == "done") r.set_status(v1::Task::DONE);
                                 r.set_page_token(std::string(page_token));
                               },
                               &next));
  const absl::CivilDay today = TodayUtc();
  const bool may_change = AuthorizeTaskChange(who).ok();
  // Which tasks Bestand does itself: those of connected applications.
  std::map<std::string, std::string> connected;
  if (core.connectors) {
    BESTAND_ASSIGN_OR_RETURN(connected, core.connectors->Connected());
  }
  // By provider (the coordinator's own first), overdue first, then by due date.
  Labels labels(core.inventory);
  const LabelOf label = [&](Kind k, const std::string& n) { return labels.Of(k, n); };
  std::map<std::string, std::vector<const v1::Task*>> by_vendor;
  for (const v1::Task& t : tasks) by_vendor[t.vendor()].push_back(&t);
  PageData groups = PageList();
  int group_id = 0;
  for (auto& [vendor, list] : by_vendor) {
    std::stable_sort(list.begin(), list.end(), [&](const v1::Task* a, const v1::Task* b) {
      const bool ao = IsOverdue(*a, today), bo = IsOverdue(*b, today);
      if (ao != bo) return ao;
      if (a->due_date().empty() != b->due_date().empty()) return b->due_date().empty();
      return a->due_date() < b->due_date();
    });
    PageData rows = PageList();
    for (const v1::Task* t : list) {
      PageData row;
      row.set("id", std::string(absl::StripPrefix(t->name(), "tasks/")));
      row.set("title", TaskTitle(*t, m, label));
      row.set("status", EnumText(m, "task_status_", v1::Task::Status_descriptor(), t->status()));
      if (!t->due_date().empty()) {
        row.set("due", DateText(m, t->due_date()));
        row.set("due_iso", t->due_date());
      }
      row.set("overdue", IsOverdue(*t, today));
      if (!t->person().empty()) row.set("person", labels.OrName(Kind::kPerson, t->person()));
      if (!t->acceptance().empty()) {
        row.set("acceptance", m.Format("done_means", {{"acceptance", t->acceptance()}}));
      }
      if (!t->evidence().empty()) {
        row.set("evidence", m.Format("evidence_given", {{"evidence", t->evidence()}}));
      }
      // The connectors' evidence starts "Bestand via LDAP (…)" (connector_tasks.cc).
      for (const char* protocol : {"LDAP", "SCIM"}) {
        if (t->status() >= v1::Task::DONE &&
            absl::StartsWith(t->evidence(), absl::StrCat("Bestand via ", protocol, " ("))) {
          row.set("by_bestand", m.Format("task_done_by_bestand", {{"protocol", protocol}}));
        }
      }
      if (auto c = connected.find(t->application());
          c != connected.end() && Connectors::ActsOn(*t) && t->connector_error().empty()) {
        row.set("by_bestand", m.Format("task_bestand_does_it", {{"protocol", c->second}}));
      }
      if (!t->connector_error().empty()) {
        row.set("connector_error",
                m.Format("connector_error_on_task", {{"error", t->connector_error()}}));
      }
      row.set("may_finish", may_change && t->status() < v1::Task::DONE);
      row.set("may_accept", scope.may_accept && t->status() == v1::Task::DONE);
      rows.push_back(row);
    }
    PageData group;
    group.set("id", absl::StrCat(group_id++));
    group.set("provider",
              vendor.empty() ? m.Text("tasks_in_house") : labels.OrName(Kind::kVendor, vendor));
    group.set("count", m.Format("tasks_count", {{"count", static_cast<int64_t>(list.size())}}));
    group.set("tasks", rows);
    groups.push_back(group);
  }
  PageData page;
  if (!tasks.empty()) page.set("groups", groups);
  if (!next.empty()) {
    page.set("next_href", absl::StrCat("/tasks?show=", show,
                                       "&page=", httplib::detail::encode_query_param(next)));
  }
  PageData filters = PageList();
  for (const char* key : {"open", "overdue", "done", "all"}) {
    PageData f;
    f.set("key", key);
    f.set("label", m.Text(absl::StrCat("show_", key)));
    f.set("current", show == key);
    filters.push_back(f);
  }
  page.set("filters", filters);
  return page;
}

absl::StatusOr<std::string> TasksCsv(const WebCore& core, const Principal& who) {
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Task> tasks,
                           ListTasks(core, TaskScopeOf(who), kTasksPerList,
                                     [](v1::ListTasksRequest& r) { r.set_open_only(true); }));
  Labels labels(core.inventory);
  std::map<std::string, std::string> emails;
  std::string out = "task,title,person,vendor,due_date,status,acceptance\n";
  for (const v1::Task& t : tasks) {
    std::string email;
    if (!t.person().empty()) {
      auto it = emails.find(t.person());
      if (it == emails.end()) {
        v1::Person p;
        it = emails
                 .emplace(t.person(), core.inventory->Get(Kind::kPerson, t.person(), &p).ok()
                                          ? p.email()
                                          : t.person())
                 .first;
      }
      email = it->second;
    }
    const std::string status = absl::AsciiStrToLower(v1::Task::Status_Name(t.status()));
    for (const std::string& field :
         {t.name(), t.title(), email, labels.OrName(Kind::kVendor, t.vendor()), t.due_date(),
          status, t.acceptance()}) {
      absl::StrAppend(&out, CsvEscape(field), ",");
    }
    out.back() = '\n';
  }
  return out;
}

}  // namespace bestand
