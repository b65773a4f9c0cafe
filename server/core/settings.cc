#include "server/core/settings.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "google/protobuf/util/json_util.h"
#include "server/core/audit.h"
#include "server/core/audited_state.h"

namespace bestand {

std::string SettingsJson(const v1::Settings& settings) { return StateJson(settings); }

absl::StatusOr<v1::Settings> LoadSettings(ReadTx& tx) {
  BESTAND_ASSIGN_OR_RETURN(std::optional<std::string> stored, tx.GetSetting(kSettingsName));
  v1::Settings settings;
  if (stored && !google::protobuf::util::JsonStringToMessage(*stored, &settings).ok()) {
    return absl::InternalError("the stored settings are not readable");
  }
  return settings;
}

absl::StatusOr<HolidayCalendar> LoadHolidayCalendar(ReadTx& tx) {
  BESTAND_ASSIGN_OR_RETURN(v1::Settings settings, LoadSettings(tx));
  return HolidayCalendar::ForRegion(settings.holiday_region());
}

absl::StatusOr<v1::Settings> CompanySettings::Get() const {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  return LoadSettings(*tx);
}

absl::StatusOr<v1::Settings> CompanySettings::Update(absl::string_view actor,
                                                     const v1::UpdateSettingsRequest& r) const {
  std::vector<std::string> fields(r.update_mask().paths().begin(), r.update_mask().paths().end());
  if (fields.empty() && !r.settings().holiday_region().empty()) fields.push_back("holiday_region");
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(v1::Settings before, LoadSettings(*tx));
  v1::Settings after = before;
  for (const std::string& field : fields) {
    if (field == "holiday_region") {
      absl::StatusOr<HolidayCalendar> calendar =
          HolidayCalendar::ForRegion(r.settings().holiday_region());
      if (!calendar.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("holiday_region: ", calendar.status().message()));
      }
      after.set_holiday_region(r.settings().holiday_region().empty() ? "" : calendar->region());
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: '", field, "' is not a setting that can be changed"));
    }
  }
  after.clear_update_time();
  v1::Settings unchanged = before;
  unchanged.clear_update_time();
  if (SettingsJson(after) == SettingsJson(unchanged)) return before;
  *after.mutable_update_time() = FromMicros(NowMicros());
  const std::string json = SettingsJson(after);
  BESTAND_RETURN_IF_ERROR(tx->PutSetting(kSettingsName, json));
  BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "update", kSettingsResource,
                                      before.has_update_time() ? SettingsJson(before) : "", json));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return after;
}

}  // namespace bestand
