#include "common/args.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace bestand {
namespace {

// The optimal string alignment distance: Levenshtein plus transposition of neighbours, so that
// "lsit" is one away from "list".
size_t Distance(absl::string_view a, absl::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string Nearest(absl::string_view word, absl::Span<const std::string> candidates) {
  // Words on a command line are short; a longer one is not worth the quadratic table.
  constexpr size_t kMaxWord = 64;
  if (word.size() > kMaxWord) return "";
  const size_t limit = std::max<size_t>(1, word.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    if (c.size() > kMaxWord) continue;
    const size_t distance = Distance(word, c);
    if (distance < best_distance) {
      best = c;
      best_distance = distance;
    }
  }
  return best;
}

std::string DidYouMean(absl::string_view word, absl::Span<const std::string> candidates,
                       absl::string_view prefix) {
  const std::string nearest = Nearest(word, candidates);
  if (nearest.empty()) return "";
  return absl::StrCat(" (did you mean ", prefix, nearest, "?)");
}

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

absl::Status Args::OnlyFlags(const std::set<std::string>& known, absl::string_view command) const {
  for (const auto& [name, value] : ordered_) {
    if (known.count(name)) continue;
    const std::vector<std::string> candidates(known.begin(), known.end());
    return absl::InvalidArgumentError(absl::StrCat("unknown option --", name, " for '", command,
                                                   "'", DidYouMean(name, candidates, "--")));
  }
  return absl::OkStatus();
}

absl::Status CheckCommandLine(const Args& args, const CommandTable& commands,
                              const std::set<std::string>& common) {
  if (args.positional().empty()) return absl::InvalidArgumentError("a command is missing");
  const std::string& cmd = args.positional()[0];
  auto it = commands.find(cmd);
  if (it == commands.end()) {
    std::vector<std::string> names;
    for (const auto& [name, flags] : commands) names.push_back(name);
    return absl::InvalidArgumentError(
        absl::StrCat("unknown command '", cmd, "'", DidYouMean(cmd, names)));
  }
  std::set<std::string> known = it->second;
  known.insert(common.begin(), common.end());
  if (absl::Status s = args.OnlyFlags(known, cmd); !s.ok()) return s;
  if (args.positional().size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", cmd, "' takes no argument '", args.positional()[1], "'"));
  }
  return absl::OkStatus();
}

std::vector<std::string> Args::All(const std::string& name) const {
  std::vector<std::string> out;
  auto [b, e] = flags_.equal_range(name);
  for (auto it = b; it != e; ++it) out.push_back(it->second);
  return out;
}

}  // namespace bestand
