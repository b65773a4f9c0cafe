// The company's settings: one record, stored as its protobuf JSON (setting "company") and
// audited as the resource "settings/company" in the same transaction as every change.
//
// Thread safety: the free functions use the caller's transaction; CompanySettings runs each call
// in its own transaction and is safe from any thread.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/settings.pb.h"
#include "server/core/holidays.h"
#include "server/storage/store.h"

namespace bestand {

// The stored setting and the audit trail's name for the settings record.
inline constexpr absl::string_view kSettingsName = "company";
inline constexpr absl::string_view kSettingsResource = "settings/company";

// The stored settings; defaults (all empty) before the first change. INTERNAL when the stored
// record is not readable.
absl::StatusOr<v1::Settings> LoadSettings(ReadTx& tx);
// The calendar of the settings' holiday region ("DE" when none is set).
absl::StatusOr<HolidayCalendar> LoadHolidayCalendar(ReadTx& tx);

// The settings as the services read and change them.
class CompanySettings {
 public:
  // `store` must outlive this.
  explicit CompanySettings(Store* store) : store_(store) {}

  // LoadSettings in a read transaction of its own.
  absl::StatusOr<v1::Settings> Get() const;
  // Changes the fields of `r.settings()` named in `r.update_mask()` (every set one when empty).
  // INVALID_ARGUMENT naming a field that does not exist, is output only or holds a bad value.
  absl::StatusOr<v1::Settings> Update(absl::string_view actor,
                                      const v1::UpdateSettingsRequest& r) const;

 private:
  Store* store_;
};

// The JSON the audit trail records for `settings`; also the stored form.
std::string SettingsJson(const v1::Settings& settings);

}  // namespace bestand
