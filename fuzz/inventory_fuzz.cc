// Fuzzes the readers of other agents' inventories (server/imports/glpi_inventory.h), which take
// what any PC with an inventory token sends: GLPI JSON (after the nesting check) and the
// FusionInventory/OCS XML. Beyond not crashing: every report that parses must serialise, i.e.
// hold only valid UTF-8 text, as the store and the gRPC API require.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "server/imports/glpi_inventory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  std::string bytes;
  if (absl::StatusOr<bestand::GlpiMessage> m = bestand::ParseGlpiMessage(text); m.ok()) {
    if (!m->report.SerializeToString(&bytes)) std::abort();
  }
  (void)bestand::ParseFusionQuery(text);
  if (absl::StatusOr<bestand::v1::InventoryReport> r = bestand::ParseFusionInventory(text);
      r.ok() && !r->SerializeToString(&bytes)) {
    std::abort();
  }
  return 0;
}
