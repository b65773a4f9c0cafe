// Fuzzes ParseRpmHeader (agent/collect/linux/rpm.h), which reads the binary package headers in
// rpmdb.sqlite: whatever the blob holds, it returns an error or a package with a name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "agent/collect/linux/rpm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view blob(reinterpret_cast<const char*>(data), size);
  auto package = bestand::agent::collect::ParseRpmHeader(blob);
  if (package.ok() && package->name.empty()) std::abort();
  return 0;
}
