// What a command of the `bestand` CLI is: the words that name it, what it takes, and the handler
// that runs it. The table of all commands is in commands.cc.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace bestand {

class Context;
struct Noun;

// One option of a command: --name VALUE, or a switch when `value` is empty.
struct FlagSpec {
  std::string name;
  std::string value;  // what it takes, e.g. "DATE"
  std::string help;   // "(required)" in it makes the option part of the synopsis
};

// A handler: runs the command with everything in `context`; a usage error (usage.h) for
// arguments that do not fit, else the server's or its own error.
using Handler = absl::Status (*)(Context& context);

struct CommandSpec {
  std::vector<std::string> path;  // e.g. {"report", "costs"}
  std::string args;               // positional arguments, e.g. "LICENSE"
  std::string summary;
  std::vector<FlagSpec> flags;
  Handler run = nullptr;
  const Noun* noun = nullptr;  // the inventory resource of the generic commands
  // Output formats besides table, wide, json and csv: "md" (task export), "html" (reports).
  std::vector<std::string> formats = {};
};

}  // namespace bestand
