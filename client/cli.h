// The `bestand` command line: finds the command the words name in the command table
// (commands.h), checks its options and output format, connects and runs its handler.
#pragma once

#include <ostream>

#include "client/client.h"

namespace bestand {

// Runs one command with the client `connect` makes; returns the process exit code: 0 ok,
// 1 failed, 2 usage error, 3 server unreachable (UNAVAILABLE, DEADLINE_EXCEEDED), 4 `audit
// verify` found tampering (DATA_LOSS). Results go to `out`; the one error message, "bestand:
// ...", and what a command says about itself (created, revoked, progress) to `err`.
int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
           const Connector& connect);

}  // namespace bestand
