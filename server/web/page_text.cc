#include "server/web/page_text.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

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

std::string YesNo(const Messages& m, bool b) { return m.Text(b ? "yes" : "no"); }

}  // namespace bestand
