#include "common/args.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace bestand {

absl::StatusOr<Args> Args::Parse(int argc, const char* const* argv,
                                 const std::set<std::string>& bool_flags) {
  Args a;
  bool only_positional = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (only_positional || arg == "-" || !absl::StartsWith(arg, "-")) {
      a.positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    std::string name, value;
    bool has_value = false;
    if (absl::StartsWith(arg, "--")) {
      name = arg.substr(2);
      if (size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
    } else if (arg == "-o") {
      name = "output";
    } else if (arg == "-h") {
      name = "help";
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '", arg, "'"));
    }
    if (name.empty()) return absl::InvalidArgumentError(absl::StrCat("bad option '", arg, "'"));
    if (bool_flags.count(name)) {
      if (has_value) return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
    } else if (!has_value) {
      if (i + 1 >= argc)
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      value = argv[++i];
    }
    a.flags_.emplace(name, value);
    a.ordered_.emplace_back(name, value);
  }
  return a;
}

std::string Args::Get(const std::string& name, const std::string& fallback) const {
  std::string v = fallback;
  auto [b, e] = flags_.equal_range(name);
  for (auto it = b; it != e; ++it) v = it->second;
  return v;
}

absl::StatusOr<std::string> Args::Required(const std::string& name) const {
  if (!Has(name)) return absl::InvalidArgumentError(absl::StrCat("--", name, " is required"));
  return Get(name);
}

std::vector<std::string> Args::All(const std::string& name) const {
  std::vector<std::string> out;
  auto [b, e] = flags_.equal_range(name);
  for (auto it = b; it != e; ++it) out.push_back(it->second);
  return out;
}

}  // namespace bestand
