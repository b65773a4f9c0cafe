// The content hash of an inventory report, computed the same way by agent and server. Volatile
// facts (collection and boot time, free space, last login) are left out, so an unchanged machine
// sends only heartbeats.
#pragma once

#include <string>

#include "bestand/v1/agent.pb.h"

namespace bestand {

// Hex SHA-256 of `report` without its volatile fields.
std::string ReportContentHash(const v1::InventoryReport& report);

}  // namespace bestand
