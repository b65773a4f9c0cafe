// The device pages: the list with search, and one device with its record, the hardware its
// agent last reported, its software (a page at a time) and its history (software changes and
// audit events).
#include <httplib.h>

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bestand/v1/agent.pb.h"
#include "bestand/v1/audit.pb.h"
#include "bestand/v1/inventory.pb.h"
#include "common/status_macros.h"
#include "server/web/labels.h"
#include "server/web/page_text.h"
#include "server/web/pages.h"

namespace bestand {
namespace {

// A facts entry {label, value} when `value` is not empty.
void AddFact(PageData& facts, const Messages& m, absl::string_view label_key,
             const std::string& value) {
  if (value.empty()) return;
  PageData f;
  f.set("label", m.Text(label_key));
  f.set("value", value);
  facts.push_back(f);
}

void AddHardware(PageData& page, const Messages& m, const v1::DeviceInventory& inv) {
  const v1::InventoryReport& r = inv.report();
  PageData hw = PageList();
  AddFact(hw, m, "hw_os", r.os().pretty_name().empty() ? r.os().id() : r.os().pretty_name());
  AddFact(hw, m, "hw_kernel", r.os().kernel_release());
  AddFact(hw, m, "hw_make",
          std::string(absl::StripAsciiWhitespace(
              absl::StrCat(r.hardware().manufacturer(), " ", r.hardware().model()))));
  AddFact(hw, m, "hw_serial", r.hardware().serial_number());
  if (!r.cpu().model().empty()) {
    AddFact(hw, m, "hw_cpu",
            m.Format("hw_cpu_value", {{"model", r.cpu().model()},
                                      {"cores", int64_t{r.cpu().cores()}},
                                      {"threads", int64_t{r.cpu().threads()}}}));
  }
  if (r.memory_bytes() > 0) AddFact(hw, m, "hw_memory", BytesText(m, r.memory_bytes()));
  AddFact(hw, m, "hw_bios",
          std::string(absl::StripAsciiWhitespace(absl::StrCat(r.hardware().bios_vendor(), " ",
                                                              r.hardware().bios_version(), " ",
                                                              r.hardware().bios_date()))));
  AddFact(hw, m, "hw_last_login", r.last_login_user());
  AddFact(hw, m, "hw_agent_version", r.agent_version());
  page.set("has_hardware", !hw.is_empty_list());
  page.set("hardware", hw);

  SetRows(page, "disks", r.disks(), [&](const v1::Disk& d) {
    PageData row;
    row.set("name", d.name());
    row.set("model", d.model().empty() ? m.Text("none") : d.model());
    row.set("size", BytesText(m, d.size_bytes()));
    row.set("ssd", YesNo(m, d.ssd()));
    row.set("encrypted", YesNo(m, d.encrypted()));
    return row;
  });
  std::vector<const v1::NetworkInterface*> physical;
  for (const v1::NetworkInterface& n : r.interfaces()) {
    if (n.physical()) physical.push_back(&n);
  }
  SetRows(page, "interfaces", physical, [&](const v1::NetworkInterface* n) {
    PageData row;
    row.set("name", n->name());
    row.set("mac", n->mac().empty() ? m.Text("none") : n->mac());
    row.set("addresses",
            n->addresses().empty() ? m.Text("none") : absl::StrJoin(n->addresses(), ", "));
    row.set("up", YesNo(m, n->up()));
    return row;
  });
  SetRows(page, "collector_errors", r.errors(), [](const v1::CollectorError& e) {
    PageData row;
    row.set("collector", e.collector());
    row.set("message", e.message());
    return row;
  });
}

}  // namespace

absl::StatusOr<PageData> DevicesPage(const WebCore& core, const Messages& m,
                                     absl::string_view query, absl::string_view page_token) {
  v1::ListDevicesRequest request;
  request.set_query(std::string(query));
  request.set_page_token(std::string(page_token));
  request.set_page_size(100);
  v1::ListDevicesResponse response;
  BESTAND_RETURN_IF_ERROR(core.inventory->List(Kind::kDevice, request, &response));
  Labels labels(core.inventory);
  PageData page;
  page.set("query", std::string(query));
  SetRows(page, "devices", response.devices(), [&](const v1::Device& d) {
    PageData row;
    row.set("href", absl::StrCat("/", d.name()));
    row.set("device", DeviceTitle(d));
    row.set("asset_tag", d.asset_tag().empty() ? m.Text("none") : d.asset_tag());
    row.set("model", d.model().empty() ? m.Text("none") : d.model());
    row.set("assignee",
            d.assignee().empty() ? m.Text("none") : labels.OrName(Kind::kPerson, d.assignee()));
    row.set("status", EnumText(m, "device_status_", v1::Device::Status_descriptor(), d.status()));
    row.set("last_report", TimeText(m, d.last_report_time()));
    return row;
  });
  if (!response.next_page_token().empty()) {
    page.set(
        "next_href",
        absl::StrCat("/devices?q=", httplib::detail::encode_query_param(std::string(query)),
                     "&page=", httplib::detail::encode_query_param(response.next_page_token())));
  }
  return page;
}

absl::StatusOr<PageData> DevicePage(const WebCore& core, const Messages& m,
                                    absl::string_view device, absl::string_view software_query,
                                    int software_from) {
  v1::Device d;
  BESTAND_RETURN_IF_ERROR(core.inventory->Get(Kind::kDevice, device, &d));
  Labels labels(core.inventory);
  PageData page;
  page.set("name", DeviceTitle(d));
  page.set("resource", d.name());
  PageData facts = PageList();
  AddFact(facts, m, "col_asset_tag", d.asset_tag());
  AddFact(
      facts, m, "col_type",
      d.type() == 0 ? "" : EnumText(m, "device_type_", v1::Device::Type_descriptor(), d.type()));
  AddFact(facts, m, "col_status",
          EnumText(m, "device_status_", v1::Device::Status_descriptor(), d.status()));
  AddFact(facts, m, "col_assignee", labels.Of(Kind::kPerson, d.assignee()));
  AddFact(facts, m, "hw_make",
          std::string(absl::StripAsciiWhitespace(absl::StrCat(d.manufacturer(), " ", d.model()))));
  AddFact(facts, m, "col_serial", d.serial_number());
  AddFact(facts, m, "col_hostname", d.hostname());
  AddFact(facts, m, "hw_os", d.os());
  if (!d.purchase_date().empty()) {
    AddFact(facts, m, "device_purchase_date", DateText(m, d.purchase_date()));
  }
  if (d.purchase_price_minor() > 0 && !d.currency().empty()) {
    AddFact(facts, m, "device_purchase_price", m.Money(d.purchase_price_minor(), d.currency()));
  }
  if (!d.warranty_end().empty()) {
    AddFact(facts, m, "device_warranty_end", DateText(m, d.warranty_end()));
  }
  page.set("facts", facts);
  if (!d.assignee().empty()) page.set("assignee_href", absl::StrCat("/", d.assignee()));

  v1::GetDeviceInventoryRequest inventory_request;
  inventory_request.set_device(d.name());
  inventory_request.set_include_software(true);
  BESTAND_ASSIGN_OR_RETURN(v1::DeviceInventory inv,
                           core.fleet->GetDeviceInventory(inventory_request));
  page.set("last_report", TimeText(m, inv.last_report_time()));
  page.set("last_seen", TimeText(m, inv.last_seen_time()));
  page.set("agent_active", YesNo(m, inv.agent_active()));
  AddHardware(page, m, inv);

  // The software matching the filter, kSoftwarePerPage at a time.
  std::vector<const v1::InstalledSoftware*> matching;
  const std::string wanted = absl::AsciiStrToLower(software_query);
  for (const v1::InstalledSoftware& s : inv.software()) {
    if (wanted.empty() || absl::StrContains(absl::AsciiStrToLower(s.name()), wanted)) {
      matching.push_back(&s);
    }
  }
  const size_t from = std::min(matching.size(), static_cast<size_t>(std::max(0, software_from)));
  const size_t to = std::min(matching.size(), from + kSoftwarePerPage);
  std::vector<const v1::InstalledSoftware*> shown(matching.begin() + from, matching.begin() + to);
  page.set("software_query", std::string(software_query));
  page.set("software_count",
           m.Format("software_count", {{"count", static_cast<int64_t>(matching.size())},
                                       {"total", static_cast<int64_t>(inv.software_size())},
                                       {"from", static_cast<int64_t>(shown.empty() ? 0 : from + 1)},
                                       {"to", static_cast<int64_t>(to)}}));
  SetRows(page, "software", shown, [&](const v1::InstalledSoftware* s) {
    PageData row;
    row.set("name", s->name());
    row.set("version", s->version());
    row.set("source", s->source());
    row.set("publisher", s->publisher().empty() ? m.Text("none") : s->publisher());
    row.set("first_seen", TimeText(m, s->first_seen_time()));
    return row;
  });
  if (to < matching.size()) {
    page.set("software_next_href",
             absl::StrCat("/", d.name(),
                          "?sq=", httplib::detail::encode_query_param(std::string(software_query)),
                          "&from=", to, "#software-h"));
  }

  v1::ListSoftwareChangesRequest changes_request;
  changes_request.set_device(d.name());
  changes_request.set_page_size(kHistoryEntries);
  BESTAND_ASSIGN_OR_RETURN(v1::ListSoftwareChangesResponse changes,
                           core.fleet->ListSoftwareChanges(changes_request));
  SetRows(page, "changes", changes.changes(), [&](const v1::SoftwareChange& c) {
    PageData row;
    row.set("time", TimeText(m, c.time()));
    row.set("change",
            EnumText(m, "software_change_", v1::SoftwareChange::Kind_descriptor(), c.kind()));
    row.set("name", c.name());
    row.set("old_version", c.old_version().empty() ? m.Text("none") : c.old_version());
    row.set("new_version", c.new_version().empty() ? m.Text("none") : c.new_version());
    return row;
  });

  BESTAND_RETURN_IF_ERROR(SetAuditEvents(page, *core.audit, m, d.name(), kHistoryEntries));
  return page;
}

}  // namespace bestand
