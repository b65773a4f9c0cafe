// Disks: /sys/block.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "agent/collect/linux/block_devices.h"
#include "bestand/v1/agent.pb.h"

namespace bestand::agent::collect {

// The unit serial number in `page`, the bytes of SCSI VPD page 0x80: the ASCII after the 4-byte
// header, as long as header bytes 2-3 say (cut to what the page holds), surrounding whitespace
// stripped. "" when `page` is shorter than the header or is another page.
std::string SerialFromVpdPage80(absl::string_view page);

// Appends report.disks for the devices in `topo` that IsDiskName accepts, in name order: size,
// model, serial (placeholders dropped), SSD, removable, and whether they hold dm-crypt.
// Devices of size 0 (an empty card reader or optical drive) are left out. A size that is no
// sector count skips that device and is an error (InvalidArgument "/sys/block/NAME/size: '...'
// is not a sector count", the first of them); the other disks are still listed.
absl::Status CollectDisks(const std::string& root, const BlockTopology& topo,
                          v1::InventoryReport* report);

}  // namespace bestand::agent::collect
