// How the reports' fields are said in the reader's language, for the web pages and the CLI's
// HTML reports alike: dates, totals per currency, savings and license recommendations. The
// core decides; this only says what it decided, from the report's fields.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "bestand/v1/report.pb.h"
#include "common/i18n/catalog.h"
#include "google/protobuf/repeated_field.h"

namespace bestand {

// An ISO date ("2026-12-31") in the reader's form; the dash for none; anything else unchanged.
std::string DateText(const Messages& m, absl::string_view iso);
// Each currency's amount, side by side ("3.014,10 €; 120,00 $"): never added across currencies.
// "0,00 €" when there is none.
std::string TotalsText(const Messages& m,
                       const google::protobuf::RepeatedPtrField<v1::Money>& money);
std::string SavingText(const Messages& m, const v1::Saving& s);
// What a license's recommendation says (server/core/reports_licenses.cc decides it, in this
// order); true in `act` when it asks for a change.
std::string RecommendationText(const Messages& m, const v1::LicenseUsage& u, bool* act);

}  // namespace bestand
