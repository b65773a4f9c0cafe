// Reports for the coordinator and management (tables, JSON, CSV, or one HTML file with -o html)
// and the product rules that map installed packages to licensed products.
#pragma once

#include "absl/status/status.h"
#include "client/context.h"

namespace bestand {

// report licenses [--inactive-days N]: seats used, idle, held by leavers; the waste.
absl::Status ReportLicenses(Context& c);
// report overlaps: tools of one category and who uses several.
absl::Status ReportOverlaps(Context& c);
// report renewals [--within N]: cancellation deadlines and next term's cost.
absl::Status ReportRenewals(Context& c);
// report costs [--by GROUP]: monthly and annual costs per group.
absl::Status ReportCosts(Context& c);
// report compliance: installs against seats, per product.
absl::Status ReportCompliance(Context& c);
// report summary [--inactive-days N] [--within N]: one page for management.
absl::Status ReportSummary(Context& c);
// report access --risky: access of leavers, orphaned accounts, admins without MFA, ...
absl::Status ReportAccess(Context& c);

// product rule add PATTERN --product NAME | list | remove productRules/N.
absl::Status ProductRuleAdd(Context& c);
absl::Status ProductRuleList(Context& c);
absl::Status ProductRuleRemove(Context& c);

}  // namespace bestand
