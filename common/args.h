// Command-line parsing shared by the binaries: positional words and "--name value",
// "--name=value" or "-o value" flags; a flag may repeat. Flags listed as boolean take no value.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace bestand {

class Args {
 public:
  static absl::StatusOr<Args> Parse(int argc, const char* const* argv,
                                    const std::set<std::string>& bool_flags);

  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(const std::string& name) const { return flags_.count(name) > 0; }
  // The last value given for `name`, or `fallback`.
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  // INVALID_ARGUMENT "--name is required" when absent.
  absl::StatusOr<std::string> Required(const std::string& name) const;
  std::vector<std::string> All(const std::string& name) const;
  // Every flag in the order given, with its value ("" for boolean flags).
  const std::vector<std::pair<std::string, std::string>>& flags() const { return ordered_; }
  // INVALID_ARGUMENT for the first flag given that is not in `known`: "unknown option --lisen
  // for 'serve' (did you mean --listen?)", the suggestion when one is near (Nearest).
  absl::Status OnlyFlags(const std::set<std::string>& known, absl::string_view command) const;

 private:
  std::vector<std::string> positional_;
  std::multimap<std::string, std::string> flags_;
  std::vector<std::pair<std::string, std::string>> ordered_;
};

// Each command of a binary and the flags it takes.
using CommandTable = std::map<std::string, std::set<std::string>>;

// INVALID_ARGUMENT unless `args.positional()` is exactly one command of `commands` and every
// flag given is one of that command's or of `common`: "unknown command 'srve' (did you mean
// serve?)", OnlyFlags' message, "'serve' takes no argument 'x'".
absl::Status CheckCommandLine(const Args& args, const CommandTable& commands,
                              const std::set<std::string>& common);

// The one of `candidates` nearest to `word` by edit distance (insertions, deletions,
// substitutions and swaps of neighbours each count one), if at most a third of the word's length
// (at least 1) away; "" when none is that near. The first of several equally near ones.
std::string Nearest(absl::string_view word, absl::Span<const std::string> candidates);

// " (did you mean X?)" with the Nearest of `candidates` as X, put between `prefix` and the word;
// "" when none is near.
std::string DidYouMean(absl::string_view word, absl::Span<const std::string> candidates,
                       absl::string_view prefix = "");

}  // namespace bestand
