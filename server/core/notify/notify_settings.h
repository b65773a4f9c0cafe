// Who hears what and when (proto/bestand/v1/notify.proto, NotificationSettings): stored as the
// setting "notifications" in its protobuf JSON, audited as "settings/notifications" in the same
// transaction as every change.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/notify.pb.h"
#include "common/i18n/catalog.h"
#include "server/storage/store.h"

namespace bestand {

inline constexpr absl::string_view kNotifySettingsName = "notifications";
inline constexpr absl::string_view kNotifySettingsResource = "settings/notifications";

// The stored settings as stored (empty fields mean the defaults). INTERNAL when unreadable.
absl::StatusOr<v1::NotificationSettings> LoadNotifySettings(ReadTx& tx);

// The settings with every default filled in: lead days sorted from the largest, the send hour,
// the starter's working days.
struct NotifyPolicy {
  explicit NotifyPolicy(const v1::NotificationSettings& s);
  bool Enabled(v1::NotificationRule rule) const;

  v1::NotificationSettings settings;
  std::vector<int> deadline_lead_days, term_end_lead_days;
  int starter_working_days = 3;
  int send_hour = 7;
  int stale_device_days = 30;
  Lang lang = Lang::kDe;
};

// Changes the fields of `r.settings()` named in `r.update_mask()` (every set one when empty),
// audited under `actor`. INVALID_ARGUMENT naming the field and the value; nothing changes then.
absl::StatusOr<v1::NotificationSettings> UpdateNotifySettings(
    Store* store, absl::string_view actor, const v1::UpdateNotificationSettingsRequest& r);

}  // namespace bestand
