// Usage errors: arguments that do not fit a command. They end the CLI with exit code 2, every
// other error with 1 (or 3, 4: see cli.h).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "client/command_spec.h"

namespace bestand {

// INVALID_ARGUMENT "`message` (see 'bestand NOUN VERB --help')", or "(see 'bestand help')"
// when `command` is null, marked as a usage error.
absl::Status UsageError(const std::string& message, const CommandSpec* command);

// True for a status made by UsageError (not for INVALID_ARGUMENT from the server).
bool IsUsageError(const absl::Status& status);

}  // namespace bestand
