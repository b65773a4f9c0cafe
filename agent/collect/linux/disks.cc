#include "agent/collect/linux/disks.h"

#include <algorithm>
#include <cstdint>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/collect/collectors.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent::collect {
namespace {

std::string DisplayableOrEmpty(std::string value) { return IsPlaceholder(value) ? "" : value; }

std::string SerialFromVpdFile(const std::string& path) {
  std::string page;
  if (!ReadFileTo(path, &page).ok()) return "";
  return SerialFromVpdPage80(page);
}

}  // namespace

// SCSI/SATA disks have no serial attribute; the unit serial number VPD page (0x80) holds it:
// a 4-byte header whose bytes 2-3 give the length, then ASCII, often space padded.
std::string SerialFromVpdPage80(absl::string_view page) {
  if (page.size() < 4 || static_cast<uint8_t>(page[1]) != 0x80) return "";
  size_t len =
      (static_cast<size_t>(static_cast<uint8_t>(page[2])) << 8) | static_cast<uint8_t>(page[3]);
  len = std::min(len, page.size() - 4);
  return std::string(absl::StripAsciiWhitespace(page.substr(4, len)));
}

absl::Status CollectDisks(const std::string& root, const BlockTopology& topo,
                          v1::InventoryReport* report) {
  absl::Status result;
  const std::string dir = Under(root, "/sys/block");
  const std::set<std::string> encrypted = EncryptedDisks(topo);
  for (const std::string& name : topo.devices) {
    if (!IsDiskName(name)) continue;
    const std::string base = dir + "/" + name;
    std::string size_text = ReadAttr(base + "/size");
    int64_t sectors = 0;
    if (!absl::SimpleAtoi(size_text, &sectors) || sectors < 0) {
      result.Update(absl::InvalidArgumentError(
          absl::StrCat("/sys/block/", name, "/size: '", size_text, "' is not a sector count")));
      continue;
    }
    // An empty card reader slot or optical drive: a device, but no disk to inventory.
    if (sectors == 0) continue;
    v1::Disk* disk = report->add_disks();
    disk->set_name(name);
    // sysfs counts in 512-byte units whatever the device's logical block size.
    disk->set_size_bytes(sectors * 512);
    std::string model = ReadAttr(base + "/device/model");
    if (model.empty()) model = ReadAttr(base + "/device/name");  // MMC/SD
    disk->set_model(DisplayableOrEmpty(model));
    std::string serial = ReadAttr(base + "/device/serial");                     // NVMe, MMC
    if (serial.empty()) serial = ReadAttr(base + "/serial");                    // virtio
    if (serial.empty()) serial = SerialFromVpdFile(base + "/device/vpd_pg80");  // SCSI, SATA
    disk->set_serial_number(DisplayableOrEmpty(serial));
    disk->set_ssd(ReadAttr(base + "/queue/rotational") == "0");
    disk->set_removable(ReadAttr(base + "/removable") == "1");
    disk->set_encrypted(encrypted.count(name) > 0);
  }
  return result;
}

}  // namespace bestand::agent::collect
