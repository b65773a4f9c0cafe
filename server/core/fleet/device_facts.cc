#include "server/core/fleet/device_facts.h"

#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/resources.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "server/core/audit.h"
#include "server/core/audited_state.h"
#include "server/core/fleet/report_checks.h"

namespace bestand {
namespace {

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

}  // namespace

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

absl::Status ApplyReportFacts(WriteTx& tx, const std::string& actor, int64_t id,
                              const v1::InventoryReport& r, const v1::InventoryReport& last) {
  if (r.hostname() == last.hostname() && r.fqdn() == last.fqdn() &&
      r.os().pretty_name() == last.os().pretty_name() &&
      r.hardware().manufacturer() == last.hardware().manufacturer() &&
      r.hardware().model() == last.hardware().model() &&
      r.hardware().serial_number() == last.hardware().serial_number() &&
      r.hardware().chassis_type() == last.hardware().chassis_type() &&
      r.agent_device_id() == last.agent_device_id()) {
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
  // A re-installed agent names itself anew; the device found by its hardware takes the new id.
  if (!r.agent_device_id().empty()) after.set_agent_device_id(Clamp(r.agent_device_id()));

  // Kept apart from the serial number a person records: an agent's claim never blocks that.
  if (std::string serial = CleanSerial(r.hardware().serial_number()); !serial.empty()) {
    after.set_reported_serial_number(Clamp(serial));
  }
  if (after.type() == v1::Device::TYPE_UNSPECIFIED) {
    after.set_type(TypeFromChassis(r.hardware().chassis_type()));
  }
  return SaveDevice(tx, actor, id, before, std::move(after));
}

absl::Status StoreImportedFacts(WriteTx& tx, int64_t id, const v1::InventoryReport& r,
                                int64_t now_micros) {
  v1::InventoryReport facts = FactsOf(r);
  if (r.partial()) {
    BESTAND_ASSIGN_OR_RETURN(std::optional<ImportedFactsRecord> old, tx.GetImportedFacts(id));
    v1::InventoryReport merged;
    if (old && !merged.ParseFromString(old->facts)) merged.Clear();
    const google::protobuf::Reflection* reflection = facts.GetReflection();
    const google::protobuf::Descriptor* descriptor = facts.GetDescriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* field = descriptor->field(i);
      if (field->is_repeated() && reflection->FieldSize(facts, field) > 0) {
        reflection->ClearField(&merged, field);  // a list is replaced, never appended to
      }
    }
    merged.MergeFrom(facts);
    facts = std::move(merged);
  }
  return tx.PutImportedFacts({id, now_micros, facts.SerializeAsString()});
}

}  // namespace bestand
