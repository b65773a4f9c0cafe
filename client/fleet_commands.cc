#include "client/fleet_commands.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "bestand/v1/agent.pb.h"
#include "common/status_macros.h"
#include "common/time.h"

namespace bestand {
namespace {}  // namespace

absl::Status AgentTokenCreate(Context& c) {
  v1::CreateEnrollmentTokenRequest req;
  req.mutable_token()->set_device(c.args().Get("device"));
  int uses = 1;
  if (c.args().Has("uses") && (!absl::SimpleAtoi(c.args().Get("uses"), &uses) || uses < 1)) {
    return c.Usage("--uses: expected a positive number");
  }
  req.mutable_token()->set_max_uses(uses);
  req.mutable_token()->set_display_name(c.args().Get("name"));
  if (c.args().Has("expires")) {
    BESTAND_ASSIGN_OR_RETURN(absl::Duration ttl, c.Expires());
    req.set_ttl_seconds(absl::ToInt64Seconds(ttl));
  }
  BESTAND_ASSIGN_OR_RETURN(v1::CreateEnrollmentTokenResponse resp,
                           c.client().CreateEnrollmentToken(req));
  if (c.format() == Format::kJson) {
    c.One(resp);
    return absl::OkStatus();
  }
  c.out() << resp.secret() << "\n";
  c.err() << "created " << resp.token().name() << " for " << resp.token().max_uses()
          << " enrollment(s), valid until " << FormatTimestamp(resp.token().expire_time())
          << "; the secret above is shown only now\n";
  return absl::OkStatus();
}

absl::Status AgentTokenList(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(v1::ListEnrollmentTokensResponse resp,
                           c.client().ListEnrollmentTokens(v1::ListEnrollmentTokensRequest()));
  c.List(resp.tokens(), {"name", "display_name", "uses", "max_uses", "expire_time", "revoke_time"});
  return absl::OkStatus();
}

absl::Status AgentTokenRevoke(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string name, c.Arg(2, "enrollment token to revoke"));
  v1::RevokeEnrollmentTokenRequest req;
  req.set_name(name);
  BESTAND_RETURN_IF_ERROR(c.client().RevokeEnrollmentToken(req).status());
  c.Confirm({{"revoked", name}}, absl::StrCat("revoked enrollment token ", name));
  return absl::OkStatus();
}

absl::Status AgentRevoke(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string device, c.Arg(2, "device"));
  v1::RevokeAgentRequest req;
  req.set_device(device);
  BESTAND_RETURN_IF_ERROR(c.client().RevokeAgent(req).status());
  c.Confirm({{"revoked", device}}, absl::StrCat("revoked the agent certificate of ", device));
  return absl::OkStatus();
}

absl::Status DeviceInventory(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string device, c.Arg(2, "device to show"));
  v1::GetDeviceInventoryRequest req;
  req.set_device(device);
  req.set_include_software(true);
  BESTAND_ASSIGN_OR_RETURN(v1::DeviceInventory inv, c.client().GetDeviceInventory(req));
  if (c.format() == Format::kJson) {
    c.One(inv);
    return absl::OkStatus();
  }
  if (c.format() == Format::kCsv) {
    c.List(inv.software(), {});
    return absl::OkStatus();
  }
  const v1::InventoryReport& r = inv.report();
  c.out() << "device        " << inv.device() << "\n"
          << "hostname      " << r.hostname() << "\n"
          << "os            " << r.os().pretty_name() << " (kernel " << r.os().kernel_release()
          << ")\n"
          << "hardware      " << r.hardware().manufacturer() << " " << r.hardware().model() << "\n"
          << "cpu           " << r.cpu().model() << ", " << r.cpu().cores() << " cores\n"
          << "memory        " << r.memory_bytes() / (1024 * 1024) << " MiB\n"
          << "last report   " << FormatTimestamp(inv.last_report_time()) << "\n"
          << "last seen     " << FormatTimestamp(inv.last_seen_time()) << "\n"
          << "software      " << inv.software_size() << " packages\n\n";
  c.List(inv.software(),
         {"name", "version", "architecture", "source", "install_time", "first_seen_time"});
  return absl::OkStatus();
}

absl::Status DeviceHistory(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string device, c.Arg(2, "device"));
  BESTAND_ASSIGN_OR_RETURN(int64_t limit, c.Limit());
  if (limit == 0) limit = 100;
  v1::ListSoftwareChangesRequest req;
  req.set_device(device);
  google::protobuf::RepeatedPtrField<v1::SoftwareChange> changes;
  while (changes.size() < limit) {
    req.set_page_size(static_cast<int32_t>(std::min<int64_t>(1000, limit - changes.size())));
    BESTAND_ASSIGN_OR_RETURN(v1::ListSoftwareChangesResponse resp,
                             c.client().ListSoftwareChanges(req));
    for (auto& change : *resp.mutable_changes()) *changes.Add() = std::move(change);
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  c.List(changes, {"time", "kind", "name", "old_version", "new_version", "source"});
  return absl::OkStatus();
}

absl::Status DeviceStale(Context& c) {
  int days = 0;
  if (!absl::SimpleAtoi(c.args().Get("days"), &days)) return c.Usage("--days N is required");
  v1::ListStaleDevicesRequest req;
  req.set_days(days);
  BESTAND_ASSIGN_OR_RETURN(v1::ListStaleDevicesResponse resp, c.client().ListStaleDevices(req));
  c.List(resp.devices(), {"device", "hostname", "last_seen_time"});
  return absl::OkStatus();
}

absl::Status SoftwareList(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(int64_t limit, c.Limit());
  v1::SearchSoftwareRequest req;
  req.set_name(c.args().Get("name"));
  req.set_page_size(static_cast<int32_t>(limit ? std::min<int64_t>(limit, 1000) : 1000));
  BESTAND_ASSIGN_OR_RETURN(v1::SearchSoftwareResponse resp, c.client().SearchSoftware(req));
  if (c.format() == Format::kJson) {
    c.One(resp);
    return absl::OkStatus();
  }
  // One row per (package, version): how many devices have it, and which. A table stays readable
  // with the first few, labelled; CSV is for machines and gets them all, as references.
  const bool table = c.format() == Format::kTable;
  constexpr int kShown = 5;
  std::vector<std::string> shown;
  for (const auto& u : resp.software()) {
    for (const auto& v : u.versions()) {
      for (int i = 0; i < v.devices_size() && (!table || i < kShown); ++i) {
        shown.push_back(v.devices(i));
      }
    }
  }
  if (table) c.ResolveLabels(shown);
  std::vector<std::vector<std::string>> rows;
  for (const auto& u : resp.software()) {
    for (const auto& v : u.versions()) {
      std::vector<std::string> which;
      for (int i = 0; i < v.devices_size() && (!table || i < kShown); ++i) {
        which.push_back(table ? c.Label(v.devices(i)) : v.devices(i));
      }
      if (table && v.devices_size() > kShown) {
        which.push_back(absl::StrCat("+", v.devices_size() - kShown, " more"));
      }
      rows.push_back({u.name(), v.version(), u.source(), absl::StrCat(v.devices_size()),
                      absl::StrJoin(which, table ? ", " : " ")});
    }
  }
  PrintRows(c.out(), c.format(), {"name", "version", "source", "devices", "which"}, rows);
  if (resp.truncated()) c.err() << "more packages match; narrow --name or raise --limit\n";
  return absl::OkStatus();
}

}  // namespace bestand
