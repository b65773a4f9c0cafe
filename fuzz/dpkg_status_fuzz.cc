// Fuzzes ParseDpkgStatus (agent/collect/linux/dpkg.h), which reads /var/lib/dpkg/status on every
// PC: whatever the file holds, the packages it returns (the good stanzas, also alongside an
// error) have a name and fields that are views into the text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "absl/strings/string_view.h"
#include "agent/collect/linux/dpkg.h"

namespace {

bool Inside(absl::string_view part, absl::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bestand::agent::collect::DpkgPackage> installed;
  (void)bestand::agent::collect::ParseDpkgStatus(text, &installed);
  for (const auto& p : installed) {
    if (p.package.empty()) std::abort();  // a package without a name is never reported
    for (absl::string_view field :
         {p.package, p.architecture, p.version, p.maintainer, p.multi_arch}) {
      if (!Inside(field, text)) std::abort();
    }
  }
  return 0;
}
