// What a report tells about its device: host name, OS, maker, model, serial, type.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "bestand/v1/agent.pb.h"
#include "bestand/v1/inventory.pb.h"
#include "server/storage/store.h"

namespace bestand {

// Writes `after` over device `id` with an audit event when it differs from `before`.
absl::Status SaveDevice(WriteTx& tx, const std::string& actor, int64_t id, const v1::Device& before,
                        v1::Device after);

// Facts the agent knows better than a person: filled in when they differ from the agent's `last`
// report (so a correction made by hand stands until the machine itself changes), clamped to the
// inventory's field limits. A clean serial number becomes the reported one. Identity facts
// (hardware UUID, machine-id) are set at enrollment only, so a report cannot plant another
// machine's identity.
absl::Status ApplyReportFacts(WriteTx& tx, const std::string& actor, int64_t id,
                              const v1::InventoryReport& r, const v1::InventoryReport& last);

// Keeps what another agent's inventory `r` tells beside software (hardware, CPU, memory, disks,
// interfaces, users) as device `id`'s imported facts, reported at `now_micros`. A partial
// report replaces only what it holds: its lists that are not empty and its fields that are set.
absl::Status StoreImportedFacts(WriteTx& tx, int64_t id, const v1::InventoryReport& r,
                                int64_t now_micros);

}  // namespace bestand
