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
#include "absl/time/time.h"
#include "common/money.h"
#include "common/time.h"

namespace bestand {
namespace {

std::string Esc(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

std::string Page(absl::string_view title, absl::string_view body) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", Esc(title),
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
std::string BarChart(absl::string_view title, const std::vector<Bar>& bars) {
  if (bars.empty()) return "<p class=\"muted\">Nothing to chart.</p>";
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
                            Esc(FormatMoney(rows[i]->minor, currency)));
    }
    out += "</svg>";
  }
  return out;
}

// Cancellation deadlines on a line from today: missed ones red, at the start.
std::string Timeline(const google::protobuf::RepeatedPtrField<v1::Renewal>& renewals) {
  if (renewals.empty()) return "<p class=\"muted\">No deadlines in the window.</p>";
  int max_days = 30;
  for (const v1::Renewal& r : renewals) max_days = std::max(max_days, r.days_left());
  const int left = 20, width = 600, row_h = 16;
  const int height = row_h * renewals.size() + 24;
  std::string svg = absl::StrFormat(
      "<svg role=\"img\" aria-label=\"Renewal timeline\" width=\"640\" height=\"%d\" "
      "viewBox=\"0 0 640 %d\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
      "<text x=\"%d\" y=\"%d\">today</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">+%d "
      "days</text>",
      height, height, left, height - 14, left + width, height - 14, left, height - 2, left + width,
      height - 2, max_days);
  int i = 0;
  for (const v1::Renewal& r : renewals) {
    const int x = left + width * std::max(0, r.days_left()) / max_days;
    const int y = i++ * row_h + 10;
    absl::StrAppendFormat(&svg,
                          "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\">%s %s</text>",
                          x, y, r.missed() ? "#b00020" : "#3b6ea5", std::min(x + 7, 470), y + 3,
                          Esc(r.cancellation_deadline()), Esc(r.display_name().substr(0, 40)));
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

std::string Seats(const v1::LicenseUsage& u) {
  return u.unlimited() ? "unlimited" : absl::StrCat(u.seats());
}

std::string LicenseTable(const v1::LicenseReport& r) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::LicenseUsage& u : r.licenses()) {
    rows.push_back({Esc(u.display_name()), Seats(u), absl::StrCat(u.assigned()),
                    absl::StrCat(u.active()), absl::StrCat(u.idle()), absl::StrCat(u.leavers()),
                    absl::StrCat(u.unassigned()),
                    Esc(FormatMoney(u.annual_cost_minor(), u.currency())),
                    Esc(FormatMoney(u.annual_waste_minor(), u.currency())),
                    absl::StrCat("<b>", Esc(u.recommendation()), "</b>",
                                 u.reclaimable().empty()
                                     ? ""
                                     : "<br><span class=\"muted\">" +
                                           Esc(absl::StrJoin(u.reclaimable(), ", ")) + "</span>")});
  }
  return Table({"License", "Seats", "Assigned", "Active", "Idle", "Leavers", "Free", "Annual cost",
                "Annual waste", "Recommendation"},
               rows, {false, true, true, true, true, true, true, true, true, false}, /*wide=*/true);
}

std::string RenewalTable(const google::protobuf::RepeatedPtrField<v1::Renewal>& renewals) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::Renewal& r : renewals) {
    rows.push_back(
        {Esc(r.display_name()),
         r.missed() ? "<span class=\"bad\">" + Esc(r.cancellation_deadline()) + " (missed)</span>"
                    : Esc(r.cancellation_deadline()),
         Esc(r.term_end()), r.auto_renew() ? "renews" : "ends",
         Esc(FormatMoney(r.next_term_cost_minor(), r.currency()))});
  }
  return Table({"License", "Cancel by", "Term end", "At term end", "Next term"}, rows,
               {false, false, false, false, true});
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

}  // namespace

std::string HtmlSummary(const v1::SummaryReport& r) {
  std::string body =
      absl::StrCat("<h1>Software spend and savings</h1><p class=\"muted\">Bestand summary, ",
                   Esc(r.create_time().seconds()
                           ? FormatIsoDate(absl::FromUnixSeconds(r.create_time().seconds()))
                           : ""),
                   "</p><div class=\"kpi\">Annual spend<b id=\"annual-spend\">",
                   Esc(FormatTotals(r.annual_spend())),
                   "</b></div><div class=\"kpi\">Annual waste<b id=\"annual-waste\">",
                   Esc(FormatTotals(r.annual_waste())),
                   "</b></div><div class=\"kpi\">Possible saving<b id=\"total-savings\">",
                   Esc(FormatTotals(r.total_savings())), "</b></div>");
  for (const std::string& risk : r.compliance_risks()) {
    absl::StrAppend(&body, "<p class=\"bad\">Compliance risk: ", Esc(risk), "</p>");
  }
  body += "<h2>Top savings</h2><p class=\"muted\">Each seat is counted once.</p>";
  std::vector<std::vector<std::string>> rows;
  for (const v1::Saving& s : r.top_savings()) {
    rows.push_back({Esc(s.what()), Esc(FormatMoney(s.annual_minor(), s.currency()))});
  }
  body += rows.empty() ? "<p class=\"muted\">None found.</p>"
                       : Table({"What", "Per year"}, rows, {false, true});
  body += "<h2>Upcoming cancellation deadlines</h2>" + Timeline(r.upcoming_deadlines()) +
          RenewalTable(r.upcoming_deadlines());
  std::vector<Bar> categories;
  for (const v1::CostLine& l : r.spend_by_category()) {
    categories.push_back({l.group(), l.currency(), l.annual_minor()});
  }
  body += "<h2>Spend by category</h2>" + BarChart("Spend by category", categories);
  body += "<h2>Waste by license</h2>" + BarChart("Waste by license", WasteBars(r.licenses()));
  body += absl::StrCat("<h2>Licenses</h2><p class=\"muted\">Idle: no activity for ",
                       r.licenses().inactive_days(), " days.</p>", LicenseTable(r.licenses()));
  return Page("Bestand summary", body);
}

std::string HtmlLicenses(const v1::LicenseReport& r) {
  std::string body =
      absl::StrCat("<h1>Licenses</h1><div class=\"kpi\">Annual cost<b id=\"annual-cost\">",
                   Esc(FormatTotals(r.annual_cost())),
                   "</b></div><div class=\"kpi\">Annual waste<b id=\"annual-waste\">",
                   Esc(FormatTotals(r.annual_waste())), "</b></div>",
                   BarChart("Waste by license", WasteBars(r)), LicenseTable(r));
  return Page("Bestand licenses", body);
}

std::string HtmlRenewals(const v1::RenewalReport& r) {
  return Page("Bestand renewals",
              absl::StrCat("<h1>Renewals within ", r.within_days(), " days</h1>",
                           Timeline(r.renewals()), RenewalTable(r.renewals())));
}

std::string HtmlCosts(const v1::CostReport& r) {
  std::vector<std::vector<std::string>> rows;
  std::vector<Bar> bars;
  for (const v1::CostLine& l : r.lines()) {
    rows.push_back({Esc(l.group()), Esc(FormatMoney(l.monthly_minor(), l.currency())),
                    Esc(FormatMoney(l.annual_minor(), l.currency()))});
    if (bars.size() < 15) bars.push_back({l.group(), l.currency(), l.annual_minor()});
  }
  rows.push_back({"<b>Total</b>",
                  "<b id=\"monthly-total\">" + Esc(FormatTotals(r.monthly_total())) + "</b>",
                  "<b id=\"annual-total\">" + Esc(FormatTotals(r.annual_total())) + "</b>"});
  return Page("Bestand costs",
              absl::StrCat("<h1>Costs by ", Esc(r.by()), "</h1>", BarChart("Annual cost", bars),
                           Table({r.by(), "Monthly", "Annual"}, rows, {false, true, true})));
}

std::string HtmlOverlaps(const v1::OverlapReport& r) {
  std::string body =
      absl::StrCat("<h1>Overlapping tools</h1><div class=\"kpi\">Possible saving<b id=\"saving\">",
                   Esc(FormatTotals(r.saving())), "</b></div>");
  for (const v1::Overlap& o : r.overlaps()) {
    std::vector<std::vector<std::string>> rows;
    for (const v1::OverlapApp& a : o.applications()) {
      rows.push_back(
          {Esc(a.display_name()), absl::StrCat(a.users()), Esc(FormatTotals(a.annual_cost()))});
    }
    absl::StrAppend(
        &body, "<h2>", Esc(o.category()), "</h2>",
        Table({"Application", "Users", "Annual cost"}, rows, {false, true, true}), "<p>Keep <b>",
        Esc(o.keep()), "</b>: saves ", Esc(FormatTotals(o.saving())), " a year.",
        o.people_in_several().empty()
            ? ""
            : " People using several: " + Esc(absl::StrJoin(o.people_in_several(), ", ")),
        "</p>");
  }
  return Page("Bestand overlaps", body);
}

std::string HtmlCompliance(const v1::ComplianceReport& r) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::ProductCompliance& p : r.products()) {
    rows.push_back({Esc(p.product()), absl::StrCat(p.installs()),
                    p.seats() < 0 ? "unlimited" : absl::StrCat(p.seats()),
                    p.difference() > 0
                        ? absl::StrCat("<span class=\"bad\">", p.difference(), " unlicensed</span>")
                    : p.difference() < 0 ? absl::StrCat(-p.difference(), " unused seats")
                                         : "ok",
                    Esc(absl::StrJoin(p.unlicensed_devices(), ", "))});
  }
  return Page("Bestand compliance",
              absl::StrCat("<h1>Software compliance</h1>",
                           Table({"Product", "Installs", "Seats", "Status", "Unlicensed devices"},
                                 rows, {false, true, true, false, false})));
}

}  // namespace bestand
