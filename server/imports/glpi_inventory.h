// The GLPI inventory format (JSON, as glpi-agent writes with --local; schema in
// ../shared/interop/glpi-inventory-format) read into the inventory report Bestand's own agent
// sends, so imported machines go through the same identity rules and software history.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/agent.pb.h"

namespace bestand {

// INVALID_ARGUMENT naming what is wrong for text that is not a GLPI inventory.
absl::StatusOr<v1::InventoryReport> ParseGlpiInventory(absl::string_view json);

// A message of the GLPI Agent protocol: "contact" (with the tasks the agent has) or
// "inventory" (with the report); other actions are returned for the caller to refuse.
struct GlpiMessage {
  std::string action;  // lower case
  std::vector<std::string> installed_tasks;
  v1::InventoryReport report;
};
absl::StatusOr<GlpiMessage> ParseGlpiMessage(absl::string_view json);

// The XML that FusionInventory and OCS agents write with --local (REQUEST/CONTENT/...: the
// GLPI format's elements in upper case), read with expat (common/xml.h: no DTD, bounded).
// INVALID_ARGUMENT names the line of malformed XML.
absl::StatusOr<v1::InventoryReport> ParseFusionInventory(absl::string_view xml);
// The QUERY of a FusionInventory/OCS request ("PROLOG", "INVENTORY", ...), upper-case.
absl::StatusOr<std::string> ParseFusionQuery(absl::string_view xml);

}  // namespace bestand
