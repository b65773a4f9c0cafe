#include "client/usage.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace bestand {
namespace {

// The payload that tells a usage error from the server's INVALID_ARGUMENT.
constexpr char kUsagePayload[] = "type.bestand.dev/cli.usage";

}  // namespace

absl::Status UsageError(const std::string& message, const CommandSpec* command) {
  absl::Status status = absl::InvalidArgumentError(absl::StrCat(
      message, command
                   ? absl::StrCat(" (see 'bestand ", absl::StrJoin(command->path, " "), " --help')")
                   : std::string(" (see 'bestand help')")));
  status.SetPayload(kUsagePayload, absl::Cord());
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

}  // namespace bestand
