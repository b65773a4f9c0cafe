// The pages that oversee the company: applications and vendors, renewals as a timeline, risky
// access (the findings), and the audit trail with its verification.
#include <httplib.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "bestand/v1/audit.pb.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/report.pb.h"
#include "bestand/v1/workflow.pb.h"
#include "common/money.h"
#include "common/resources.h"
#include "common/status_macros.h"
#include "server/web/labels.h"
#include "server/web/page_text.h"
#include "server/web/pages.h"

namespace bestand {
namespace {

// A link to `name` where the web interface has a page for it ("people/4", "devices/9").
std::string PageOf(const std::string& name) {
  if (absl::StartsWith(name, "people/") || absl::StartsWith(name, "devices/")) {
    return absl::StrCat("/", name);
  }
  return "";
}

// `url` when people may follow it: http(s) only (never javascript: or data:). Values a section
// tests ({{#url}}) are set only when not empty: an empty string counts as set.
std::string WebAddress(const std::string& url) {
  return absl::StartsWithIgnoreCase(url, "https://") || absl::StartsWithIgnoreCase(url, "http://")
             ? url
             : "";
}

// The label of the resource a name refers to, by its collection.
std::string LabelOf(Labels& labels, const std::string& name) {
  const ResourceSpec* spec = SpecByCollection(name.substr(0, name.find('/')));
  return spec == nullptr ? name : labels.OrName(spec->kind, name);
}

}  // namespace

absl::StatusOr<PageData> ApplicationsPage(const WebCore& core, const Messages& m) {
  Labels labels(core.inventory);
  PageData page;
  v1::ListApplicationsRequest apps_request;
  apps_request.set_page_size(kCatalogRows);
  v1::ListApplicationsResponse apps;
  BESTAND_RETURN_IF_ERROR(core.inventory->List(Kind::kApplication, apps_request, &apps));
  SetRows(page, "applications", apps.applications(), [&](const v1::Application& a) {
    PageData row;
    row.set("name", a.display_name());
    if (!WebAddress(a.url()).empty()) row.set("url", a.url());
    row.set("category", a.category().empty() ? m.Text("none") : a.category());
    row.set("hosting", EnumText(m, "hosting_", v1::Application::Hosting_descriptor(), a.hosting()));
    row.set("vendor",
            a.vendor().empty() ? m.Text("none") : labels.OrName(Kind::kVendor, a.vendor()));
    row.set("owner", a.owner().empty() ? m.Text("none") : labels.OrName(Kind::kPerson, a.owner()));
    if (!a.owner().empty()) row.set("owner_href", absl::StrCat("/", a.owner()));
    row.set("mfa", YesNo(m, a.mfa_enforced()));
    row.set("scim", YesNo(m, a.supports_scim()));
    return row;
  });
  page.set("applications_more", !apps.next_page_token().empty());

  v1::ListVendorsRequest vendors_request;
  vendors_request.set_page_size(kCatalogRows);
  v1::ListVendorsResponse vendors;
  BESTAND_RETURN_IF_ERROR(core.inventory->List(Kind::kVendor, vendors_request, &vendors));
  SetRows(page, "vendors", vendors.vendors(), [&](const v1::Vendor& v) {
    PageData row;
    row.set("name", v.display_name());
    row.set("kind", EnumText(m, "vendor_kind_", v1::Vendor::Kind_descriptor(), v.kind()));
    row.set("contact", v.contact_name().empty() ? m.Text("none") : v.contact_name());
    if (!v.contact_email().empty()) row.set("email", v.contact_email());
    row.set("phone", v.contact_phone().empty() ? m.Text("none") : v.contact_phone());
    row.set("customer_number", v.customer_number().empty() ? m.Text("none") : v.customer_number());
    row.set("responsibilities",
            v.responsibilities().empty() ? m.Text("none") : v.responsibilities());
    if (!WebAddress(v.website()).empty()) row.set("website", v.website());
    return row;
  });
  page.set("vendors_more", !vendors.next_page_token().empty());
  return page;
}

absl::StatusOr<PageData> RenewalsPage(const v1::RenewalReport& r, const Messages& m) {
  PageData page;
  page.set("intro", m.Format("renewals_intro", {{"days", int64_t{r.within_days()}}}));
  // Missed deadlines first, then one group per month of the deadline; the report is sorted by
  // deadline. Each group totals its next terms per currency.
  struct Group {
    std::string title;
    PageData items = PageList();
    std::map<std::string, int64_t> totals;
  };
  std::vector<Group> groups;
  std::string current;
  for (const v1::Renewal& d : r.renewals()) {
    absl::CivilDay day;
    const bool dated = absl::ParseCivilTime(d.cancellation_deadline(), &day);
    const std::string key = d.missed() ? "missed"
                            : dated    ? absl::FormatCivilTime(absl::CivilMonth(day))
                                       : "undated";
    if (groups.empty() || key != current) {
      current = key;
      groups.emplace_back();
      groups.back().title = d.missed() ? m.Text("renewals_missed")
                            : dated    ? m.Month(absl::CivilMonth(day))
                                       : m.Text("none");
    }
    Group& g = groups.back();
    g.items.push_back(RenewalItem(m, d));
    BESTAND_ASSIGN_OR_RETURN(
        g.totals[d.currency()],
        CheckedAdd(g.totals[d.currency()], d.next_term_cost_minor(), "renewals of a month"));
  }
  PageData list = PageList();
  for (Group& g : groups) {
    PageData group;
    group.set("title", g.title);
    group.set("items", g.items);
    PageData totals = PageList();
    for (const auto& [currency, minor] : g.totals)
      totals.push_back(PageData(m.Money(minor, currency)));
    group.set("totals", totals);
    list.push_back(group);
  }
  page.set("has_groups", !groups.empty());
  page.set("groups", list);
  return page;
}

absl::StatusOr<PageData> FindingsPage(const WebCore& core, const Messages& m) {
  BESTAND_ASSIGN_OR_RETURN(v1::ListFindingsResponse findings, core.workflow->ListFindings());
  Labels labels(core.inventory);
  const FindingGroups by_kind = GroupByKind(findings);
  PageData groups = PageList();
  int id = 0;
  for (const auto& [kind, list] : by_kind) {
    const std::string key = absl::StrReplaceAll(kind, {{" ", "_"}});
    PageData group;
    group.set("id", absl::StrCat(id++));
    group.set("title", m.Format("finding_group", {{"kind", m.Text("finding_" + key)},
                                                  {"count", static_cast<int64_t>(list.size())}}));
    group.set("hint", m.Text("finding_hint_" + key));
    PageData rows = PageList();
    for (const v1::Finding* f : list) {
      PageData row;
      row.set("person",
              f->person().empty() ? m.Text("none") : labels.OrName(Kind::kPerson, f->person()));
      if (!f->person().empty()) row.set("person_href", absl::StrCat("/", f->person()));
      const ResourceSpec* spec = SpecByCollection(f->resource().substr(0, f->resource().find('/')));
      row.set("what",
              spec == nullptr ? m.Text("none") : m.Text(absl::StrCat("noun_", spec->collection)));
      row.set("resource", LabelOf(labels, f->resource()));
      if (!PageOf(f->resource()).empty()) row.set("resource_href", PageOf(f->resource()));
      row.set("description", f->description());
      rows.push_back(row);
    }
    group.set("findings", rows);
    groups.push_back(group);
  }
  PageData page;
  page.set("has_groups", !by_kind.empty());
  page.set("groups", groups);
  // The core says each finding in English; German readers have the columns and the hint.
  page.set("show_details", m.lang() == Lang::kEn);
  return page;
}

absl::StatusOr<PageData> AuditPage(const WebCore& core, const Messages& m,
                                   absl::string_view page_token, bool verify) {
  PageData page;
  if (verify) {
    BESTAND_ASSIGN_OR_RETURN(v1::VerifyAuditResponse v, core.audit->Verify({}));
    PageData result;
    result.set("ok", v.ok());
    result.set("summary", m.Format(v.ok() ? "audit_verified" : "audit_broken",
                                   {{"events", v.events_checked()},
                                    {"resources", v.resources_checked()},
                                    {"problems", static_cast<int64_t>(v.problems_size())}}));
    PageData problems = PageList();
    for (const std::string& p : v.problems()) problems.push_back(PageData(p));
    result.set("problems", problems);
    result.set("head", v.head().empty() ? m.Text("none") : v.head());
    page.set("verification", result);
  }
  v1::ListAuditEventsRequest request;
  request.set_page_size(kAuditPerPage);
  request.set_page_token(std::string(page_token));
  BESTAND_ASSIGN_OR_RETURN(v1::ListAuditEventsResponse events, core.audit->List(request));
  Labels labels(core.inventory);
  SetRows(page, "events", events.events(), [&](const v1::AuditEvent& e) {
    PageData row;
    row.set("sequence", m.Number(e.sequence()));
    row.set("time", TimeText(m, e.time()));
    row.set("actor", e.actor());
    row.set("action", e.action());
    row.set("resource", e.resource());
    if (!PageOf(e.resource()).empty()) row.set("resource_href", PageOf(e.resource()));
    return row;
  });
  if (!events.events().empty() && page_token.empty()) {
    // The chain head as the newest event names it, to compare with one kept elsewhere.
    const v1::AuditEvent& newest = events.events(0);
    page.set("head", absl::StrCat(newest.sequence(), ":", newest.hash()));
  }
  if (!events.next_page_token().empty()) {
    page.set("next_href", absl::StrCat("/audit?page=", httplib::detail::encode_query_param(
                                                           events.next_page_token())));
  }
  return page;
}

}  // namespace bestand
