// The help texts of the `bestand` CLI, made from the command table.
#pragma once

#include <string>
#include <vector>

#include "client/command_spec.h"

namespace bestand {

// `bestand help`: every command by section, one line per inventory noun, the exit codes and the
// global options.
std::string Overview();

// `bestand help NOUN`: one line per command in `commands` (a noun's, non-empty).
std::string NounHelp(const std::vector<const CommandSpec*>& commands);

// `bestand NOUN VERB --help`: the synopsis, the summary and every option with what it takes.
std::string CommandHelp(const CommandSpec& command);

}  // namespace bestand
