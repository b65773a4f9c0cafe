// bestand-agent: reports this machine's hardware and installed software to Bestand.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/collect/collectors.h"
#include "agent/reporter.h"
#include "common/args.h"
#include "common/crypto.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "google/protobuf/util/json_util.h"

namespace bestand::agent {
namespace {

constexpr char kUsage[] = R"(usage:
  bestand-agent inventory [-o table|json]
      Prints this machine's inventory; no server involved.
  bestand-agent enroll --server HOST:PORT --ca CA.crt --token-file FILE
      Creates a key pair (key.pem, mode 0600) and has the server sign a certificate for it.
      The enrollment token comes from --token-file, $BESTAND_ENROLLMENT_TOKEN or --token.
  bestand-agent run [--once]
      Reports to the server: the full inventory when it changed, else a heartbeat. Without
      --once it keeps running, at the interval the server names. The certificate is renewed
      by itself 30 days before it expires.
  bestand-agent renew
      Renews the certificate now (a new key pair; the old certificate stays valid until it
      expires).
Every command takes --state-dir DIR (default /var/lib/bestand-agent).
)";

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

int Inventory(const Args& args, const std::string& root) {
  v1::InventoryReport r = CollectAll(root);
  std::string format = args.Get("output", "table");
  if (format == "json") {
    google::protobuf::util::JsonPrintOptions o;
    o.preserve_proto_field_names = true;
    o.add_whitespace = true;
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(r, &json, o);
    std::fwrite(json.data(), 1, json.size(), stdout);
    return 0;
  }
  if (format != "table") {
    std::cerr << "bestand-agent: -o: '" << format << "' is not one of table, json\n";
    return 2;
  }
  std::map<std::string, int> by_source;
  for (const auto& p : r.software()) ++by_source[p.source()];
  std::cout << "hostname      " << r.hostname()
            << (r.fqdn() != r.hostname() ? " (" + r.fqdn() + ")" : "") << "\nos            "
            << r.os().pretty_name() << ", kernel " << r.os().kernel_release() << "\nhardware      "
            << r.hardware().manufacturer() << " " << r.hardware().model()
            << (r.hardware().serial_number().empty() ? ""
                                                     : ", serial " + r.hardware().serial_number())
            << "\ncpu           " << r.cpu().model() << " (" << r.cpu().cores() << " cores, "
            << r.cpu().threads() << " threads)"
            << "\nmemory        " << r.memory_bytes() / (1024 * 1024) << " MiB"
            << "\ndisks         " << r.disks_size() << ", filesystems " << r.filesystems_size()
            << ", interfaces " << r.interfaces_size() << ", users " << r.users_size()
            << "\nsoftware      " << r.software_size() << " packages";
  for (const auto& [source, n] : by_source) std::cout << ", " << source << " " << n;
  std::cout << "\n";
  for (const auto& e : r.errors())
    std::cout << "error         " << e.collector() << ": " << e.message() << "\n";
  return 0;
}

// Each command and its own flags; every one also takes CommonFlags().
const CommandTable& Commands() {
  static const auto* commands = new CommandTable{
      {"inventory", {"output"}},
      {"enroll", {"server", "ca", "token", "token-file"}},
      {"run", {"once"}},
      {"renew", {}},
  };
  return *commands;
}
// --root points the collectors at another tree and the other two shorten the waits (tests use
// them); --state-dir is documented for every command.
const std::set<std::string>& CommonFlags() {
  static const auto* flags =
      new std::set<std::string>{"state-dir", "root", "retry-seconds", "renew-days", "help"};
  return *flags;
}

// A usage error: CheckCommandLine's, or a bad number.
absl::Status CheckUsage(const Args& args) {
  BESTAND_RETURN_IF_ERROR(CheckCommandLine(args, Commands(), CommonFlags()));
  double seconds = 0;
  if (args.Has("retry-seconds") &&
      (!absl::SimpleAtod(args.Get("retry-seconds"), &seconds) || !(seconds > 0))) {
    return absl::InvalidArgumentError("--retry-seconds: expected a positive number of seconds");
  }
  int days = 0;
  if (args.Has("renew-days") && (!absl::SimpleAtoi(args.Get("renew-days"), &days) || days < 1)) {
    return absl::InvalidArgumentError("--renew-days: expected a positive number of days");
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, {"once", "help"});
  if (!args.ok()) {
    std::cerr << "bestand-agent: " << args.status().message() << "\n" << kUsage;
    return 2;
  }
  if (args->Has("help") || args->positional().empty()) {
    (args->Has("help") ? std::cout : std::cerr) << kUsage;
    return args->Has("help") ? 0 : 2;
  }
  if (absl::Status usage = CheckUsage(*args); !usage.ok()) {
    std::cerr << "bestand-agent: " << usage.message() << " (see 'bestand-agent --help')\n";
    return 2;
  }
  const std::string cmd = args->positional()[0];
  const std::string root = args->Get("root", "/");
  Reporter reporter(args->Get("state-dir", "/var/lib/bestand-agent"),
                    [root] { return CollectAll(root); });
  if (args->Has("retry-seconds")) {
    (void)absl::SimpleAtod(args->Get("retry-seconds"), &reporter.min_backoff_seconds);
  }
  if (int days = 0; args->Has("renew-days") && absl::SimpleAtoi(args->Get("renew-days"), &days)) {
    reporter.renew_before_seconds = int64_t{days} * 24 * 3600;
  }
  if (cmd == "inventory") return Inventory(*args, root);
  if (cmd == "enroll") {
    // The token from a file or the environment keeps it out of `ps` and shell history.
    std::string token = args->Get("token");
    if (const char* env = std::getenv("BESTAND_ENROLLMENT_TOKEN"); token.empty() && env) {
      token = env;
    }
    if (args->Has("token-file")) {
      std::ifstream in(args->Get("token-file"));
      if (!(in >> token)) {
        std::cerr << "bestand-agent: cannot read a token from " << args->Get("token-file") << "\n";
        return 1;
      }
    }
    auto device = reporter.Enroll({args->Get("server"), args->Get("ca"), token});
    if (!device.ok()) {
      std::cerr << "bestand-agent: " << device.status().message() << "\n";
      return 1;
    }
    std::cout << "enrolled as " << *device << "\n";
    return 0;
  }
  if (cmd == "renew") {
    auto expiry = reporter.Renew();
    if (!expiry.ok()) {
      std::cerr << "bestand-agent: " << expiry.status().message() << "\n";
      return 1;
    }
    std::cout << "certificate renewed, valid until "
              << FormatIsoDate(absl::FromUnixSeconds(*expiry)) << "\n";
    return 0;
  }
  if (cmd == "run") {
    if (args->Has("once")) {
      auto r = reporter.RunOnce();
      if (!r.ok()) {
        std::cerr << "bestand-agent: " << r.status().message() << "\n";
        return 1;
      }
      if (r->renewed_until) {
        std::cout << "certificate renewed, valid until "
                  << FormatIsoDate(absl::FromUnixSeconds(r->renewed_until)) << "\n";
      }
      std::cout << (r->kind == CycleResult::kFullReport
                        ? absl::StrCat("reported ", r->packages, " packages for ", r->device)
                        : std::string("heartbeat: inventory unchanged"))
                << "\n";
      return 0;
    }
    signal(SIGTERM, OnSignal);
    signal(SIGINT, OnSignal);
    reporter.RunForever(
        [] { return g_stop.load(); },
        [](const std::string& line) { std::cerr << "bestand-agent: " << line << std::endl; });
    return 0;
  }
  return 2;  // CheckUsage knows no other command
}

}  // namespace
}  // namespace bestand::agent

// Read by AddressSanitizer in the sanitizer build (unused otherwise): full stacks for allocations,
// which this short-lived process can afford, so that tests/lsan.supp can tell gRPC's leak at exit
// from one of Bestand's.
extern "C" const char* __asan_default_options() {
  // Deep enough to reach the thread's entry point; each frame costs a DWARF lookup.
  return "fast_unwind_on_malloc=0:malloc_context_size=16";
}

int main(int argc, char** argv) {
  bestand::InitOpenSslForProcess();
  return bestand::agent::Main(argc, argv);
}
