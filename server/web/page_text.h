// How the pages say values in the reader's language: times, money, enum values, yes and no,
// and tables filled from lists (dates and report fields: common/i18n/report_texts.h). Shared
// by the page files; no rule lives here.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/report.pb.h"
#include "common/i18n/catalog.h"
#include "common/i18n/report_texts.h"
#include "google/protobuf/repeated_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/core/audit_log.h"
#include "server/web/render.h"

namespace bestand {

// A time in the reader's form (Europe/Berlin); the dash for none.
std::string TimeText(const Messages& m, const google::protobuf::Timestamp& t);
// One entry {currency, amount} per currency; "0,00 €" when there is none.
PageData MoneyList(const Messages& m, const google::protobuf::RepeatedPtrField<v1::Money>& money);
// A number of bytes as whole gigabytes (10^9), at least "< 1 GB" for a non-zero size.
std::string BytesText(const Messages& m, int64_t bytes);
std::string YesNo(const Messages& m, bool b);

// What a device is called on the pages: its host name, else its asset tag, else its make, else
// its resource name.
std::string DeviceTitle(const v1::Device& d);
// A cancellation deadline as the dashboard's and the renewals page's timelines show it.
PageData RenewalItem(const Messages& m, const v1::Renewal& d);
// "events" (and "has_events"): the newest `limit` audit events of `resource`.
absl::Status SetAuditEvents(PageData& page, const AuditLog& audit, const Messages& m,
                            const std::string& resource, int limit);

// An enum value's text: `prefix` and the value's name in lower case ("person_status_" +
// "leaving"); the dash for the unspecified value.
template <typename Descriptor>
std::string EnumText(const Messages& m, absl::string_view prefix, const Descriptor* d, int value) {
  const auto* v = d->FindValueByNumber(value);
  if (v == nullptr || value == 0) return m.Text("none");
  std::string key = absl::StrCat(prefix, v->name());
  for (char& c : key) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return m.Text(key);
}

// Sets `list` to one row per item, made by `row`, and "has_{list}" to whether there is any.
template <typename Items, typename Row>
void SetRows(PageData& page, const std::string& list, const Items& items, Row row) {
  PageData rows = PageList();
  for (const auto& item : items) rows.push_back(row(item));
  page.set("has_" + list, !items.empty());
  page.set(list, rows);
}

}  // namespace bestand
