// A device's software as stored: one sorted set of package ids per device, history rows for
// what changed between two sets, and the seals over both (seal.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bestand/v1/agent.pb.h"
#include "server/core/seal.h"
#include "server/storage/store.h"

namespace bestand {

// Stores the device's new software set and the history events for what changed, sealed; returns
// the software seal. `ids` holds the package id of each package of report `r`, in report order.
// A set equal to the stored one writes nothing.
absl::StatusOr<std::string> StoreSoftware(WriteTx& tx, const Sealer& sealer, int64_t device_id,
                                          const v1::InventoryReport& r,
                                          const std::vector<int64_t>& ids, int64_t now);

// Stores `agent` sealed over its device's software (read from `tx` unless given).
absl::Status PutSealedAgent(WriteTx& tx, const Sealer& sealer, AgentRecord& agent,
                            std::optional<std::string> software_seal = std::nullopt);

}  // namespace bestand
