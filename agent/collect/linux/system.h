// The machine's identity and uptime: hostname, fully qualified name, machine-id, boot time.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/agent.pb.h"

namespace bestand::agent::collect {

// hostname(5): the first line of `text` that is neither empty nor a comment, surrounding
// whitespace stripped; "" when there is none.
std::string ParseEtcHostname(absl::string_view text);

// The resolver's canonical name for `hostname`. Returns `hostname` itself when it already
// contains a dot, when the lookup fails or takes longer than `timeout` (the lookup then goes on
// in the background), and when the answer is unqualified or starts with "localhost".
std::string ResolveFqdn(const std::string& hostname, std::chrono::milliseconds timeout);

// The "btime " lines of /proc/stat `text`: sets `*btime` to the last one that holds a positive
// number of seconds and leaves it alone when none does. Returns InvalidArgument
// "/proc/stat: btime '...' is not a time" for the first one that does not; other lines are
// ignored.
absl::Status ParseBootTime(absl::string_view text, int64_t* btime);

// hostname (/proc/sys/kernel/hostname, else /etc/hostname), fqdn (resolved only on the real
// root, the hostname elsewhere), machine-id. Whatever cannot be read stays empty; never fails.
void CollectHostIdentity(const std::string& root, v1::InventoryReport* report);

// boot_time from /proc/stat. An absent file is no error; one that cannot be read, or a bad
// btime, is.
absl::Status CollectBootTime(const std::string& root, v1::InventoryReport* report);

}  // namespace bestand::agent::collect
