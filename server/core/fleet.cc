#include "server/core/fleet.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "bestand/v1/inventory.pb.h"
#include "common/crypto.h"
#include "common/report_hash.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/json_util.h"
#include "server/core/audit.h"
#include "server/core/inventory.h"
#include "server/core/seal.h"
#include "server/pki/ca.h"

namespace bestand {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr int kMaxEnrollmentUses = 10000;
constexpr int64_t kMaxEnrollmentTtlSeconds = 30 * 24 * 3600;

std::string DeviceName(int64_t id) { return absl::StrCat("devices/", id); }
std::string AgentName(int64_t id) { return absl::StrCat("agents/", id); }

// C0 controls and DEL would reach administrators' terminals through the CLI.
bool HasControlCharacter(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

// UTF-8 without C0 control characters or DEL. What agents report is taken as the machine has
// it (macOS agents send double-encoded names holding C1 controls, for one); the CLI shows such
// characters inert and CSV output cannot run them. Printable ASCII, nearly every value of a
// report, is checked eight bytes at a time; a word with any byte below 0x20 or from 0x7F up
// sends the string to the full checks.
bool IsCleanText(const std::string& s) {
  constexpr uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    uint64_t below_space = (w - kOnes * 0x20) & ~w & kHighs;
    uint64_t from_del = ((w + kOnes) | w) & kHighs;
    if (below_space | from_del) break;
  }
  for (; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7F) return IsValidUtf8(s) && !HasControlCharacter(s);
  }
  return true;
}

// Walks every string and repeated field of a report: lengths, UTF-8 and counts are bounded.
// Field paths for messages are built only on error or once per nested field, not per value:
// a report has thousands of values.
absl::Status ValidateMessage(const Message& m, const std::string& path) {
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    auto name = [&] { return path.empty() ? f->name() : absl::StrCat(path, ".", f->name()); };
    if (f->is_repeated()) {
      int n = r->FieldSize(m, f);
      int max = f->name() == "software" ? kMaxReportPackages : kMaxReportItems;
      if (n > max) {
        return absl::InvalidArgumentError(
            absl::StrCat("report.", name(), ": ", n, " entries; at most ", max, " are allowed"));
      }
      // Packages are checked by CheckNewPackages, only those not stored yet.
      if (n == 0 || f == v1::InventoryReport::descriptor()->FindFieldByName("software")) continue;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const std::string child = name();
        for (int k = 0; k < n; ++k) {
          BESTAND_RETURN_IF_ERROR(ValidateMessage(r->GetRepeatedMessage(m, f, k), child));
        }
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        for (int k = 0; k < n; ++k) {
          const std::string& v = r->GetRepeatedString(m, f, k);
          if (v.size() > kMaxReportString || !IsCleanText(v)) {
            return absl::InvalidArgumentError(
                absl::StrCat("report.", name(), ": entry too long or holding control characters"));
          }
        }
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      const std::string& v = r->GetString(m, f);
      if (v.size() > kMaxReportString || !IsCleanText(v)) {
        return absl::InvalidArgumentError(
            absl::StrCat("report.", name(), ": longer than ", kMaxReportString,
                         " bytes, not UTF-8 or holding control characters"));
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && r->HasField(m, f)) {
      BESTAND_RETURN_IF_ERROR(ValidateMessage(r->GetMessage(m, f), name()));
    }
  }
  return absl::OkStatus();
}

// A hardware UUID that identifies a machine: well formed, not a firmware placeholder.
std::string CleanUuid(const std::string& raw) {
  std::string u = AsciiLower(absl::StripAsciiWhitespace(raw));
  if (u.size() != 36 || IsJunkSerial(u) || u == "03000200-0400-0500-0006-000700080009") return "";
  std::string hex;
  for (char c : u) {
    if (c != '-') hex += c;
  }
  if (hex.size() != 32 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) return "";
  if (hex.find_first_not_of('0') == std::string::npos ||
      hex.find_first_not_of('f') == std::string::npos) {
    return "";
  }
  return u;
}

std::string CleanMachineId(const std::string& raw) {
  std::string m = AsciiLower(absl::StripAsciiWhitespace(raw));
  if (m.size() != 32 || m.find_first_not_of("0123456789abcdef") != std::string::npos ||
      m.find_first_not_of('0') == std::string::npos) {
    return "";
  }
  return m;
}

std::string CleanSerial(const std::string& raw) {
  std::string s(absl::StripAsciiWhitespace(raw));
  return s.empty() || IsJunkSerial(s) || s.size() > 200 ? "" : s;
}

// A reported text as a device field takes it: at most kMaxTextLength characters (cut at a
// character boundary), without characters people may not enter either (replaced by U+FFFD).
std::string Clamp(const std::string& reported) {
  const std::string s = ReplaceForbiddenCharacters(reported);
  if (Utf8Length(s) <= kMaxTextLength) return s;
  size_t chars = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars++ == kMaxTextLength) break;
  }
  return s.substr(0, i);
}

v1::Device::Type TypeFromChassis(const std::string& chassis) {
  static const std::map<std::string, v1::Device::Type> kTypes = {
      {"Laptop", v1::Device::LAPTOP},
      {"Notebook", v1::Device::LAPTOP},
      {"Portable", v1::Device::LAPTOP},
      {"Convertible", v1::Device::LAPTOP},
      {"Detachable", v1::Device::LAPTOP},
      {"Sub Notebook", v1::Device::LAPTOP},
      {"Desktop", v1::Device::DESKTOP},
      {"Tower", v1::Device::DESKTOP},
      {"Mini Tower", v1::Device::DESKTOP},
      {"Low Profile Desktop", v1::Device::DESKTOP},
      {"All in One", v1::Device::DESKTOP},
      {"Mini PC", v1::Device::DESKTOP},
      {"Space-saving", v1::Device::DESKTOP},
      {"Main Server Chassis", v1::Device::SERVER},
      {"Rack Mount Chassis", v1::Device::SERVER},
      {"Blade", v1::Device::SERVER},
      {"Tablet", v1::Device::TABLET},
  };
  auto it = kTypes.find(chassis);
  return it == kTypes.end() ? v1::Device::TYPE_UNSPECIFIED : it->second;
}

// Writes `after` over device `id` with an audit event when it differs from `before`.
absl::Status SaveDevice(WriteTx& tx, const std::string& actor, int64_t id, const v1::Device& before,
                        v1::Device after) {
  const ResourceSpec& spec = Spec(Kind::kDevice);
  std::string before_json = AuditJson(spec, before);
  if (AuditJson(spec, after) == before_json) return absl::OkStatus();
  *after.mutable_update_time() = FromMicros(NowMicros());
  BESTAND_RETURN_IF_ERROR(tx.Update(Kind::kDevice, id, after));
  return RecordAudit(tx, actor, "update", DeviceName(id), std::move(before_json),
                     AuditJson(spec, after));
}

// Facts the agent knows better than a person: filled in when they differ from the agent's `last`
// report (so a correction made by hand stands until the machine itself changes), clamped to the
// inventory's field limits. A clean serial number becomes the reported one. Identity facts
// (hardware UUID, machine-id) are set at enrollment only, so a report cannot plant another
// machine's identity.
absl::Status ApplyReportFacts(WriteTx& tx, const std::string& actor, int64_t id,
                              const v1::InventoryReport& r, const v1::InventoryReport& last) {
  if (r.hostname() == last.hostname() && r.fqdn() == last.fqdn() &&
      r.os().pretty_name() == last.os().pretty_name() &&
      r.hardware().manufacturer() == last.hardware().manufacturer() &&
      r.hardware().model() == last.hardware().model() &&
      r.hardware().serial_number() == last.hardware().serial_number() &&
      r.hardware().chassis_type() == last.hardware().chassis_type()) {
    return absl::OkStatus();  // nothing new since the last report
  }
  v1::Device before;
  BESTAND_ASSIGN_OR_RETURN(bool found, tx.Get(Kind::kDevice, id, &before));
  if (!found) return absl::NotFoundError(absl::StrCat(DeviceName(id), " no longer exists"));
  v1::Device after = before;
  if (!r.hostname().empty()) after.set_hostname(Clamp(r.fqdn().empty() ? r.hostname() : r.fqdn()));
  if (!r.os().pretty_name().empty()) after.set_os(Clamp(r.os().pretty_name()));
  if (!r.hardware().manufacturer().empty()) {
    after.set_manufacturer(Clamp(r.hardware().manufacturer()));
  }
  if (!r.hardware().model().empty()) after.set_model(Clamp(r.hardware().model()));

  // Kept apart from the serial number a person records: an agent's claim never blocks that.
  if (std::string serial = CleanSerial(r.hardware().serial_number()); !serial.empty()) {
    after.set_reported_serial_number(Clamp(serial));
  }
  if (after.type() == v1::Device::TYPE_UNSPECIFIED) {
    after.set_type(TypeFromChassis(r.hardware().chassis_type()));
  }
  return SaveDevice(tx, actor, id, before, std::move(after));
}

// A package's place in a report as one integer: its id (below 2^32) above its position in the
// report (below 2^20).
constexpr int kPositionBits = 20;
static_assert(kMaxReportPackages < (1 << kPositionBits));

// Sorts keys made in report order by package id, keeping the report order among equal ids: a
// least-significant-digit radix sort, 11 bits a pass, as many passes as the largest id needs.
// Three times faster than std::sort on a report's 1,500 keys.
void SortByPackageId(std::vector<uint64_t>& keys) {
  uint64_t max = 0;
  for (uint64_t k : keys) max = std::max(max, k);
  std::vector<uint64_t> sorted(keys.size());
  for (int shift = kPositionBits; (max >> shift) != 0; shift += 11) {
    size_t start[2049] = {};
    for (uint64_t k : keys) ++start[((k >> shift) & 2047) + 1];
    for (int d = 1; d <= 2048; ++d) start[d] += start[d - 1];
    for (uint64_t k : keys) sorted[start[(k >> shift) & 2047]++] = k;
    keys.swap(sorted);
  }
}

// A package's identity and version, viewed in a report or in a stored record.
struct PackageView {
  int64_t id;
  absl::string_view source, name, architecture, version;
  auto Key() const { return std::tie(source, name, architecture); }
  bool operator<(const PackageView& o) const {
    return std::tie(source, name, architecture, version) <
           std::tie(o.source, o.name, o.architecture, o.version);
  }
};

// The history of one device's software between two sets, given the packages only in the old set
// (`gone`) and only in the new one (`added`). A package may be installed in several versions at
// once (rpm kernels), so versions are compared per (source, name, architecture): one version
// replaced by one other is an upgrade or downgrade; anything else is installs and removals.
std::vector<SoftwareEventRecord> SoftwareEvents(int64_t device_id, int64_t now,
                                                std::vector<PackageView> gone,
                                                std::vector<PackageView> added) {
  std::sort(gone.begin(), gone.end());
  std::sort(added.begin(), added.end());
  std::vector<SoftwareEventRecord> events;
  auto event = [&](v1::SoftwareChange::Kind kind, const PackageView& p, int64_t old_id) {
    events.push_back({0, device_id, now, kind, p.id, old_id});
  };
  // Both lists sorted by key: walk them a key at a time.
  auto g = gone.begin(), a = added.begin();
  while (g != gone.end() || a != added.end()) {
    const auto key = g == gone.end()                           ? a->Key()
                     : a == added.end() || g->Key() < a->Key() ? g->Key()
                                                               : a->Key();
    auto g_end = g, a_end = a;
    while (g_end != gone.end() && g_end->Key() == key) ++g_end;
    while (a_end != added.end() && a_end->Key() == key) ++a_end;
    // Versions on one side only, each once: a version on both sides changed only its publisher.
    auto only = [](auto from, auto to, auto other, auto other_end) {
      std::vector<const PackageView*> out;
      for (; from != to; ++from) {
        if (!out.empty() && out.back()->version == from->version) continue;
        auto same = [&](const PackageView& o) { return o.version == from->version; };
        if (std::none_of(other, other_end, same)) out.push_back(&*from);
      }
      return out;
    };
    const auto installed = only(a, a_end, g, g_end), removed = only(g, g_end, a, a_end);
    if (installed.size() == 1 && removed.size() == 1) {
      // Debian's ordering fits dpkg and rpm version strings; snap and flatpak versions are
      // free-form, so any change there is called an upgrade.
      const PackageView &now_p = *installed[0], &old_p = *removed[0];
      bool down = (old_p.source == "dpkg" || old_p.source == "rpm") &&
                  CompareVersions(now_p.version, old_p.version) < 0;
      event(down ? v1::SoftwareChange::DOWNGRADED : v1::SoftwareChange::UPGRADED, now_p, old_p.id);
    } else {
      for (const PackageView* p : installed) event(v1::SoftwareChange::INSTALLED, *p, 0);
      for (const PackageView* p : removed) event(v1::SoftwareChange::REMOVED, *p, 0);
    }
    g = g_end;
    a = a_end;
  }
  return events;
}

// Stores the device's new software set and the history events for what changed, sealed; returns
// the software seal. `ids` holds the package id of each package of report `r`, in report order.
absl::StatusOr<std::string> StoreSoftware(WriteTx& tx, const Sealer& sealer, int64_t device_id,
                                          const v1::InventoryReport& r,
                                          const std::vector<int64_t>& ids, int64_t now) {
  std::vector<uint64_t> order(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    order[i] = static_cast<uint64_t>(ids[i]) << kPositionBits | i;
  }
  if (!std::is_sorted(order.begin(), order.end())) SortByPackageId(order);
  auto package = [&](uint64_t key) -> const v1::SoftwarePackage& {
    return r.software(static_cast<int>(key & ((1 << kPositionBits) - 1)));
  };
  BESTAND_ASSIGN_OR_RETURN(std::optional<DeviceSoftwareRecord> prev,
                           tx.GetDeviceSoftware(device_id));
  const bool first = !prev;  // a first report has no history
  if (first) prev.emplace();
  // One walk over both sorted id lists: a package kept keeps the time it was first seen on this
  // device; packages in one list only are gone or added.
  DeviceSoftwareRecord next;
  next.package_ids.reserve(order.size());
  next.install_micros.reserve(order.size());
  next.first_seen_micros.reserve(order.size());
  std::vector<int64_t> gone;
  std::vector<uint64_t> added;  // keys of `order`
  size_t k = 0;
  for (uint64_t key : order) {
    const int64_t id = static_cast<int64_t>(key >> kPositionBits);
    if (!next.package_ids.empty() && next.package_ids.back() == id) continue;  // listed twice
    for (; k < prev->package_ids.size() && prev->package_ids[k] < id; ++k) {
      gone.push_back(prev->package_ids[k]);
    }
    const bool kept = k < prev->package_ids.size() && prev->package_ids[k] == id;
    if (!kept) added.push_back(key);
    const v1::SoftwarePackage& p = package(key);
    // Stored in whole seconds: compared in whole seconds too.
    const int64_t installed = p.has_install_time() ? p.install_time().seconds() : 0;
    next.package_ids.push_back(id);
    next.install_micros.push_back(installed > 0 ? installed * 1000000 : 0);
    next.first_seen_micros.push_back(kept ? prev->first_seen_micros[k++] : now);
  }
  gone.insert(gone.end(), prev->package_ids.begin() + k, prev->package_ids.end());
  if (!first && gone.empty() && added.empty() && prev->install_micros == next.install_micros) {
    return prev->seal;  // same set: nothing to write
  }
  std::vector<SoftwareEventRecord> events;
  if (!first && (!gone.empty() || !added.empty())) {
    // Removed packages are read from the store; added ones are in the report.
    BESTAND_ASSIGN_OR_RETURN(std::vector<PackageRecord> removed, tx.GetPackages(gone));
    std::vector<PackageView> before, after;
    for (const PackageRecord& p : removed) {
      before.push_back({p.id, p.source, p.name, p.architecture, p.version});
    }
    for (uint64_t key : added) {
      const v1::SoftwarePackage& p = package(key);
      after.push_back({static_cast<int64_t>(key >> kPositionBits), p.source(), p.name(),
                       p.architecture(), p.version()});
    }
    events = SoftwareEvents(device_id, now, std::move(before), std::move(after));
  }
  next.events_head = prev->events_head;
  for (const SoftwareEventRecord& e : events)
    next.events_head = sealer.NextHead(next.events_head, e);
  next.seal = sealer.Software(device_id, next);
  BESTAND_RETURN_IF_ERROR(tx.PutDeviceSoftware(device_id, next));
  if (!events.empty()) BESTAND_RETURN_IF_ERROR(tx.AppendSoftwareEvents(events));
  return next.seal;
}

// Stores `agent` sealed over its device's current software.
absl::Status PutSealedAgent(WriteTx& tx, const Sealer& sealer, AgentRecord& agent,
                            std::optional<std::string> software_seal = std::nullopt) {
  if (!software_seal) {
    BESTAND_ASSIGN_OR_RETURN(std::optional<DeviceSoftwareRecord> software,
                             tx.GetDeviceSoftware(agent.device_id));
    software_seal = software ? software->seal : "";
  }
  agent.seal = sealer.Agent(agent, *software_seal);
  agent.seen_seal = sealer.Seen(agent.device_id, agent.last_seen_micros);
  return tx.PutAgent(agent);
}

// Hashes each package's identity: the package index finds stored packages by this hash. Adds
// the size of the packages' text to `*text_bytes`.
std::vector<uint64_t> HashPackages(const v1::InventoryReport& r, size_t* text_bytes) {
  std::vector<uint64_t> hashes(r.software_size());
  for (int i = 0; i < r.software_size(); ++i) {
    const v1::SoftwarePackage& p = r.software(i);
    hashes[i] =
        PackageIndex::Hash(p.source(), p.name(), p.architecture(), p.version(), p.publisher());
    *text_bytes += p.source().size() + p.name().size() + p.architecture().size() +
                   p.version().size() + p.publisher().size();
  }
  return hashes;
}

// Everything of a report but its software list, without copying the list first.
v1::InventoryReport FactsOf(const v1::InventoryReport& r) {
  static const google::protobuf::FieldMask* const kFacts = [] {
    auto* mask = new google::protobuf::FieldMask;
    const auto* d = v1::InventoryReport::descriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      if (d->field(i)->name() != "software") mask->add_paths(d->field(i)->name());
    }
    return mask;
  }();
  v1::InventoryReport facts;
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(
      r, *kFacts, google::protobuf::util::FieldMaskUtil::MergeOptions(), &facts);
  return facts;
}

// Checks the text (length, UTF-8, control characters) of the packages not stored yet, those
// whose id is 0. Only they can bring text into the store: a package the index knows is stored
// by its id, and its text passed these checks when it was stored first. A report repeats
// mostly known packages, so most of its text is hashed once and never scanned again.
absl::Status CheckNewPackages(const v1::InventoryReport& r, absl::Span<const int64_t> ids) {
  for (int i = 0; i < r.software_size(); ++i) {
    if (ids[i] != 0) continue;
    const v1::SoftwarePackage& p = r.software(i);
    const std::pair<const char*, const std::string*> fields[] = {
        {"name", &p.name()},
        {"version", &p.version()},
        {"architecture", &p.architecture()},
        {"source", &p.source()},
        {"publisher", &p.publisher()}};
    for (const auto& [field, value] : fields) {
      if (value->size() > kMaxReportString || !IsCleanText(*value)) {
        return absl::InvalidArgumentError(
            absl::StrCat("report.software[", i, "].", field, ": longer than ", kMaxReportString,
                         " bytes, not UTF-8 or holding control characters"));
      }
    }
  }
  return absl::OkStatus();
}

// The device's current certificate, or the one before its last renewal.
bool ValidSerial(const std::string& serial, const std::string& current,
                 const std::string& previous) {
  return serial == current || (!previous.empty() && serial == previous);
}

absl::Status CheckAgent(const std::optional<AgentRecord>& agent, const AgentIdentity& who) {
  if (!agent || !ValidSerial(who.cert_serial, agent->cert_serial, agent->previous_cert_serial)) {
    return absl::UnauthenticatedError(
        "this agent certificate is no longer valid for the device; enroll again");
  }
  if (agent->revoke_micros != 0) {
    return absl::UnauthenticatedError("this device's agent was revoked; enroll again");
  }
  return absl::OkStatus();
}

}  // namespace

uint64_t PackageIndex::Hash(absl::string_view source, absl::string_view name,
                            absl::string_view architecture, absl::string_view version,
                            absl::string_view publisher) {
  return absl::HashOf(source, name, architecture, version, publisher);
}

int64_t PackageIndex::FindLocked(uint64_t hash) {
  auto it = ids_.find(Probe{hash});
  return it == ids_.end() ? 0 : *it;
}

void PackageIndex::Find(absl::Span<const uint64_t> hashes, absl::Span<int64_t> ids) {
  absl::ReaderMutexLock lock(&mu_);
  for (size_t i = 0; i < hashes.size(); ++i) ids[i] = FindLocked(hashes[i]);
}

int64_t PackageIndex::Find(uint64_t hash) {
  absl::ReaderMutexLock lock(&mu_);
  return FindLocked(hash);
}

absl::Status PackageIndex::Add(uint64_t hash, int64_t id) {
  if (id <= 0 || id > UINT32_MAX) {
    return absl::InternalError(absl::StrCat("package id ", id, " is out of range"));
  }
  absl::MutexLock lock(&mu_);
  if (hashes_.size() <= static_cast<size_t>(id)) hashes_.resize(id + 1);
  hashes_[id] = hash;
  ids_.insert(static_cast<uint32_t>(id));
  return absl::OkStatus();
}

void AgentRegistry::Enrolled(const AgentRecord& a) {
  absl::MutexLock lock(&mu_);
  State& s = agents_[a.device_id];
  s.cert_serial = a.cert_serial;
  s.previous_cert_serial = a.previous_cert_serial;
  s.revoked = a.revoke_micros != 0;
  s.report_hash = a.report_hash;
  s.last_seen = std::max(s.last_seen, a.last_seen_micros);
}

void AgentRegistry::Reported(int64_t device, const std::string& hash, int64_t micros) {
  absl::MutexLock lock(&mu_);
  State& s = agents_[device];
  s.report_hash = hash;
  // A heartbeat that arrived meanwhile stays dirty; the database never goes backwards.
  s.last_seen = std::max(s.last_seen, micros);
}

void AgentRegistry::MarkDirty(const std::vector<std::pair<int64_t, int64_t>>& seen) {
  absl::MutexLock lock(&mu_);
  for (const auto& [device, micros] : seen) {
    State& s = agents_[device];
    s.last_seen = std::max(s.last_seen, micros);
    s.dirty = true;
  }
}

absl::Status AgentRegistry::Check(const AgentIdentity& who) {
  absl::MutexLock lock(&mu_);
  return CheckLocked(who);
}

absl::Status AgentRegistry::CheckLocked(const AgentIdentity& who) {
  auto it = agents_.find(who.device_id);
  if (it == agents_.end() ||
      !ValidSerial(who.cert_serial, it->second.cert_serial, it->second.previous_cert_serial)) {
    return absl::UnauthenticatedError(
        "this agent certificate is no longer valid for the device; enroll again");
  }
  if (it->second.revoked) {
    return absl::UnauthenticatedError("this device's agent was revoked; enroll again");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> AgentRegistry::Seen(const AgentIdentity& who, int64_t micros) {
  absl::MutexLock lock(&mu_);
  BESTAND_RETURN_IF_ERROR(CheckLocked(who));
  State& s = agents_[who.device_id];
  s.last_seen = micros;
  s.dirty = true;
  return s.report_hash;
}

int64_t AgentRegistry::LastSeen(int64_t device) {
  absl::MutexLock lock(&mu_);
  auto it = agents_.find(device);
  return it == agents_.end() ? 0 : it->second.last_seen;
}

std::vector<std::pair<int64_t, int64_t>> AgentRegistry::TakeDirty() {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<int64_t, int64_t>> out;
  for (auto& [device, s] : agents_) {
    if (!s.dirty) continue;
    out.emplace_back(device, s.last_seen);
    s.dirty = false;
  }
  return out;
}

std::optional<AgentIdentity> AgentRegistry::CertIdentity(const std::string& pem) {
  absl::MutexLock lock(&mu_);
  auto it = certs_.find(pem);
  if (it == certs_.end()) return std::nullopt;
  return it->second;
}

void AgentRegistry::RememberCert(const std::string& pem, const AgentIdentity& who) {
  absl::MutexLock lock(&mu_);
  // Bounded: a fleet's certificates fit; past that, certificates are parsed per call.
  if (certs_.size() < kMaxCerts) certs_.emplace(pem, who);
}

v1::EnrollmentToken EnrollmentTokenFromRecord(const EnrollmentTokenRecord& r) {
  v1::EnrollmentToken t;
  t.set_name(absl::StrCat("enrollmentTokens/", r.id));
  t.set_display_name(r.display_name);
  t.set_max_uses(r.max_uses);
  t.set_uses(r.uses);
  *t.mutable_expire_time() = FromMicros(r.expire_micros);
  *t.mutable_create_time() = FromMicros(r.create_micros);
  if (r.revoke_micros) *t.mutable_revoke_time() = FromMicros(r.revoke_micros);
  if (r.device_id) t.set_device(DeviceName(r.device_id));
  return t;
}

std::string SoftwareName(int64_t device_id) { return absl::StrCat("software/", device_id); }

std::string SoftwareAuditJson(absl::string_view seal) {
  return absl::StrCat("{\"seal\":\"", seal, "\"}");
}

std::string AgentAuditJson(const AgentRecord& a) {
  // Only what decides who may report: certificate and revocation, not the reports themselves.
  return absl::StrCat("{\"device\":\"", DeviceName(a.device_id), "\",\"cert_serial\":\"",
                      a.cert_serial, "\",\"previous_cert_serial\":\"", a.previous_cert_serial,
                      "\",\"enroll_micros\":", a.enroll_micros,
                      ",\"revoke_micros\":", a.revoke_micros, "}");
}

int CompareVersions(absl::string_view a, absl::string_view b) {
  auto split = [](absl::string_view v, int64_t* epoch, absl::string_view* upstream,
                  absl::string_view* rev) {
    absl::string_view rest = v;
    *epoch = 0;
    if (size_t colon = rest.find(':'); colon != absl::string_view::npos) {
      if (!absl::SimpleAtoi(rest.substr(0, colon), epoch)) *epoch = 0;
      rest = rest.substr(colon + 1);
    }
    size_t dash = rest.rfind('-');
    *upstream = dash == absl::string_view::npos ? rest : rest.substr(0, dash);
    *rev = dash == absl::string_view::npos ? "" : rest.substr(dash + 1);
  };
  // dpkg's ordering of non-digit characters: '~' first, then the end, then letters, then others.
  auto order = [](char c) -> int {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) return 0;
    if (absl::ascii_isalpha(static_cast<unsigned char>(c))) return c;
    if (c == '~') return -1;
    if (c) return c + 256;
    return 0;
  };
  auto compare_part = [&](absl::string_view x, absl::string_view y) {
    size_t i = 0, j = 0;
    while (i < x.size() || j < y.size()) {
      int first_diff = 0;
      while ((i < x.size() && !absl::ascii_isdigit(static_cast<unsigned char>(x[i]))) ||
             (j < y.size() && !absl::ascii_isdigit(static_cast<unsigned char>(y[j])))) {
        int ac = i < x.size() ? order(x[i]) : 0;
        int bc = j < y.size() ? order(y[j]) : 0;
        if (ac != bc) return ac - bc;
        ++i;
        ++j;
      }
      while (i < x.size() && x[i] == '0') ++i;
      while (j < y.size() && y[j] == '0') ++j;
      while (i < x.size() && j < y.size() &&
             absl::ascii_isdigit(static_cast<unsigned char>(x[i])) &&
             absl::ascii_isdigit(static_cast<unsigned char>(y[j]))) {
        if (!first_diff) first_diff = x[i] - y[j];
        ++i;
        ++j;
      }
      if (i < x.size() && absl::ascii_isdigit(static_cast<unsigned char>(x[i]))) return 1;
      if (j < y.size() && absl::ascii_isdigit(static_cast<unsigned char>(y[j]))) return -1;
      if (first_diff) return first_diff;
    }
    return 0;
  };
  int64_t ea, eb;
  absl::string_view ua, ub, ra, rb;
  split(a, &ea, &ua, &ra);
  split(b, &eb, &ub, &rb);
  if (ea != eb) return ea < eb ? -1 : 1;
  if (int c = compare_part(ua, ub); c != 0) return c < 0 ? -1 : 1;
  int c = compare_part(ra, rb);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

absl::StatusOr<v1::CreateEnrollmentTokenResponse> Fleet::CreateEnrollmentToken(
    const std::string& actor, const v1::CreateEnrollmentTokenRequest& req) {
  const v1::EnrollmentToken& t = req.token();
  std::string name(absl::StripAsciiWhitespace(t.display_name()));
  if (name.empty()) name = absl::StrCat("enrollment ", FormatIsoDate(TodayUtc()));
  if (Utf8Length(name) > 100 || !IsValidUtf8(name)) {
    return absl::InvalidArgumentError("display_name: at most 100 characters");
  }
  int32_t uses = t.max_uses() ? t.max_uses() : 1;
  if (uses < 1 || uses > kMaxEnrollmentUses) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_uses: ", uses, " is out of range 1..", kMaxEnrollmentUses));
  }
  const int64_t now = NowMicros();
  const int64_t now_seconds = now / 1000000;
  // Checked before any arithmetic, so no input can overflow it.
  if (req.ttl_seconds() < 0 || req.ttl_seconds() > kMaxEnrollmentTtlSeconds ||
      (t.has_expire_time() &&
       (t.expire_time().seconds() <= now_seconds ||
        t.expire_time().seconds() > now_seconds + kMaxEnrollmentTtlSeconds))) {
    return absl::InvalidArgumentError("ttl_seconds: the token must expire within 30 days");
  }
  int64_t expire = t.has_expire_time()
                       ? ToMicros(t.expire_time())
                       : now + (req.ttl_seconds() ? req.ttl_seconds() : 86400) * 1000000;
  if (!t.device().empty() && uses != 1) {
    return absl::InvalidArgumentError(
        "max_uses: a token bound to a device is good for one enrollment");
  }
  BESTAND_ASSIGN_OR_RETURN(std::string random, RandomToken(32));
  std::string secret = absl::StrCat("bse_", random);
  EnrollmentTokenRecord rec{0, name, Sha256Hex(secret), uses, 0, expire, now, 0};
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  if (!t.device().empty()) {
    absl::StatusOr<int64_t> device = ResolveName(*tx, Kind::kDevice, t.device());
    if (!device.ok())
      return FieldError(device.status().code(), "device", device.status().message());
    rec.device_id = *device;
  }
  BESTAND_ASSIGN_OR_RETURN(rec.id, tx->InsertEnrollmentToken(rec));
  v1::CreateEnrollmentTokenResponse resp;
  *resp.mutable_token() = EnrollmentTokenFromRecord(rec);
  BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "enrollmentToken.create", resp.token().name(), "",
                                      EnrollmentTokenAuditJson(rec)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  resp.set_secret(std::move(secret));
  return resp;
}

absl::StatusOr<v1::ListEnrollmentTokensResponse> Fleet::ListEnrollmentTokens() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(std::vector<EnrollmentTokenRecord> tokens, tx->ListEnrollmentTokens());
  v1::ListEnrollmentTokensResponse resp;
  for (const auto& t : tokens) *resp.add_tokens() = EnrollmentTokenFromRecord(t);
  return resp;
}

absl::Status Fleet::RevokeEnrollmentToken(const std::string& actor, const std::string& name) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(std::vector<EnrollmentTokenRecord> tokens, tx->ListEnrollmentTokens());
  for (EnrollmentTokenRecord& t : tokens) {
    if (absl::StrCat("enrollmentTokens/", t.id) != name && t.display_name != name) continue;
    if (t.revoke_micros != 0) return absl::OkStatus();
    std::string before = EnrollmentTokenAuditJson(t);
    t.revoke_micros = NowMicros();
    BESTAND_RETURN_IF_ERROR(tx->PutEnrollmentToken(t));
    BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "enrollmentToken.revoke",
                                        absl::StrCat("enrollmentTokens/", t.id), before,
                                        EnrollmentTokenAuditJson(t)));
    return tx->Commit();
  }
  return absl::NotFoundError(absl::StrCat("enrollment token '", name, "' not found"));
}

absl::Status Fleet::RevokeAgent(const std::string& actor, const std::string& device) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(int64_t id, ResolveName(*tx, Kind::kDevice, device));
  BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> agent, tx->GetAgent(id));
  if (!agent) {
    return absl::FailedPreconditionError(absl::StrCat(DeviceName(id), " has no enrolled agent"));
  }
  if (agent->revoke_micros != 0) return absl::OkStatus();
  std::string before = AgentAuditJson(*agent);
  agent->revoke_micros = NowMicros();
  BESTAND_RETURN_IF_ERROR(PutSealedAgent(*tx, sealer_, *agent));
  BESTAND_RETURN_IF_ERROR(
      RecordAudit(*tx, actor, "agent.revoke", AgentName(id), before, AgentAuditJson(*agent)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  registry_.Enrolled(*agent);
  return absl::OkStatus();
}

absl::StatusOr<v1::EnrollResponse> Fleet::Enroll(const std::string& secret,
                                                 const v1::EnrollRequest& req) {
  if (req.csr_pem().size() > 16384) return absl::InvalidArgumentError("csr_pem: too large");
  for (const std::string* f :
       {&req.hostname(), &req.machine_id(), &req.hardware_uuid(), &req.serial_number()}) {
    if (f->size() > kMaxReportString || !IsValidUtf8(*f)) {
      return absl::InvalidArgumentError("enrollment facts: too long or not UTF-8");
    }
  }
  const std::string hash = Sha256Hex(secret);
  const int64_t now = NowMicros();
  // The token is checked first in a read transaction, so callers without a valid token never
  // hold up the single writer; the write transaction checks it again.
  auto find_token = [&](ReadTx& tx) -> absl::StatusOr<EnrollmentTokenRecord> {
    BESTAND_ASSIGN_OR_RETURN(std::vector<EnrollmentTokenRecord> tokens, tx.ListEnrollmentTokens());
    auto token = std::find_if(tokens.begin(), tokens.end(),
                              [&](const auto& t) { return t.secret_sha256 == hash; });
    if (secret.empty() || token == tokens.end()) {
      return absl::UnauthenticatedError("unknown enrollment token");
    }
    if (token->revoke_micros != 0 || token->expire_micros <= now) {
      return absl::UnauthenticatedError(
          absl::StrCat("enrollment token '", token->display_name, "' has expired or was revoked"));
    }
    if (token->uses >= token->max_uses) {
      return absl::UnauthenticatedError(absl::StrCat("enrollment token '", token->display_name,
                                                     "' is used up (", token->max_uses, " uses)"));
    }
    return *token;
  };
  {
    BESTAND_ASSIGN_OR_RETURN(auto rtx, store_->BeginRead());
    BESTAND_RETURN_IF_ERROR(find_token(*rtx).status());
  }
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(EnrollmentTokenRecord token_record, find_token(*tx));
  EnrollmentTokenRecord* token = &token_record;
  const std::string actor = absl::StrCat("enrollment:", token->display_name);

  // Identity facts are not secret: whoever claims a known machine's hardware UUID gets a device
  // of its own (a "possible duplicate device" finding), unless the coordinator bound the token
  // to the device this machine is.
  std::optional<int64_t> device_id;
  if (token->device_id) {
    device_id = token->device_id;
    BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> active, tx->GetAgent(*device_id));
    if (active && active->revoke_micros == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(DeviceName(*device_id),
                       " has an active agent; if this machine replaces it (re-imaged), run "
                       "'bestand agent revoke ",
                       DeviceName(*device_id), "' first"));
    }
    v1::Device before;
    BESTAND_ASSIGN_OR_RETURN(bool found, tx->Get(Kind::kDevice, *device_id, &before));
    if (!found) return absl::NotFoundError(absl::StrCat(DeviceName(*device_id), " is gone"));
    v1::Device after = before;
    after.set_hardware_uuid(CleanUuid(req.hardware_uuid()));
    after.set_machine_id(CleanMachineId(req.machine_id()));
    if (!req.hostname().empty()) after.set_hostname(Clamp(req.hostname()));
    after.set_reported_serial_number(Clamp(CleanSerial(req.serial_number())));
    BESTAND_RETURN_IF_ERROR(SaveDevice(*tx, actor, *device_id, before, std::move(after)));
  } else {
    v1::Device d;
    d.set_hostname(Clamp(req.hostname()));
    d.set_status(v1::Device::IN_STOCK);
    d.set_currency("EUR");
    d.set_hardware_uuid(CleanUuid(req.hardware_uuid()));
    d.set_machine_id(CleanMachineId(req.machine_id()));
    d.set_reported_serial_number(Clamp(CleanSerial(req.serial_number())));
    *d.mutable_create_time() = FromMicros(now);
    *d.mutable_update_time() = FromMicros(now);
    BESTAND_ASSIGN_OR_RETURN(int64_t id, tx->Insert(Kind::kDevice, d));
    d.set_name(DeviceName(id));
    BESTAND_RETURN_IF_ERROR(
        RecordAudit(*tx, actor, "create", d.name(), "", AuditJson(Spec(Kind::kDevice), d)));
    device_id = id;
  }
  BESTAND_ASSIGN_OR_RETURN(IssuedCert cert,
                           SignClientCsr(ca_, req.csr_pem(), DeviceName(*device_id)));

  BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> existing, tx->GetAgent(*device_id));
  AgentRecord agent = existing.value_or(AgentRecord{});
  std::string before = existing ? AgentAuditJson(*existing) : "";
  agent.device_id = *device_id;
  agent.cert_serial = cert.serial_hex;
  agent.previous_cert_serial.clear();
  agent.enroll_micros = now;
  agent.revoke_micros = 0;
  agent.report_hash.clear();  // the first report after enrolling is always a full one
  BESTAND_RETURN_IF_ERROR(PutSealedAgent(*tx, sealer_, agent));
  BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "agent.enroll", AgentName(*device_id), before,
                                      AgentAuditJson(agent)));
  std::string token_before = EnrollmentTokenAuditJson(*token);
  ++token->uses;
  BESTAND_RETURN_IF_ERROR(tx->PutEnrollmentToken(*token));
  BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "enrollmentToken.use",
                                      absl::StrCat("enrollmentTokens/", token->id), token_before,
                                      EnrollmentTokenAuditJson(*token)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  registry_.Enrolled(agent);
  v1::EnrollResponse resp;
  resp.set_certificate_pem(cert.cert_pem);
  resp.set_ca_pem(ca_.cert_pem);
  resp.set_device(DeviceName(*device_id));
  return resp;
}

absl::StatusOr<v1::RenewCertificateResponse> Fleet::RenewCertificate(
    const AgentIdentity& who, const v1::RenewCertificateRequest& req) {
  if (req.csr_pem().size() > 16384) return absl::InvalidArgumentError("csr_pem: too large");
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> agent, tx->GetAgent(who.device_id));
  BESTAND_RETURN_IF_ERROR(CheckAgent(agent, who));
  BESTAND_ASSIGN_OR_RETURN(IssuedCert cert,
                           SignClientCsr(ca_, req.csr_pem(), DeviceName(who.device_id)));
  const std::string before = AgentAuditJson(*agent);
  // The certificate the call came with stays valid: should this answer be lost, the agent still
  // holds a certificate that can renew again.
  agent->previous_cert_serial = who.cert_serial;
  agent->cert_serial = cert.serial_hex;
  BESTAND_RETURN_IF_ERROR(PutSealedAgent(*tx, sealer_, *agent));
  BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, absl::StrCat("agent:", DeviceName(who.device_id)),
                                      "agent.renew", AgentName(who.device_id), before,
                                      AgentAuditJson(*agent)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  registry_.Enrolled(*agent);
  v1::RenewCertificateResponse resp;
  resp.set_certificate_pem(cert.cert_pem);
  return resp;
}

absl::StatusOr<AgentIdentity> Fleet::AuthenticateAgent(const std::string& cert_pem) {
  if (cert_pem.empty()) {
    return absl::UnauthenticatedError(
        "no client certificate: agents report over mTLS after 'bestand-agent enroll'");
  }
  // TLS already verified the certificate against our CA; what remains is whose it is and whether
  // it is still that device's current one, both answered from memory.
  std::optional<AgentIdentity> who = registry_.CertIdentity(cert_pem);
  if (!who) {
    auto subject = CertSubjectAndSerial(cert_pem);
    if (!subject.ok()) return absl::UnauthenticatedError("unreadable client certificate");
    int64_t id = 0;
    absl::string_view cn = subject->first;
    if (!absl::ConsumePrefix(&cn, "devices/") || !absl::SimpleAtoi(cn, &id)) {
      return absl::UnauthenticatedError("the client certificate does not name a device");
    }
    who = AgentIdentity{id, subject->second};
    registry_.RememberCert(cert_pem, *who);
  }
  BESTAND_RETURN_IF_ERROR(registry_.Check(*who));
  return *who;
}

struct Fleet::PendingReport {
  AgentIdentity who;
  const v1::ReportRequest* request = nullptr;
  std::string hash;              // the content hash acknowledged to the agent
  std::string facts;             // the report without its software, serialized
  std::vector<uint64_t> hashes;  // of each package
  std::vector<int64_t> ids;      // of each package, 0 where not yet known
  ReportDone done;
  int64_t now = 0;                                // when it was stored
  absl::flat_hash_map<uint64_t, int64_t> stored;  // packages new with this report
  bool attempted = false;  // StoreReport ran (and `result` holds its outcome)
  absl::StatusOr<v1::ReportResponse> result;
};

Fleet::Fleet(Store* store, KeyAndCert ca, FleetOptions options)
    : store_(store),
      ca_(std::move(ca)),
      options_(options),
      sealer_(options.seal_key.empty() ? *Sealer::NewKey() : options.seal_key) {}

Fleet::~Fleet() {
  absl::MutexLock lock(&queue_mu_);
  auto idle = [this] {
    queue_mu_.AssertReaderHeld();
    return !writing_;
  };
  queue_mu_.Await(absl::Condition(&idle));
}

void Fleet::Report(const AgentIdentity& who, const v1::ReportRequest& req, ReportDone done) {
  if (absl::Status s = ValidateMessage(req.report(), ""); !s.ok()) return done(s);
  const v1::InventoryReport facts = FactsOf(req.report());
  size_t text_bytes = 0;
  std::vector<uint64_t> hashes = HashPackages(req.report(), &text_bytes);
  // The report's size: an upper bound from sizes at hand (a package encodes its text and at most
  // kPackageOverhead bytes of tags, lengths and time) decides nearly every report; only a report
  // near the limit is measured exactly, which walks every package again. Unknown fields are
  // left out of the bound: they are never stored, and gRPC bounds the whole message.
  constexpr size_t kPackageOverhead = 64;
  const size_t bound = req.content_hash().size() + 16 + facts.ByteSizeLong() + text_bytes +
                       kPackageOverhead * hashes.size();
  if (bound > kMaxReportBytes && req.ByteSizeLong() > kMaxReportBytes) {
    return done(absl::InvalidArgumentError(
        absl::StrCat("report: ", req.ByteSizeLong(), " bytes; at most ", kMaxReportBytes)));
  }
  auto job = std::make_unique<PendingReport>();
  job->facts = facts.SerializeAsString();
  job->hashes = std::move(hashes);
  job->who = who;
  job->request = &req;
  job->done = std::move(done);
  // The agent's hash is taken when it is well formed: it only decides when that agent's own
  // device is sent in full again, so a wrong one harms nobody else. Computing it costs a copy
  // and a serialisation of the whole report.
  job->hash = req.content_hash().size() == 64 &&
                      req.content_hash().find_first_not_of("0123456789abcdef") == std::string::npos
                  ? req.content_hash()
                  : ReportContentHash(req.report());
  // Packages are looked up here, off the writer's thread; the writer looks up again only those
  // still unknown, which another report may have stored meanwhile.
  job->ids.resize(job->hashes.size());
  packages_.Find(job->hashes, absl::MakeSpan(job->ids));
  if (absl::Status s = CheckNewPackages(req.report(), job->ids); !s.ok()) return job->done(s);
  {
    absl::MutexLock lock(&queue_mu_);
    queue_.push_back(std::move(job));
    if (writing_) return;  // the thread writing now takes it with its next batch
    writing_ = true;
  }
  WriteQueued();
}

absl::StatusOr<v1::ReportResponse> Fleet::Report(const AgentIdentity& who,
                                                 const v1::ReportRequest& req) {
  absl::Notification finished;
  absl::StatusOr<v1::ReportResponse> out;
  Report(who, req, [&](absl::StatusOr<v1::ReportResponse> r) {
    out = std::move(r);
    finished.Notify();
  });
  finished.WaitForNotification();
  return out;
}

void Fleet::WriteQueued() {
  while (true) {
    std::vector<std::unique_ptr<PendingReport>> batch;
    {
      absl::MutexLock lock(&queue_mu_);
      if (queue_.empty()) {
        writing_ = false;
        return;
      }
      size_t take = std::min(queue_.size(), kMaxBatch);
      std::move(queue_.begin(), queue_.begin() + take, std::back_inserter(batch));
      queue_.erase(queue_.begin(), queue_.begin() + take);
    }
    WriteBatch(batch);
    for (auto& job : batch) job->done(std::move(job->result));
  }
}

void Fleet::WriteBatch(std::vector<std::unique_ptr<PendingReport>>& batch) {
  absl::Status s = [&]() -> absl::Status {
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
    absl::flat_hash_map<uint64_t, int64_t> batch_packages;
    for (auto& job : batch) {
      absl::Status stored = tx->Nested([&] { return StoreReport(*tx, *job, batch_packages); });
      job->attempted = true;
      if (!stored.ok()) {
        job->result = stored;
        continue;
      }
      batch_packages.insert(job->stored.begin(), job->stored.end());
    }
    BESTAND_RETURN_IF_ERROR(tx->Commit());
    // Only committed ids enter the index and the registry, while `tx` still holds the single
    // writer, so they change in commit order.
    for (auto& job : batch) {
      if (!job->result.ok()) continue;
      for (const auto& [package_hash, id] : job->stored) {
        if (absl::Status added = packages_.Add(package_hash, id); !added.ok()) {
          job->result = added;
        }
      }
      registry_.Reported(job->who.device_id, job->hash, job->now);
    }
    return absl::OkStatus();
  }();
  if (s.ok()) return;
  // The transaction failed: reports stored in it, or never tried, share its error.
  for (auto& job : batch) {
    if (job->result.ok() || !job->attempted) job->result = s;
  }
}

absl::Status Fleet::ResolvePackages(WriteTx& tx, const v1::InventoryReport& report,
                                    const std::vector<uint64_t>& hashes,
                                    const absl::flat_hash_map<uint64_t, int64_t>& batch_packages,
                                    std::vector<int64_t>& ids,
                                    absl::flat_hash_map<uint64_t, int64_t>* stored) {
  for (int i = 0; i < report.software_size(); ++i) {
    const v1::SoftwarePackage& p = report.software(i);
    int64_t& id = ids[i];
    if (id == 0) id = packages_.Find(hashes[i]);
    if (id == 0) {
      auto in_batch = batch_packages.find(hashes[i]);
      if (in_batch != batch_packages.end()) id = in_batch->second;
    }
    if (id == 0) {
      auto [it, inserted] = stored->try_emplace(hashes[i], 0);
      if (inserted) {
        BESTAND_ASSIGN_OR_RETURN(
            it->second, tx.InsertPackage({0, p.source(), p.name(), p.architecture(), p.version(),
                                          p.publisher()}));
        if (it->second > UINT32_MAX) {
          return absl::ResourceExhaustedError("more than 2^32 distinct packages are stored");
        }
      }
      id = it->second;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<InventoryImport> Fleet::ImportInventory(const std::string& actor,
                                                       const v1::InventoryReport& report,
                                                       bool dry_run) {
  BESTAND_RETURN_IF_ERROR(ValidateMessage(report, ""));
  size_t text_bytes = 0;
  const std::vector<uint64_t> hashes = HashPackages(report, &text_bytes);
  std::vector<int64_t> ids(hashes.size());
  packages_.Find(hashes, absl::MakeSpan(ids));
  BESTAND_RETURN_IF_ERROR(CheckNewPackages(report, ids));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  // The device this machine is: hardware UUID, machine-id, then a clean serial number (an
  // administrator's file, unlike an agent's claim, may be matched by its serial).
  const std::string serial = CleanSerial(report.hardware().serial_number());
  const std::pair<const char*, std::string> keys[] = {
      {"hardware_uuid", CleanUuid(report.hardware().hardware_uuid())},
      {"machine_id", CleanMachineId(report.machine_id())},
      {"serial_number", serial},
      {"reported_serial_number", serial}};
  std::optional<int64_t> device;
  for (const auto& [field, value] : keys) {
    if (value.empty() || device) continue;
    BESTAND_ASSIGN_OR_RETURN(device, tx->FindId(Kind::kDevice, {{field, value}}));
  }
  InventoryImport out;
  out.created = !device;
  const int64_t now = NowMicros();
  if (!device) {
    v1::Device d;
    d.set_hostname(report.hostname());
    d.set_status(v1::Device::IN_STOCK);
    d.set_currency("EUR");
    d.set_hardware_uuid(keys[0].second);
    d.set_machine_id(keys[1].second);
    d.set_reported_serial_number(serial);
    *d.mutable_create_time() = FromMicros(now);
    *d.mutable_update_time() = FromMicros(now);
    BESTAND_ASSIGN_OR_RETURN(device, tx->Insert(Kind::kDevice, d));
    d.set_name(DeviceName(*device));
    BESTAND_RETURN_IF_ERROR(
        RecordAudit(*tx, actor, "create", d.name(), "", AuditJson(Spec(Kind::kDevice), d)));
  }
  BESTAND_RETURN_IF_ERROR(ApplyReportFacts(*tx, actor, *device, report, v1::InventoryReport()));
  absl::flat_hash_map<uint64_t, int64_t> stored;
  BESTAND_RETURN_IF_ERROR(ResolvePackages(*tx, report, hashes, {}, ids, &stored));
  BESTAND_ASSIGN_OR_RETURN(auto before, tx->ListSoftwareEvents(*device, 0, 1));
  BESTAND_ASSIGN_OR_RETURN(std::optional<DeviceSoftwareRecord> old_software,
                           tx->GetDeviceSoftware(*device));
  BESTAND_ASSIGN_OR_RETURN(std::string seal,
                           StoreSoftware(*tx, sealer_, *device, report, ids, now));
  // The seal is anchored: by the device's agent record where it has one, else in the audit
  // trail (imports are rare enough for an event each).
  BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> agent, tx->GetAgent(*device));
  if (agent) {
    BESTAND_RETURN_IF_ERROR(PutSealedAgent(*tx, sealer_, *agent, seal));
  } else if (!old_software || old_software->seal != seal) {
    BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "software.import", SoftwareName(*device),
                                        old_software ? SoftwareAuditJson(old_software->seal) : "",
                                        SoftwareAuditJson(seal)));
  }
  BESTAND_ASSIGN_OR_RETURN(auto after, tx->ListSoftwareEvents(*device, 0, kMaxReportPackages));
  for (const SoftwareEventRecord& e : after) {
    if (!before.empty() && e.id <= before[0].id) break;
    ++out.changes;
  }
  out.device = DeviceName(*device);
  out.packages = report.software_size();
  if (dry_run) return out;  // rolled back with `tx`
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  for (const auto& [package_hash, id] : stored) {  // while `tx` holds the single writer
    BESTAND_RETURN_IF_ERROR(packages_.Add(package_hash, id));
  }
  return out;
}

absl::Status Fleet::StoreReport(WriteTx& tx, PendingReport& job,
                                const absl::flat_hash_map<uint64_t, int64_t>& batch_packages) {
  const AgentIdentity& who = job.who;
  const v1::InventoryReport& report = job.request->report();
  const int64_t now = job.now = NowMicros();
  BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> agent, tx.GetAgent(who.device_id));
  BESTAND_RETURN_IF_ERROR(CheckAgent(agent, who));
  const std::string actor = absl::StrCat("agent:", DeviceName(who.device_id));
  v1::InventoryReport last;  // the facts of the previous report
  if (!last.ParseFromString(agent->facts)) last.Clear();
  BESTAND_RETURN_IF_ERROR(ApplyReportFacts(tx, actor, who.device_id, report, last));
  BESTAND_RETURN_IF_ERROR(
      ResolvePackages(tx, report, job.hashes, batch_packages, job.ids, &job.stored));
  BESTAND_ASSIGN_OR_RETURN(std::string seal,
                           StoreSoftware(tx, sealer_, who.device_id, report, job.ids, now));
  agent->facts = std::move(job.facts);
  agent->report_hash = job.hash;
  agent->last_report_micros = now;
  agent->last_seen_micros = now;
  BESTAND_RETURN_IF_ERROR(PutSealedAgent(tx, sealer_, *agent, seal));
  v1::ReportResponse resp;
  resp.set_device(DeviceName(who.device_id));
  resp.set_acknowledged_hash(job.hash);
  resp.set_next_report_seconds(options_.report_interval_seconds);
  job.result = std::move(resp);
  return absl::OkStatus();
}

absl::StatusOr<v1::HeartbeatResponse> Fleet::Heartbeat(const AgentIdentity& who,
                                                       const v1::HeartbeatRequest& req) {
  // Heartbeats touch memory only; FlushLastSeen writes the times in batches.
  BESTAND_ASSIGN_OR_RETURN(std::string acknowledged, registry_.Seen(who, NowMicros()));
  v1::HeartbeatResponse resp;
  resp.set_send_full_report(req.content_hash() != acknowledged);
  resp.set_next_report_seconds(options_.report_interval_seconds);
  return resp;
}

absl::Status Fleet::FlushLastSeen() {
  std::vector<std::pair<int64_t, int64_t>> seen = registry_.TakeDirty();
  if (seen.empty()) return absl::OkStatus();
  absl::Status s = [&]() -> absl::Status {
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
    for (const auto& [device, micros] : seen) {
      BESTAND_RETURN_IF_ERROR(tx->TouchAgent(device, micros, sealer_.Seen(device, micros)));
    }
    return tx->Commit();
  }();
  if (!s.ok()) registry_.MarkDirty(seen);  // tried again at the next flush
  return s;
}

absl::StatusOr<int64_t> Fleet::SealUnsealed() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  std::unordered_map<int64_t, std::string> heads;
  BESTAND_RETURN_IF_ERROR(tx->ScanSoftwareEvents([&](const SoftwareEventRecord& e) {
    std::string& head = heads[e.device_id];
    head = sealer_.NextHead(head, e);
    return absl::OkStatus();
  }));
  std::vector<std::pair<int64_t, DeviceSoftwareRecord>> software;  // written after the scan
  BESTAND_RETURN_IF_ERROR(
      tx->ScanDeviceSoftware([&](int64_t device, const DeviceSoftwareRecord& r) {
        if (r.seal.empty()) software.emplace_back(device, r);
        return absl::OkStatus();
      }));
  std::vector<AgentRecord> agents;
  BESTAND_RETURN_IF_ERROR(tx->ListAgents([&](const AgentRecord& a) {
    if (a.seal.empty()) agents.push_back(a);
    return absl::OkStatus();
  }));
  for (auto& [device, r] : software) {
    r.events_head = heads[device];
    r.seal = sealer_.Software(device, r);
    BESTAND_RETURN_IF_ERROR(tx->PutDeviceSoftware(device, r));
    BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> agent, tx->GetAgent(device));
    if (!agent) {
      BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, "system", "software.seal", SoftwareName(device), "",
                                          SoftwareAuditJson(r.seal)));
    }
  }
  for (AgentRecord& a : agents) BESTAND_RETURN_IF_ERROR(PutSealedAgent(*tx, sealer_, a));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return static_cast<int64_t>(software.size() + agents.size());
}

absl::Status Fleet::Load() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_RETURN_IF_ERROR(tx->ScanPackages([this](const PackageRecord& p) {
    return packages_.Add(
        PackageIndex::Hash(p.source, p.name, p.architecture, p.version, p.publisher), p.id);
  }));
  return tx->ListAgents([this](const AgentRecord& a) {
    registry_.Enrolled(a);
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::DeviceInventory> Fleet::GetDeviceInventory(
    const v1::GetDeviceInventoryRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(int64_t id, ResolveName(*tx, Kind::kDevice, r.device()));
  v1::DeviceInventory out;
  out.set_device(DeviceName(id));
  BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> agent, tx->GetAgent(id));
  if (agent) {
    out.mutable_report()->ParseFromString(agent->facts);
    if (agent->last_report_micros)
      *out.mutable_last_report_time() = FromMicros(agent->last_report_micros);
    int64_t seen = std::max(agent->last_seen_micros, registry_.LastSeen(id));
    if (seen) *out.mutable_last_seen_time() = FromMicros(seen);
    out.set_agent_active(agent->revoke_micros == 0);
  }
  if (!r.include_software()) return out;
  BESTAND_ASSIGN_OR_RETURN(std::optional<DeviceSoftwareRecord> sw, tx->GetDeviceSoftware(id));
  if (!sw) return out;
  BESTAND_ASSIGN_OR_RETURN(std::vector<PackageRecord> packages, tx->GetPackages(sw->package_ids));
  std::unordered_map<int64_t, size_t> index;
  for (size_t i = 0; i < sw->package_ids.size(); ++i) index[sw->package_ids[i]] = i;
  for (const PackageRecord& p : packages) {
    v1::InstalledSoftware* s = out.add_software();
    s->set_name(p.name);
    s->set_version(p.version);
    s->set_architecture(p.architecture);
    s->set_source(p.source);
    s->set_publisher(p.publisher);
    size_t i = index[p.id];
    if (sw->install_micros[i]) *s->mutable_install_time() = FromMicros(sw->install_micros[i]);
    *s->mutable_first_seen_time() = FromMicros(sw->first_seen_micros[i]);
  }
  std::sort(out.mutable_software()->begin(), out.mutable_software()->end(),
            [](const auto& a, const auto& b) {
              return std::tie(a.source(), a.name(), a.architecture()) <
                     std::tie(b.source(), b.name(), b.architecture());
            });
  return out;
}

absl::StatusOr<v1::ListSoftwareChangesResponse> Fleet::ListSoftwareChanges(
    const v1::ListSoftwareChangesRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(int page, PageSize(r.page_size()));
  int64_t before = 0;
  if (!r.page_token().empty() && (!absl::SimpleAtoi(r.page_token(), &before) || before <= 0)) {
    return absl::InvalidArgumentError("page_token: not a token from a previous page");
  }
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(int64_t id, ResolveName(*tx, Kind::kDevice, r.device()));
  BESTAND_ASSIGN_OR_RETURN(std::vector<SoftwareEventRecord> events,
                           tx->ListSoftwareEvents(id, before, page + 1));
  std::vector<int64_t> ids;
  for (const auto& e : events) {
    ids.push_back(e.package_id);
    if (e.previous_package_id) ids.push_back(e.previous_package_id);
  }
  BESTAND_ASSIGN_OR_RETURN(std::vector<PackageRecord> packages, tx->GetPackages(ids));
  std::unordered_map<int64_t, const PackageRecord*> by_id;
  for (const auto& p : packages) by_id[p.id] = &p;
  v1::ListSoftwareChangesResponse out;
  for (size_t i = 0; i < events.size() && static_cast<int>(i) < page; ++i) {
    const SoftwareEventRecord& e = events[i];
    const PackageRecord* p = by_id[e.package_id];
    const PackageRecord* old = e.previous_package_id ? by_id[e.previous_package_id] : nullptr;
    if (!p) continue;
    v1::SoftwareChange* c = out.add_changes();
    c->set_device(DeviceName(id));
    c->set_kind(static_cast<v1::SoftwareChange::Kind>(e.kind));
    c->set_name(p->name);
    c->set_architecture(p->architecture);
    c->set_source(p->source);
    if (e.kind == v1::SoftwareChange::REMOVED) {
      c->set_old_version(p->version);
    } else {
      c->set_new_version(p->version);
      if (old) c->set_old_version(old->version);
    }
    *c->mutable_time() = FromMicros(e.micros);
  }
  if (static_cast<int>(events.size()) > page) {
    out.set_next_page_token(absl::StrCat(events[page - 1].id));
  }
  return out;
}

absl::StatusOr<v1::SearchSoftwareResponse> Fleet::SearchSoftware(
    const v1::SearchSoftwareRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(int page, PageSize(r.page_size()));
  if (r.name().size() > 200) return absl::InvalidArgumentError("name: too long");
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(std::vector<PackageRecord> packages, tx->FindPackages(r.name()));
  // Group package ids by (name, source), keeping at most `page` groups.
  std::map<std::pair<std::string, std::string>, std::vector<const PackageRecord*>> groups;
  v1::SearchSoftwareResponse out;
  for (const PackageRecord& p : packages) {
    auto key = std::make_pair(p.name, p.source);
    if (!groups.count(key) && static_cast<int>(groups.size()) == page) {
      out.set_truncated(true);
      continue;
    }
    groups[key].push_back(&p);
  }
  std::unordered_map<int64_t, std::vector<int64_t>> devices_of;  // package id -> devices
  for (const auto& [key, list] : groups) {
    for (const PackageRecord* p : list) devices_of[p->id];
  }
  BESTAND_RETURN_IF_ERROR(
      tx->ScanDeviceSoftware([&](int64_t device, const DeviceSoftwareRecord& sw) {
        for (int64_t id : sw.package_ids) {
          auto it = devices_of.find(id);
          if (it != devices_of.end()) it->second.push_back(device);
        }
        return absl::OkStatus();
      }));
  for (const auto& [key, list] : groups) {
    v1::SoftwareUsage* u = out.add_software();
    u->set_name(key.first);
    u->set_source(key.second);
    std::map<std::string, std::set<int64_t>> by_version;
    std::set<int64_t> all;
    for (const PackageRecord* p : list) {
      for (int64_t d : devices_of[p->id]) {
        by_version[p->version].insert(d);
        all.insert(d);
      }
    }
    for (const auto& [version, devices] : by_version) {
      v1::SoftwareUsage::Version* v = u->add_versions();
      v->set_version(version);
      for (int64_t d : devices) v->add_devices(DeviceName(d));
    }
    u->set_device_count(static_cast<int32_t>(all.size()));
  }
  return out;
}

absl::StatusOr<v1::ListStaleDevicesResponse> Fleet::ListStaleDevices(
    const v1::ListStaleDevicesRequest& r) {
  if (r.days() < 1 || r.days() > 3650) {
    return absl::InvalidArgumentError(absl::StrCat("days: ", r.days(), " is out of range 1..3650"));
  }
  const int64_t cutoff = NowMicros() - int64_t{r.days()} * 86400 * 1000000;
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  v1::ListStaleDevicesResponse out;
  std::vector<AgentRecord> stale;
  BESTAND_RETURN_IF_ERROR(tx->ListAgents([&](const AgentRecord& a) {
    AgentRecord current = a;
    current.last_seen_micros = std::max(a.last_seen_micros, registry_.LastSeen(a.device_id));
    if (a.revoke_micros == 0 && current.last_seen_micros < cutoff) stale.push_back(current);
    return absl::OkStatus();
  }));
  for (const AgentRecord& a : stale) {
    v1::Device d;
    BESTAND_ASSIGN_OR_RETURN(bool found, tx->Get(Kind::kDevice, a.device_id, &d));
    if (!found || d.status() == v1::Device::RETIRED) continue;
    v1::StaleDevice* s = out.add_devices();
    s->set_device(d.name());
    s->set_hostname(d.hostname());
    if (a.last_seen_micros) *s->mutable_last_seen_time() = FromMicros(a.last_seen_micros);
  }
  return out;
}

}  // namespace bestand
