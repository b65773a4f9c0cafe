// The `bestand` command line: a table of commands over BestandClient.
#pragma once

#include <ostream>

namespace bestand {

// Runs one command; returns the process exit code (0 ok, 1 failed, 2 usage error). Results go to
// `out`, the one error message to `err`.
int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace bestand
