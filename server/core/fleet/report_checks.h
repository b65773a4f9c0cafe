// What a report (or an imported inventory) must be before anything of it is stored: bounded,
// UTF-8 without control characters; and the identity facts and texts it brings, cleaned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "bestand/v1/agent.pb.h"
#include "google/protobuf/message.h"

namespace bestand {

// Bounds of one report: larger reports are refused with INVALID_ARGUMENT naming the field.
inline constexpr size_t kMaxReportBytes = 8 * 1024 * 1024;
inline constexpr int kMaxReportPackages = 50000;
inline constexpr int kMaxReportItems = 1024;  // disks, filesystems, interfaces, users, errors
inline constexpr size_t kMaxReportString = 1000;

// True when `s` is UTF-8 without C0 control characters or DEL. C1 controls pass: what agents
// report is taken as the machine has it; the CLI shows such characters inert.
bool IsCleanText(const std::string& s);
// Every string and repeated field of `m` within the bounds above; INVALID_ARGUMENT naming the
// field ("report.<path>") otherwise. `path` is the field path of `m` ("" for the report).
absl::Status ValidateMessage(const google::protobuf::Message& m, const std::string& path);
// A hardware UUID that identifies a machine (well formed, no firmware placeholder), lower
// case; "" otherwise. Likewise a machine-id, and a serial number that is no placeholder.
std::string CleanUuid(const std::string& raw);
std::string CleanMachineId(const std::string& raw);
std::string CleanSerial(const std::string& raw);
// A reported text as a device field takes it: at most kMaxTextLength characters (cut at a
// character boundary), without characters people may not enter (replaced by U+FFFD).
std::string Clamp(const std::string& reported);
// The hash of each package's identity (see PackageIndex); adds the size of the packages' text
// to `*text_bytes`.
std::vector<uint64_t> HashPackages(const v1::InventoryReport& r, size_t* text_bytes);
// Everything of a report but its software list, without copying the list first.
v1::InventoryReport FactsOf(const v1::InventoryReport& r);
// The text of the packages whose id is 0 (not stored yet) within the bounds; INVALID_ARGUMENT
// naming "report.software[i].field" otherwise.
absl::Status CheckNewPackages(const v1::InventoryReport& r, absl::Span<const int64_t> ids);

}  // namespace bestand
