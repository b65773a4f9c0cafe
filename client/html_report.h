// Reports as one self-contained HTML file: inline CSS and SVG charts, no scripts, fonts or
// images from elsewhere, laid out for A4 when printed.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "bestand/v1/report.pb.h"

namespace bestand {

std::string HtmlSummary(const v1::SummaryReport& r);
std::string HtmlLicenses(const v1::LicenseReport& r);
std::string HtmlRenewals(const v1::RenewalReport& r);
std::string HtmlCosts(const v1::CostReport& r);
std::string HtmlOverlaps(const v1::OverlapReport& r);
std::string HtmlCompliance(const v1::ComplianceReport& r);

}  // namespace bestand
