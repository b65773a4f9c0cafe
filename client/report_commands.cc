#include "client/report_commands.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bestand/v1/report.pb.h"
#include "bestand/v1/workflow.pb.h"
#include "client/html_report.h"
#include "common/money.h"
#include "common/status_macros.h"

namespace bestand {
namespace {

// A report's rows as a table or CSV, or the whole report as JSON.
template <typename Row>
void PrintReport(Context& c, const google::protobuf::Message& report,
                 const google::protobuf::RepeatedPtrField<Row>& rows,
                 const std::vector<absl::string_view>& columns) {
  if (c.format() == Format::kJson) return c.One(report);
  c.List(rows, columns);
}

void PrintSummary(Context& c, const v1::SummaryReport& r) {
  std::ostream& out = c.out();
  out << "annual spend     " << FormatTotals(r.annual_spend()) << " ("
      << FormatTotals(r.monthly_spend()) << " a month)\nannual waste     "
      << FormatTotals(r.annual_waste()) << "\npossible saving  " << FormatTotals(r.total_savings())
      << " a year (each seat counted once)\n";
  for (const std::string& risk : r.compliance_risks()) out << "COMPLIANCE RISK  " << risk << "\n";
  out << "\ntop savings\n";
  PrintReport(c, r, r.top_savings(), {"annual_minor", "what"});
  out << "\nupcoming cancellation deadlines\n";
  PrintReport(c, r, r.upcoming_deadlines(),
              {"cancellation_deadline", "display_name", "missed", "next_term_cost_minor"});
}

}  // namespace

absl::Status ReportLicenses(Context& c) {
  v1::LicenseReportRequest req;
  BESTAND_ASSIGN_OR_RETURN(int days, c.DaysFlag("inactive-days"));
  req.set_inactive_days(days);
  BESTAND_ASSIGN_OR_RETURN(v1::LicenseReport r, c.client().GetLicenseReport(req));
  if (c.html()) {
    c.out() << HtmlLicenses(r, c.messages());
    return absl::OkStatus();
  }
  PrintReport(c, r, r.licenses(),
              {"display_name", "seats", "assigned", "active", "idle", "leavers", "unassigned",
               "annual_cost_minor", "annual_waste_minor", "recommendation", "reclaimable"});
  c.Footer(absl::StrCat("annual cost ", FormatTotals(r.annual_cost()), ", waste ",
                        FormatTotals(r.annual_waste()), " (idle: no activity for ",
                        r.inactive_days(), " days)"));
  return absl::OkStatus();
}

absl::Status ReportOverlaps(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(v1::OverlapReport r,
                           c.client().GetOverlapReport(v1::OverlapReportRequest()));
  if (c.html()) {
    c.out() << HtmlOverlaps(r, c.messages());
    return absl::OkStatus();
  }
  PrintReport(c, r, r.overlaps(),
              {"category", "keep", "saving", "people_in_several", "applications"});
  return absl::OkStatus();
}

absl::Status ReportRenewals(Context& c) {
  v1::RenewalReportRequest req;
  BESTAND_ASSIGN_OR_RETURN(int days, c.DaysFlag("within"));
  req.set_within_days(days);
  BESTAND_ASSIGN_OR_RETURN(v1::RenewalReport r, c.client().GetRenewalReport(req));
  if (c.html()) {
    c.out() << HtmlRenewals(r, c.messages());
    return absl::OkStatus();
  }
  PrintReport(c, r, r.renewals(),
              {"display_name", "cancellation_deadline", "days_left", "missed", "term_end",
               "auto_renew", "next_term_cost_minor"});
  return absl::OkStatus();
}

absl::Status ReportCosts(Context& c) {
  v1::CostReportRequest req;
  req.set_by(c.args().Get("by"));
  BESTAND_ASSIGN_OR_RETURN(v1::CostReport r, c.client().GetCostReport(req));
  if (c.html()) {
    c.out() << HtmlCosts(r, c.messages());
    return absl::OkStatus();
  }
  PrintReport(c, r, r.lines(), {"group", "monthly_minor", "annual_minor"});
  c.Footer(absl::StrCat("total ", FormatTotals(r.monthly_total()), " a month, ",
                        FormatTotals(r.annual_total()), " a year"));
  return absl::OkStatus();
}

absl::Status ReportCompliance(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(v1::ComplianceReport r,
                           c.client().GetComplianceReport(v1::ComplianceReportRequest()));
  if (c.html()) {
    c.out() << HtmlCompliance(r, c.messages());
    return absl::OkStatus();
  }
  PrintReport(c, r, r.products(),
              {"product", "installs", "seats", "difference", "unlicensed_devices"});
  return absl::OkStatus();
}

absl::Status ReportSummary(Context& c) {
  v1::SummaryReportRequest req;
  BESTAND_ASSIGN_OR_RETURN(int inactive, c.DaysFlag("inactive-days"));
  BESTAND_ASSIGN_OR_RETURN(int within, c.DaysFlag("within"));
  req.set_inactive_days(inactive);
  req.set_within_days(within);
  BESTAND_ASSIGN_OR_RETURN(v1::SummaryReport r, c.client().GetSummaryReport(req));
  if (c.html()) {
    c.out() << HtmlSummary(r, c.messages());
  } else if (c.format() == Format::kJson) {
    c.One(r);
  } else {
    PrintSummary(c, r);
  }
  return absl::OkStatus();
}

absl::Status ReportAccess(Context& c) {
  if (!c.args().Has("risky")) return c.Usage("report access needs --risky");
  BESTAND_ASSIGN_OR_RETURN(v1::ListFindingsResponse resp,
                           c.client().ListFindings(v1::ListFindingsRequest()));
  c.List(resp.findings(), {"kind", "person", "resource", "description"});
  if (c.format() == Format::kTable) {
    c.err() << resp.findings_size() << (resp.findings_size() == 1 ? " finding\n" : " findings\n");
  }
  return absl::OkStatus();
}

absl::Status ProductRuleAdd(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string pattern, c.Arg(3, "the package name pattern"));
  v1::CreateProductRuleRequest req;
  req.mutable_product_rule()->set_pattern(pattern);
  BESTAND_ASSIGN_OR_RETURN(*req.mutable_product_rule()->mutable_product(), c.Required("product"));
  BESTAND_ASSIGN_OR_RETURN(v1::ProductRule rule, c.client().CreateProductRule(req));
  c.One(rule);
  return absl::OkStatus();
}

absl::Status ProductRuleList(Context& c) {
  v1::ListProductRulesRequest req;
  req.set_page_size(1000);
  BESTAND_ASSIGN_OR_RETURN(v1::ListProductRulesResponse resp, c.client().ListProductRules(req));
  c.List(resp.product_rules(), {"name", "pattern", "product"});
  return absl::OkStatus();
}

absl::Status ProductRuleRemove(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string name, c.Arg(3, "the rule (productRules/N)"));
  v1::DeleteProductRuleRequest req;
  req.set_name(name);
  BESTAND_RETURN_IF_ERROR(c.client().DeleteProductRule(req));
  c.Confirm({{"removed", name}}, absl::StrCat("removed ", name));
  return absl::OkStatus();
}

}  // namespace bestand
