// import KIND FILE: CSV files of the inventory, the admin consoles' user exports and one
// machine's inventory file (GLPI JSON, FusionInventory/OCS XML), in one transaction each.
#pragma once

#include "absl/status/status.h"
#include "client/context.h"

namespace bestand {

// Prints what the import did (or would do with --dry-run); progress on a terminal's stderr.
absl::Status Import(Context& c);

}  // namespace bestand
