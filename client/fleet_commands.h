// Agents and their software: enrollment tokens, revoking an agent, a device's reported
// inventory and history, stale devices, and which devices have which software.
#pragma once

#include "absl/status/status.h"
#include "client/context.h"

namespace bestand {

// agent-token create [--uses N] [--expires DURATION] [--name NAME] [--device DEVICE]: prints the
// secret (shown only now) on stdout, what it is on stderr.
absl::Status AgentTokenCreate(Context& c);
absl::Status AgentTokenList(Context& c);
absl::Status AgentTokenRevoke(Context& c);
// agent revoke DEVICE: refuses the device's agent certificates from now on.
absl::Status AgentRevoke(Context& c);

// device show DEVICE --software: hardware facts and installed software.
absl::Status DeviceInventory(Context& c);
// device history DEVICE [--limit N]: installs, removals and upgrades (default the last 100).
absl::Status DeviceHistory(Context& c);
// device stale --days N: enrolled devices not seen for N days.
absl::Status DeviceStale(Context& c);
// software list [--name PATTERN] [--limit N]: one row per package version with its devices.
absl::Status SoftwareList(Context& c);

}  // namespace bestand
