#include "client/html_report.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/i18n/report_texts.h"

namespace bestand {
namespace {

std::string Esc(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

std::string Page(const Messages& m, absl::string_view title, absl::string_view body) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"", LangCode(m.lang()),
      "\"><head><meta charset=\"utf-8\">\n<title>", Esc(title),
      "</title>\n<style>\n"
      "@page { size: A4; margin: 15mm; }\n"
      "body { font-family: sans-serif; font-size: 10.5pt; color: #222; max-width: 180mm; "
      "margin: 0 auto; }\n"
      "h1 { font-size: 18pt; margin-bottom: 2pt; } h2 { font-size: 13pt; margin-top: 16pt; "
      "border-bottom: 1px solid #ccc; }\n"
      "table { border-collapse: collapse; width: 100%; margin: 6pt 0; page-break-inside: auto; }\n"
      "th, td { text-align: left; padding: 3pt 5pt; border-bottom: 1px solid #e4e4e4; "
      "vertical-align: top; }\n"
      "td.n, th.n { text-align: right; white-space: nowrap; }\n"
      "table.wide { font-size: 8.5pt; } table.wide th, table.wide td { padding: 2pt 3pt; }\n"
      "tr { page-break-inside: avoid; } .muted { color: #777; } .bad { color: #b00020; "
      "font-weight: bold; }\n"
      ".kpi { display: inline-block; margin: 4pt 18pt 4pt 0; } .kpi b { display: block; "
      "font-size: 16pt; }\n"
      "svg { display: block; margin: 6pt 0; } svg text { font-size: 9px; font-family: sans-serif; "
      "}\n"
      "</style></head><body>\n",
      body, "\n</body></html>\n");
}

struct Bar {
  std::string label;
  std::string currency;
  int64_t minor = 0;
};

// Horizontal bar charts of amounts: one chart per currency, so that bars of different
// currencies are never drawn on one scale.
std::string BarChart(const Messages& m, absl::string_view title, const std::vector<Bar>& bars) {
  if (bars.empty())
    return absl::StrCat("<p class=\"muted\">", Esc(m.Text("report_no_chart")), "</p>");
  std::map<std::string, std::vector<const Bar*>> by_currency;
  for (const Bar& b : bars) by_currency[b.currency].push_back(&b);
  std::string out;
  const int label_w = 190, bar_w = 330, row_h = 18;
  for (const auto& [currency, rows] : by_currency) {
    int64_t max = 1;
    for (const Bar* b : rows) max = std::max(max, b->minor);
    const int height = row_h * static_cast<int>(rows.size()) + 4;
    const std::string label =
        by_currency.size() > 1 ? absl::StrCat(title, " (", currency, ")") : std::string(title);
    absl::StrAppendFormat(
        &out,
        "<svg role=\"img\" aria-label=\"%s\" width=\"640\" height=\"%d\" viewBox=\"0 0 640 %d\">",
        Esc(label), height, height);
    for (size_t i = 0; i < rows.size(); ++i) {
      const int y = static_cast<int>(i) * row_h + 2;
      const int w = static_cast<int>(bar_w * static_cast<double>(rows[i]->minor) / max);
      absl::StrAppendFormat(&out,
                            "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
                            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#3b6ea5\"/>"
                            "<text x=\"%d\" y=\"%d\">%s</text>",
                            label_w - 6, y + 12, Esc(rows[i]->label.substr(0, 40)), label_w, y,
                            std::max(w, 1), row_h - 5, label_w + std::max(w, 1) + 4, y + 12,
                            Esc(m.Money(rows[i]->minor, currency)));
    }
    out += "</svg>";
  }
  return out;
}

// Cancellation deadlines on a line from today: missed ones red, at the start.
std::string Timeline(const Messages& m,
                     const google::protobuf::RepeatedPtrField<v1::Renewal>& renewals) {
  if (renewals.empty()) {
    return absl::StrCat("<p class=\"muted\">", Esc(m.Text("report_no_deadlines")), "</p>");
  }
  int max_days = 30;
  for (const v1::Renewal& r : renewals) max_days = std::max(max_days, r.days_left());
  const int left = 20, width = 600, row_h = 16;
  const int height = row_h * renewals.size() + 24;
  std::string svg = absl::StrFormat(
      "<svg role=\"img\" aria-label=\"%s\" width=\"640\" height=\"%d\" "
      "viewBox=\"0 0 640 %d\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
      "<text x=\"%d\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
      Esc(m.Text("report_timeline")), height, height, left, height - 14, left + width, height - 14,
      left, height - 2, Esc(m.Text("report_today")), left + width, height - 2,
      Esc(m.Format("report_in_days", {{"days", int64_t{max_days}}})));
  int i = 0;
  for (const v1::Renewal& r : renewals) {
    const int x = left + width * std::max(0, r.days_left()) / max_days;
    const int y = i++ * row_h + 10;
    absl::StrAppendFormat(&svg,
                          "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\">%s %s</text>",
                          x, y, r.missed() ? "#b00020" : "#3b6ea5", std::min(x + 7, 470), y + 3,
                          Esc(DateText(m, r.cancellation_deadline())),
                          Esc(r.display_name().substr(0, 40)));
  }
  return svg + "</svg>";
}

std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows,
                  const std::vector<bool>& numeric, bool wide = false) {
  std::string t = wide ? "<table class=\"wide\"><thead><tr>" : "<table><thead><tr>";
  for (size_t i = 0; i < header.size(); ++i) {
    absl::StrAppend(&t, numeric[i] ? "<th class=\"n\">" : "<th>", Esc(header[i]), "</th>");
  }
  t += "</tr></thead><tbody>";
  for (const auto& row : rows) {
    t += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&t, numeric[i] ? "<td class=\"n\">" : "<td>", row[i], "</td>");
    }
    t += "</tr>";
  }
  return t + "</tbody></table>";
}

std::string Seats(const Messages& m, const v1::LicenseUsage& u) {
  return u.unlimited() ? m.Text("seats_unlimited") : m.Number(u.seats());
}

std::string LicenseTable(const Messages& m, const v1::LicenseReport& r) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::LicenseUsage& u : r.licenses()) {
    bool act = false;
    const std::string recommendation = RecommendationText(m, u, &act);
    rows.push_back({Esc(u.display_name()), Seats(m, u), m.Number(u.assigned()),
                    m.Number(u.active()), m.Number(u.idle()), m.Number(u.leavers()),
                    m.Number(u.unassigned()), Esc(m.Money(u.annual_cost_minor(), u.currency())),
                    Esc(m.Money(u.annual_waste_minor(), u.currency())),
                    absl::StrCat(act ? "<b>" : "", Esc(recommendation), act ? "</b>" : "",
                                 u.reclaimable().empty()
                                     ? ""
                                     : "<br><span class=\"muted\">" +
                                           Esc(absl::StrJoin(u.reclaimable(), ", ")) + "</span>")});
  }
  return Table(
      {m.Text("col_license"), m.Text("col_seats"), m.Text("col_assigned"), m.Text("col_active"),
       m.Text("col_idle"), m.Text("col_leavers"), m.Text("col_unassigned"),
       m.Text("col_annual_cost"), m.Text("col_waste"), m.Text("col_recommendation")},
      rows, {false, true, true, true, true, true, true, true, true, false}, /*wide=*/true);
}

std::string RenewalTable(const Messages& m,
                         const google::protobuf::RepeatedPtrField<v1::Renewal>& renewals) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::Renewal& r : renewals) {
    rows.push_back({Esc(r.display_name()),
                    r.missed() ? absl::StrCat("<span class=\"bad\">",
                                              Esc(DateText(m, r.cancellation_deadline())), " (",
                                              Esc(m.Text("deadline_missed")), ")</span>")
                               : Esc(DateText(m, r.cancellation_deadline())),
                    Esc(DateText(m, r.term_end())),
                    Esc(m.Text(r.auto_renew() ? "renews_itself" : "ends_itself")),
                    Esc(m.Money(r.next_term_cost_minor(), r.currency()))});
  }
  return Table({m.Text("col_license"), m.Text("report_cancel_by"), m.Text("col_term_end"),
                m.Text("report_at_term_end"), m.Text("col_next_term")},
               rows, {false, false, false, false, true});
}

std::vector<Bar> WasteBars(const v1::LicenseReport& r) {
  std::vector<Bar> bars;
  for (const v1::LicenseUsage& u : r.licenses()) {
    if (u.annual_waste_minor() > 0 && bars.size() < 15) {
      bars.push_back({u.display_name(), u.currency(), u.annual_waste_minor()});
    }
  }
  return bars;
}

// A key figure: the catalog's `label` over the totals, the figure's element carrying `id`.
std::string Kpi(const Messages& m, absl::string_view label, absl::string_view id,
                const google::protobuf::RepeatedPtrField<v1::Money>& totals) {
  return absl::StrCat("<div class=\"kpi\">", Esc(m.Text(label)), "<b id=\"", id, "\">",
                      Esc(TotalsText(m, totals)), "</b></div>");
}

}  // namespace

std::string HtmlSummary(const v1::SummaryReport& r, const Messages& m) {
  const std::string created =
      r.create_time().seconds()
          ? m.Date(absl::ToCivilDay(absl::FromUnixSeconds(r.create_time().seconds()),
                                    absl::UTCTimeZone()))
          : "";
  std::string body =
      absl::StrCat("<h1>", Esc(m.Text("report_summary_title")), "</h1><p class=\"muted\">",
                   Esc(m.Format("report_summary_of", {{"date", created}})), "</p>",
                   Kpi(m, "report_annual_spend", "annual-spend", r.annual_spend()),
                   Kpi(m, "report_annual_waste", "annual-waste", r.annual_waste()),
                   Kpi(m, "report_possible_saving", "total-savings", r.total_savings()));
  for (const std::string& risk : r.compliance_risks()) {
    absl::StrAppend(&body, "<p class=\"bad\">",
                    Esc(m.Format("report_compliance_risk", {{"risk", risk}})), "</p>");
  }
  absl::StrAppend(&body, "<h2>", Esc(m.Text("top_savings_title")), "</h2><p class=\"muted\">",
                  Esc(m.Text("report_seats_once")), "</p>");
  std::vector<std::vector<std::string>> rows;
  for (const v1::Saving& s : r.top_savings()) {
    rows.push_back({Esc(SavingText(m, s)), Esc(m.Money(s.annual_minor(), s.currency()))});
  }
  body += rows.empty()
              ? absl::StrCat("<p class=\"muted\">", Esc(m.Text("report_none_found")), "</p>")
              : Table({m.Text("col_what"), m.Text("report_per_year")}, rows, {false, true});
  absl::StrAppend(&body, "<h2>", Esc(m.Text("deadlines_title")), "</h2>",
                  Timeline(m, r.upcoming_deadlines()), RenewalTable(m, r.upcoming_deadlines()));
  std::vector<Bar> categories;
  for (const v1::CostLine& l : r.spend_by_category()) {
    const bool none = l.group().empty() || l.group() == "(none)";
    categories.push_back(
        {none ? m.Text("no_category") : l.group(), l.currency(), l.annual_minor()});
  }
  const std::string& by_category = m.Text("report_spend_by_category");
  const std::string& waste = m.Text("report_waste_by_license");
  absl::StrAppend(
      &body, "<h2>", Esc(by_category), "</h2>", BarChart(m, by_category, categories), "<h2>",
      Esc(waste), "</h2>", BarChart(m, waste, WasteBars(r.licenses())), "<h2>",
      Esc(m.Text("licenses_title")), "</h2><p class=\"muted\">",
      Esc(m.Format("licenses_idle_note", {{"days", int64_t{r.licenses().inactive_days()}}})),
      "</p>", LicenseTable(m, r.licenses()));
  return Page(m, m.Text("report_summary_title"), body);
}

std::string HtmlLicenses(const v1::LicenseReport& r, const Messages& m) {
  const std::string& waste = m.Text("report_waste_by_license");
  std::string body = absl::StrCat("<h1>", Esc(m.Text("licenses_title")), "</h1>",
                                  Kpi(m, "report_annual_cost", "annual-cost", r.annual_cost()),
                                  Kpi(m, "report_annual_waste", "annual-waste", r.annual_waste()),
                                  BarChart(m, waste, WasteBars(r)), LicenseTable(m, r));
  return Page(m, m.Text("licenses_title"), body);
}

std::string HtmlRenewals(const v1::RenewalReport& r, const Messages& m) {
  const std::string title = m.Format("report_renewals_title", {{"days", int64_t{r.within_days()}}});
  return Page(m, title,
              absl::StrCat("<h1>", Esc(title), "</h1>", Timeline(m, r.renewals()),
                           RenewalTable(m, r.renewals())));
}

std::string HtmlCosts(const v1::CostReport& r, const Messages& m) {
  std::vector<std::vector<std::string>> rows;
  std::vector<Bar> bars;
  for (const v1::CostLine& l : r.lines()) {
    rows.push_back({Esc(l.group()), Esc(m.Money(l.monthly_minor(), l.currency())),
                    Esc(m.Money(l.annual_minor(), l.currency()))});
    if (bars.size() < 15) bars.push_back({l.group(), l.currency(), l.annual_minor()});
  }
  rows.push_back({"<b>" + Esc(m.Text("total")) + "</b>",
                  "<b id=\"monthly-total\">" + Esc(TotalsText(m, r.monthly_total())) + "</b>",
                  "<b id=\"annual-total\">" + Esc(TotalsText(m, r.annual_total())) + "</b>"});
  const std::string title = m.Format("report_costs_title", {{"by", r.by()}});
  return Page(
      m, title,
      absl::StrCat("<h1>", Esc(title), "</h1>", BarChart(m, m.Text("col_annual_cost"), bars),
                   Table({r.by(), m.Text("report_monthly"), m.Text("report_annual")}, rows,
                         {false, true, true})));
}

std::string HtmlOverlaps(const v1::OverlapReport& r, const Messages& m) {
  std::string body = absl::StrCat("<h1>", Esc(m.Text("report_overlaps_title")), "</h1>",
                                  Kpi(m, "report_possible_saving", "saving", r.saving()));
  for (const v1::Overlap& o : r.overlaps()) {
    std::vector<std::vector<std::string>> rows;
    for (const v1::OverlapApp& a : o.applications()) {
      rows.push_back(
          {Esc(a.display_name()), m.Number(a.users()), Esc(TotalsText(m, a.annual_cost()))});
    }
    absl::StrAppend(
        &body, "<h2>", Esc(o.category()), "</h2>",
        Table({m.Text("col_application"), m.Text("report_users"), m.Text("col_annual_cost")}, rows,
              {false, true, true}),
        "<p>",
        Esc(m.Format("report_overlap_keep",
                     {{"keep", o.keep()}, {"saving", TotalsText(m, o.saving())}})),
        o.people_in_several().empty()
            ? ""
            : " " + Esc(m.Format("report_overlap_several",
                                 {{"people", absl::StrJoin(o.people_in_several(), ", ")}})),
        "</p>");
  }
  return Page(m, m.Text("report_overlaps_title"), body);
}

std::string HtmlCompliance(const v1::ComplianceReport& r, const Messages& m) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::ProductCompliance& p : r.products()) {
    rows.push_back(
        {Esc(p.product()), m.Number(p.installs()),
         p.seats() < 0 ? Esc(m.Text("seats_unlimited")) : m.Number(p.seats()),
         p.difference() > 0 ? absl::StrCat("<span class=\"bad\">",
                                           Esc(m.Format("report_unlicensed",
                                                        {{"count", int64_t{p.difference()}}})),
                                           "</span>")
         : p.difference() < 0
             ? Esc(m.Format("report_unused_seats", {{"count", int64_t{-p.difference()}}}))
             : Esc(m.Text("report_ok")),
         Esc(absl::StrJoin(p.unlicensed_devices(), ", "))});
  }
  return Page(
      m, m.Text("report_compliance_title"),
      absl::StrCat("<h1>", Esc(m.Text("report_compliance_title")), "</h1>",
                   Table({m.Text("report_product"), m.Text("report_installs"), m.Text("col_seats"),
                          m.Text("col_status"), m.Text("report_unlicensed_devices")},
                         rows, {false, true, true, false, false})));
}

}  // namespace bestand
