#include "agent/collect/linux/network.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent::collect {
namespace {

int PrefixLength(const sockaddr* mask) {
  if (mask == nullptr) return -1;
  const unsigned char* bytes = nullptr;
  size_t n = 0;
  if (mask->sa_family == AF_INET) {
    bytes = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in*>(mask)->sin_addr);
    n = 4;
  } else if (mask->sa_family == AF_INET6) {
    bytes = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr);
    n = 16;
  } else {
    return -1;
  }
  int bits = 0;
  for (size_t i = 0; i < n; ++i) bits += __builtin_popcount(bytes[i]);
  return bits;
}

absl::Status AddressesFromGetifaddrs(InterfaceAddresses* out) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return absl::ErrnoToStatus(errno, "getifaddrs");
  for (const ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
    if (ifa->ifa_addr == nullptr) continue;
    int family = ifa->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    char text[INET6_ADDRSTRLEN];
    const void* addr = family == AF_INET
                           ? static_cast<const void*>(
                                 &reinterpret_cast<const sockaddr_in*>(ifa->ifa_addr)->sin_addr)
                           : static_cast<const void*>(
                                 &reinterpret_cast<const sockaddr_in6*>(ifa->ifa_addr)->sin6_addr);
    if (inet_ntop(family, addr, text, sizeof text) == nullptr) continue;
    // IPv4 aliases show up as "eth0:1"; they belong to eth0.
    std::string name = ifa->ifa_name;
    name = name.substr(0, name.find(':'));
    int prefix = PrefixLength(ifa->ifa_netmask);
    (*out)[name].push_back(prefix >= 0 ? absl::StrCat(text, "/", prefix) : std::string(text));
  }
  freeifaddrs(list);
  return absl::OkStatus();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The addresses of every interface: from the kernel on the real root; a fixture's kernel state
// is only what its files say, and only IPv6 has a procfs table.
absl::Status LoadAddresses(const std::string& root, InterfaceAddresses* addresses) {
  if (IsRealRoot(root)) return AddressesFromGetifaddrs(addresses);
  std::string text;
  absl::Status st = ReadFileTo(Under(root, "/proc/net/if_inet6"), &text);
  if (st.ok()) return ParseIfInet6(text, addresses);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  return st;
}

}  // namespace

absl::Status ParseIfInet6(absl::string_view text, InterfaceAddresses* out) {
  absl::Status result;
  ForEachLine(text, [&](absl::string_view line, int line_no) {
    std::vector<absl::string_view> f =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (f.empty()) return;
    auto bad = [&](absl::string_view why) {
      result.Update(
          absl::InvalidArgumentError(absl::StrCat("/proc/net/if_inet6 line ", line_no, ": ", why)));
    };
    if (f.size() != 6) return bad("expected 6 fields");
    if (f[0].size() != 32) return bad("the address is not 32 hex digits");
    in6_addr addr;
    for (size_t i = 0; i < 16; ++i) {
      int hi = HexDigit(f[0][2 * i]), lo = HexDigit(f[0][2 * i + 1]);
      if (hi < 0 || lo < 0) return bad("the address is not 32 hex digits");
      addr.s6_addr[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    uint32_t prefix = 0;
    if (!absl::SimpleHexAtoi(f[2], &prefix) || prefix > 128) return bad("bad prefix length");
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &addr, buf, sizeof buf) == nullptr) return bad("bad address");
    (*out)[std::string(f[5])].push_back(absl::StrCat(buf, "/", prefix));
  });
  return result;
}

bool IsEmptyMac(absl::string_view mac) {
  return mac.find_first_not_of("0:") == absl::string_view::npos;
}

absl::Status CollectNetwork(const std::string& root, v1::InventoryReport* report) {
  const std::string dir = Under(root, "/sys/class/net");
  std::vector<std::string> names;
  absl::Status st = ListDir(dir, &names);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  if (!st.ok()) return st;

  InterfaceAddresses addresses;
  absl::Status result = LoadAddresses(root, &addresses);
  for (const std::string& name : names) {
    const std::string base = dir + "/" + name;
    // bonding_masters is a plain file next to the interface links.
    if (name == "lo" || !IsDirectory(base)) continue;
    v1::NetworkInterface* iface = report->add_interfaces();
    iface->set_name(name);
    std::string mac = Lower(ReadAttr(base + "/address"));
    if (!IsEmptyMac(mac)) iface->set_mac(mac);
    const std::string operstate = ReadAttr(base + "/operstate");
    // Tunnels and some drivers never report an operational state; carrier still tells.
    iface->set_up(operstate == "up" ||
                  (operstate == "unknown" && ReadAttr(base + "/carrier") == "1"));
    iface->set_physical(PathExists(base + "/device"));
    auto it = addresses.find(name);
    if (it != addresses.end()) {
      for (std::string& a : it->second) iface->add_addresses(std::move(a));
    }
  }
  return result;
}

}  // namespace bestand::agent::collect
