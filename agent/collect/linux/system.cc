#include "agent/collect/linux/system.h"

#include <netdb.h>
#include <sys/socket.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent::collect {

std::string ParseEtcHostname(absl::string_view text) {
  std::string result;
  ForEachLine(text, [&](absl::string_view line, int) {
    line = absl::StripAsciiWhitespace(line);
    if (result.empty() && !line.empty() && line[0] != '#') result = std::string(line);
  });
  return result;
}

// getaddrinfo() cannot be cancelled and an unreachable DNS server stalls it for the resolver's
// whole timeout (5 s per try and server), so it runs on a detached thread; an agent that has
// waited long enough reports the short name.
std::string ResolveFqdn(const std::string& hostname, std::chrono::milliseconds timeout) {
  if (hostname.find('.') != std::string::npos) return hostname;  // already qualified
  struct Lookup {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::string canonical;
  };
  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, hostname] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    addrinfo* res = nullptr;
    std::string canonical;
    if (getaddrinfo(hostname.c_str(), nullptr, &hints, &res) == 0) {
      if (res != nullptr && res->ai_canonname != nullptr) canonical = res->ai_canonname;
      freeaddrinfo(res);
    }
    std::lock_guard<std::mutex> lock(lookup->mu);
    lookup->canonical = std::move(canonical);
    lookup->done = true;
    lookup->cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(lookup->mu);
  if (!lookup->cv.wait_for(lock, timeout, [&] { return lookup->done; })) return hostname;
  // "localhost.localdomain" from a sloppy /etc/hosts names every machine alike; an unqualified
  // answer adds nothing to the hostname.
  const std::string& c = lookup->canonical;
  if (c.find('.') == std::string::npos || absl::StartsWithIgnoreCase(c, "localhost")) {
    return hostname;
  }
  return c;
}

absl::Status ParseBootTime(absl::string_view text, int64_t* btime) {
  absl::Status result;
  ForEachLine(text, [&](absl::string_view line, int) {
    if (!absl::ConsumePrefix(&line, "btime ")) return;
    int64_t seconds = 0;
    if (absl::SimpleAtoi(line, &seconds) && seconds > 0) {
      *btime = seconds;
    } else {
      result.Update(
          absl::InvalidArgumentError(absl::StrCat("/proc/stat: btime '", line, "' is not a time")));
    }
  });
  return result;
}

void CollectHostIdentity(const std::string& root, v1::InventoryReport* report) {
  std::string hostname = ReadAttr(Under(root, "/proc/sys/kernel/hostname"));
  // "(none)" is the kernel's name for a host nobody has named yet.
  if (hostname.empty() || hostname == "(none)") {
    std::string text;
    if (ReadFileTo(Under(root, "/etc/hostname"), &text).ok()) hostname = ParseEtcHostname(text);
  }
  report->set_hostname(hostname);
  if (!hostname.empty()) {
    // A fixture tree has no resolver of its own; asking the host's DNS about it would be wrong.
    report->set_fqdn(IsRealRoot(root) ? ResolveFqdn(hostname, std::chrono::milliseconds(1500))
                                      : hostname);
  }
  report->set_machine_id(ReadAttr(Under(root, "/etc/machine-id")));
}

absl::Status CollectBootTime(const std::string& root, v1::InventoryReport* report) {
  std::string text;
  absl::Status st = ReadFileTo(Under(root, "/proc/stat"), &text);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  if (!st.ok()) return st;
  int64_t btime = 0;
  absl::Status result = ParseBootTime(text, &btime);
  if (btime > 0) SetSeconds(btime, report->mutable_boot_time());
  return result;
}

}  // namespace bestand::agent::collect
