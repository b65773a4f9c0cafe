#include "client/config.h"

#include <cstdlib>
#include <fstream>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/usage.h"

namespace bestand {
namespace {

// "key = value" lines; blank lines and "#" comments skipped.
std::map<std::string, std::string> ReadConfigFile(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view l = absl::StripAsciiWhitespace(line);
    if (l.empty() || l[0] == '#') continue;
    size_t eq = l.find('=');
    if (eq == absl::string_view::npos) continue;
    out[std::string(absl::StripAsciiWhitespace(l.substr(0, eq)))] =
        std::string(absl::StripAsciiWhitespace(l.substr(eq + 1)));
  }
  return out;
}

}  // namespace

std::string ConfigPath() {
  if (const char* p = std::getenv("BESTAND_CONFIG"); p && *p) return p;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
    return absl::StrCat(x, "/bestand/config");
  if (const char* h = std::getenv("HOME"); h && *h)
    return absl::StrCat(h, "/.config/bestand/config");
  return "";
}

absl::StatusOr<ClientConfig> ResolveConfig(const Args& args) {
  ClientConfig c;
  auto file = ReadConfigFile(ConfigPath());
  auto pick = [&](const std::string& flag, const char* env, const std::string& key,
                  std::string* target) {
    if (args.Has(flag)) {
      *target = args.Get(flag);
    } else if (const char* e = std::getenv(env); e && *e) {
      *target = e;
    } else if (file.count(key)) {
      *target = file[key];
    }
  };
  pick("server", "BESTAND_SERVER", "server", &c.server);
  pick("ca", "BESTAND_CA", "ca", &c.ca_file);
  pick("token", "BESTAND_TOKEN", "token", &c.token);
  std::string insecure = file.count("insecure") ? file["insecure"] : "";
  c.insecure = args.Has("insecure") || insecure == "true";
  if (args.Has("timeout")) {
    int seconds = 0;
    if (!absl::SimpleAtoi(args.Get("timeout"), &seconds) || seconds <= 0 || seconds > 3600) {
      return UsageError("--timeout: expected 1..3600 seconds", nullptr);
    }
    c.timeout = absl::Seconds(seconds);
  }
  return c;
}

}  // namespace bestand
