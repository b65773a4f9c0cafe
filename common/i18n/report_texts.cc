#include "common/i18n/report_texts.h"

#include <vector>

#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"

namespace bestand {

std::string DateText(const Messages& m, absl::string_view iso) {
  absl::CivilDay day;
  if (iso.empty() || !absl::ParseCivilTime(iso, &day)) {
    return iso.empty() ? m.Text("none") : std::string(iso);
  }
  return m.Date(day);
}

std::string TotalsText(const Messages& m,
                       const google::protobuf::RepeatedPtrField<v1::Money>& money) {
  if (money.empty()) return m.Money(0, "EUR");
  std::vector<std::string> parts;
  for (const v1::Money& x : money) parts.push_back(m.Money(x.minor(), x.currency()));
  return absl::StrJoin(parts, "; ");
}

std::string SavingText(const Messages& m, const v1::Saving& s) {
  switch (s.kind()) {
    case v1::Saving::LICENSE:
      if (s.recommended_seats() > 0) {
        return m.Format("saving_reduce",
                        {{"license", s.display_name()}, {"seats", int64_t{s.recommended_seats()}}});
      }
      if (!s.cancel_by().empty()) {
        return m.Format("saving_cancel_by",
                        {{"license", s.display_name()}, {"date", DateText(m, s.cancel_by())}});
      }
      return m.Format("saving_cancel", {{"license", s.display_name()}});
    case v1::Saving::CONSOLIDATION:
      return m.Format(s.beyond_licenses() ? "saving_consolidate_beyond" : "saving_consolidate",
                      {{"category", s.category()},
                       {"keep", s.keep()},
                       {"drop", m.List({s.drop().begin(), s.drop().end()})}});
    default:
      return s.what();
  }
}

std::string RecommendationText(const Messages& m, const v1::LicenseUsage& u, bool* act) {
  *act = true;
  if (u.over_assigned() > 0) {
    return m.Format("rec_over_assigned", {{"over", int64_t{u.over_assigned()}}});
  }
  if (!u.unlimited() && u.seats() > 0 && u.recommended_seats() == 0) {
    return u.cancel_by().empty()
               ? m.Text("rec_cancel")
               : m.Format("rec_cancel_by", {{"date", DateText(m, u.cancel_by())}});
  }
  if (!u.unlimited() && u.recommended_seats() < u.seats()) {
    return m.Format("rec_reduce", {{"seats", int64_t{u.recommended_seats()}}});
  }
  *act = false;
  return m.Text("rec_keep");
}

}  // namespace bestand
