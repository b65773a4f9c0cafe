// Network interfaces: /sys/class/net, addresses from getifaddrs() or /proc/net/if_inet6.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/agent.pb.h"

namespace bestand::agent::collect {

// Interface name -> its addresses as "ADDRESS/PREFIX", in the order they were found.
using InterfaceAddresses = std::map<std::string, std::vector<std::string>>;

// Appends the addresses in /proc/net/if_inet6 `text` ("ADDRESS(32 hex) IFINDEX PREFIXLEN SCOPE
// FLAGS NAME", numbers in hex) to `*out`, written the way inet_ntop() writes them. Blank lines
// are skipped; a malformed line is skipped and is an error (InvalidArgument
// "/proc/net/if_inet6 line N: <why>", the first of them).
absl::Status ParseIfInet6(absl::string_view text, InterfaceAddresses* out);

// True for a MAC address of only zeros and colons (loopback, tunnels), and for "".
bool IsEmptyMac(absl::string_view mac);

// Appends report.interfaces for the entries of /sys/class/net except "lo" and plain files, in
// name order: name, MAC, up, physical and addresses (getifaddrs() on the real root, IPv6 from
// /proc/net/if_inet6 elsewhere). An absent /sys/class/net is no error; one that cannot be listed
// is (and nothing is added), and so are addresses that cannot be read (the interfaces are still
// listed).
absl::Status CollectNetwork(const std::string& root, v1::InventoryReport* report);

}  // namespace bestand::agent::collect
