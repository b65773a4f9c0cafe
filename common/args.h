// Command-line parsing shared by the binaries: positional words and "--name value",
// "--name=value" or "-o value" flags; a flag may repeat. Flags listed as boolean take no value.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

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

 private:
  std::vector<std::string> positional_;
  std::multimap<std::string, std::string> flags_;
  std::vector<std::pair<std::string, std::string>> ordered_;
};

}  // namespace bestand
