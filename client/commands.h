// The command table of the `bestand` CLI: every command's words, arguments, options, help and
// handler, and how the words on a command line find one.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "client/command_spec.h"

namespace bestand {

// The options every command takes (--server, --ca, --token, -o, ...).
const std::vector<FlagSpec>& GlobalFlags();

// Every command, in the order `bestand help` lists them.
const std::vector<CommandSpec>& Commands();

// Every switch (an option without a value) of any command or the global options: Args must tell
// them from options that take a value.
std::set<std::string> Switches();

// The command `words` name: the longest path that matches, nouns' aliases ("people") and verbs'
// ("ls", "rm", ...) accepted, a verb as given before its alias; nullptr for none.
const CommandSpec* FindCommand(const std::vector<std::string>& words);

// The commands of the noun `word` names (aliases accepted), in table order.
std::vector<const CommandSpec*> CommandsOf(const std::string& word);

}  // namespace bestand
