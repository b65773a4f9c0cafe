// Reports as one self-contained HTML file: inline CSS and SVG charts, no scripts, fonts or
// images from elsewhere, laid out for A4 when printed. Every text from the message catalog in
// `m`'s language (bestand --lang), amounts and dates in its form.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "bestand/v1/report.pb.h"
#include "common/i18n/catalog.h"

namespace bestand {

std::string HtmlSummary(const v1::SummaryReport& r, const Messages& m);
std::string HtmlLicenses(const v1::LicenseReport& r, const Messages& m);
std::string HtmlRenewals(const v1::RenewalReport& r, const Messages& m);
std::string HtmlCosts(const v1::CostReport& r, const Messages& m);
std::string HtmlOverlaps(const v1::OverlapReport& r, const Messages& m);
std::string HtmlCompliance(const v1::ComplianceReport& r, const Messages& m);

}  // namespace bestand
