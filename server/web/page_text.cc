#include "server/web/page_text.h"

#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "bestand/v1/audit.pb.h"

namespace bestand {

std::string TimeText(const Messages& m, const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return m.Text("none");
  return m.DateTime(absl::FromUnixSeconds(t.seconds()));
}

PageData MoneyList(const Messages& m, const google::protobuf::RepeatedPtrField<v1::Money>& money) {
  PageData list = PageList();
  for (const v1::Money& x : money) {
    PageData item;
    item.set("currency", x.currency());
    item.set("amount", m.Money(x.minor(), x.currency()));
    list.push_back(item);
  }
  if (money.empty()) {
    PageData item;
    item.set("currency", "EUR");
    item.set("amount", m.Money(0, "EUR"));
    list.push_back(item);
  }
  return list;
}

std::string BytesText(const Messages& m, int64_t bytes) {
  if (bytes <= 0) return m.Text("none");
  constexpr int64_t kGb = 1000 * 1000 * 1000;
  if (bytes < kGb / 2) return m.Text("bytes_below_gb");
  return m.Format("bytes_gb", {{"gb", (bytes + kGb / 2) / kGb}});
}

std::string DeviceTitle(const v1::Device& d) {
  if (!d.hostname().empty()) return d.hostname();
  if (!d.asset_tag().empty()) return d.asset_tag();
  std::string make = absl::StrCat(d.manufacturer(), " ", d.model());
  absl::StripAsciiWhitespace(&make);
  return make.empty() ? d.name() : make;
}

PageData RenewalItem(const Messages& m, const v1::Renewal& d) {
  PageData item;
  item.set("license", d.display_name());
  item.set("deadline", DateText(m, d.cancellation_deadline()));
  item.set("deadline_iso", d.cancellation_deadline());
  item.set("term_end", DateText(m, d.term_end()));
  item.set("missed", d.missed());
  item.set("soon", !d.missed() && d.days_left() <= 14);
  item.set("days_left", d.missed() ? m.Format("days_ago", {{"days", int64_t{-d.days_left()}}})
                                   : m.Format("days_left", {{"days", int64_t{d.days_left()}}}));
  item.set("renewal", m.Text(d.auto_renew() ? "renews_itself" : "ends_itself"));
  item.set("next_term", m.Money(d.next_term_cost_minor(), d.currency()));
  return item;
}

absl::Status SetAuditEvents(PageData& page, const AuditLog& audit, const Messages& m,
                            const std::string& resource, int limit) {
  v1::ListAuditEventsRequest request;
  request.set_resource(resource);
  request.set_page_size(limit);
  absl::StatusOr<v1::ListAuditEventsResponse> events = audit.List(request);
  if (!events.ok()) return events.status();
  SetRows(page, "events", events->events(), [&](const v1::AuditEvent& e) {
    PageData row;
    row.set("time", TimeText(m, e.time()));
    row.set("actor", e.actor());
    row.set("action", e.action());
    return row;
  });
  return absl::OkStatus();
}

std::string YesNo(const Messages& m, bool b) { return m.Text(b ? "yes" : "no"); }

}  // namespace bestand
