// Hardware from SMBIOS as the kernel exports it in /sys/class/dmi/id. IsPlaceholder, which
// decides which of its strings say nothing, is declared in agent/collect/collectors.h.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "bestand/v1/agent.pb.h"

namespace bestand::agent::collect {

// The SMBIOS 3.x name of chassis type `type` ("Desktop", "Notebook", ...), or "" for 2
// ("Unknown") and numbers the specification does not define. The chassis lock flag (bit 7)
// must already be masked off.
std::string ChassisTypeName(int type);

// report.hardware from /sys/class/dmi/id: manufacturer, model, serial, UUID, BIOS and chassis,
// placeholders dropped; left unset when nothing is known. A machine without DMI is not an error;
// a chassis_type that is no number is (InvalidArgument), and the rest is still filled.
absl::Status CollectDmi(const std::string& root, v1::InventoryReport* report);

}  // namespace bestand::agent::collect
