// Reports as one self-contained HTML file: inline CSS and SVG charts, no scripts, fonts or
// images from elsewhere, laid out for A4 when printed.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "bestand/v1/report.pb.h"

namespace bestand {

// "1234.50 EUR"; negative amounts keep their sign.
std::string FormatMoney(int64_t minor, absl::string_view currency);
// Totals in several currencies: "1234.50 EUR + 99.00 USD" (0.00 EUR when there are none).
std::string FormatTotals(const google::protobuf::RepeatedPtrField<v1::Money>& money);

std::string HtmlSummary(const v1::SummaryReport& r);
std::string HtmlLicenses(const v1::LicenseReport& r);
std::string HtmlRenewals(const v1::RenewalReport& r);
std::string HtmlCosts(const v1::CostReport& r);
std::string HtmlOverlaps(const v1::OverlapReport& r);
std::string HtmlCompliance(const v1::ComplianceReport& r);

}  // namespace bestand
