#include "server/core/notify/notify_settings.h"

#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "google/protobuf/util/json_util.h"
#include "server/core/audit.h"
#include "server/core/audited_state.h"

namespace bestand {
namespace {

constexpr int kMaxLeadDays = 365;
constexpr int kMaxLeadTimes = 10;
constexpr int kMaxAddresses = 20;

std::vector<int> SortedLeads(const google::protobuf::RepeatedField<int32_t>& days,
                             std::vector<int> defaults) {
  std::vector<int> out(days.begin(), days.end());
  if (out.empty()) out = std::move(defaults);
  std::sort(out.rbegin(), out.rend());
  return out;
}

absl::Status CheckLeads(absl::string_view field,
                        const google::protobuf::RepeatedField<int32_t>& days) {
  if (days.size() > kMaxLeadTimes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", days.size(), " lead times; at most ", kMaxLeadTimes));
  }
  std::set<int> seen;
  for (int d : days) {
    if (d < 0 || d > kMaxLeadDays) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", d, " is not a number of days from 0 to ", kMaxLeadDays));
    }
    if (!seen.insert(d).second) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": ", d, " is given twice"));
    }
  }
  return absl::OkStatus();
}

// Lower-cased into `out` when each is an address and there are not too many.
absl::Status CheckAddresses(absl::string_view field,
                            const google::protobuf::RepeatedPtrField<std::string>& in,
                            google::protobuf::RepeatedPtrField<std::string>* out) {
  if (in.size() > kMaxAddresses) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", in.size(), " addresses; at most ", kMaxAddresses));
  }
  out->Clear();
  for (const std::string& email : in) {
    if (!IsEmailAddress(email)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": '", email, "' is not an email address"));
    }
    *out->Add() = AsciiLower(email);
  }
  return absl::OkStatus();
}

// Copies `field` from `from` to `to` after checking it.
absl::Status Apply(const std::string& field, const v1::NotificationSettings& from,
                   v1::NotificationSettings* to) {
  if (field == "disabled_rules") {
    for (int rule : from.disabled_rules()) {
      if (rule == v1::NOTIFICATION_RULE_UNSPECIFIED || !v1::NotificationRule_IsValid(rule)) {
        return absl::InvalidArgumentError(absl::StrCat("disabled_rules: ", rule, " is not a rule"));
      }
    }
    *to->mutable_disabled_rules() = from.disabled_rules();
  } else if (field == "deadline_lead_days") {
    BESTAND_RETURN_IF_ERROR(CheckLeads(field, from.deadline_lead_days()));
    *to->mutable_deadline_lead_days() = from.deadline_lead_days();
  } else if (field == "term_end_lead_days") {
    BESTAND_RETURN_IF_ERROR(CheckLeads(field, from.term_end_lead_days()));
    *to->mutable_term_end_lead_days() = from.term_end_lead_days();
  } else if (field == "starter_working_days") {
    if (from.starter_working_days() < 0 || from.starter_working_days() > 20) {
      return absl::InvalidArgumentError(absl::StrCat(
          "starter_working_days: ", from.starter_working_days(), " is not from 1 to 20"));
    }
    to->set_starter_working_days(from.starter_working_days());
  } else if (field == "send_hour") {
    if (from.send_hour() < 0 || from.send_hour() > 23) {
      return absl::InvalidArgumentError(
          absl::StrCat("send_hour: ", from.send_hour(), " is not an hour from 0 to 23"));
    }
    to->set_send_hour(from.send_hour());
  } else if (field == "coordinator_emails") {
    BESTAND_RETURN_IF_ERROR(
        CheckAddresses(field, from.coordinator_emails(), to->mutable_coordinator_emails()));
  } else if (field == "admin_emails") {
    BESTAND_RETURN_IF_ERROR(CheckAddresses(field, from.admin_emails(), to->mutable_admin_emails()));
  } else if (field == "management_emails") {
    BESTAND_RETURN_IF_ERROR(
        CheckAddresses(field, from.management_emails(), to->mutable_management_emails()));
  } else if (field == "stale_device_days") {
    if (from.stale_device_days() < 0 || from.stale_device_days() > 365) {
      return absl::InvalidArgumentError(
          absl::StrCat("stale_device_days: ", from.stale_device_days(), " is not from 1 to 365"));
    }
    to->set_stale_device_days(from.stale_device_days());
  } else if (field == "language") {
    Lang lang;
    if (!from.language().empty() &&
        (!ParseLang(from.language(), &lang) || from.language().size() != 2)) {
      return absl::InvalidArgumentError(
          absl::StrCat("language: '", from.language(), "' is not de or en"));
    }
    to->set_language(AsciiLower(from.language()));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("update_mask: '", field, "' is not a setting that can be changed"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::NotificationSettings> LoadNotifySettings(ReadTx& tx) {
  BESTAND_ASSIGN_OR_RETURN(std::optional<std::string> stored, tx.GetSetting(kNotifySettingsName));
  v1::NotificationSettings settings;
  if (stored && !google::protobuf::util::JsonStringToMessage(*stored, &settings).ok()) {
    return absl::InternalError("the stored notification settings are not readable");
  }
  return settings;
}

NotifyPolicy::NotifyPolicy(const v1::NotificationSettings& s)
    : settings(s),
      deadline_lead_days(SortedLeads(s.deadline_lead_days(), {90, 60, 30, 14, 7, 1})),
      term_end_lead_days(SortedLeads(s.term_end_lead_days(), {30, 7})),
      starter_working_days(s.starter_working_days() > 0 ? s.starter_working_days() : 3),
      send_hour(s.has_send_hour() ? s.send_hour() : 7),
      stale_device_days(s.stale_device_days() > 0 ? s.stale_device_days() : 30),
      lang(s.language() == "en" ? Lang::kEn : Lang::kDe) {}

bool NotifyPolicy::Enabled(v1::NotificationRule rule) const {
  return std::find(settings.disabled_rules().begin(), settings.disabled_rules().end(), rule) ==
         settings.disabled_rules().end();
}

absl::StatusOr<v1::NotificationSettings> UpdateNotifySettings(
    Store* store, absl::string_view actor, const v1::UpdateNotificationSettingsRequest& r) {
  std::vector<std::string> fields(r.update_mask().paths().begin(), r.update_mask().paths().end());
  if (fields.empty()) {
    // Every field set to a non-default value.
    const auto* d = r.settings().GetDescriptor();
    const auto* refl = r.settings().GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const auto* f = d->field(i);
      if (f->name() == "update_time") continue;
      if (f->is_repeated() ? refl->FieldSize(r.settings(), f) > 0 : refl->HasField(r.settings(), f))
        fields.push_back(f->name());
    }
  }
  BESTAND_ASSIGN_OR_RETURN(auto tx, store->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(v1::NotificationSettings before, LoadNotifySettings(*tx));
  v1::NotificationSettings after = before;
  for (const std::string& field : fields) {
    BESTAND_RETURN_IF_ERROR(Apply(field, r.settings(), &after));
  }
  after.clear_update_time();
  v1::NotificationSettings unchanged = before;
  unchanged.clear_update_time();
  if (StateJson(after) == StateJson(unchanged)) return before;
  *after.mutable_update_time() = FromMicros(NowMicros());
  const std::string json = StateJson(after);
  BESTAND_RETURN_IF_ERROR(tx->PutSetting(kNotifySettingsName, json));
  BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "update", kNotifySettingsResource,
                                      before.has_update_time() ? StateJson(before) : "", json));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return after;
}

}  // namespace bestand
