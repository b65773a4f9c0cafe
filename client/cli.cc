#include "client/cli.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/commands.h"
#include "client/config.h"
#include "client/context.h"
#include "client/help.h"
#include "client/usage.h"
#include "common/args.h"
#include "common/status_macros.h"

namespace bestand {
namespace {

// The usage error for words that name no command: an unknown noun, or a noun without a verb
// or with one it does not have.
absl::Status NoSuchCommand(const std::vector<std::string>& words,
                           const std::vector<const CommandSpec*>& of_noun) {
  if (of_noun.empty()) {
    std::vector<std::string> nouns;
    for (const CommandSpec& c : Commands()) nouns.push_back(c.path[0]);
    return UsageError(absl::StrCat("unknown command '", words[0], "'", DidYouMean(words[0], nouns)),
                      nullptr);
  }
  std::vector<std::string> verbs;
  for (const CommandSpec* c : of_noun) {
    verbs.push_back(absl::StrJoin(c->path.begin() + 1, c->path.end(), " "));
  }
  if (words.size() == 1) {
    return UsageError(absl::StrCat("'", words[0], "' needs one of: ", absl::StrJoin(verbs, ", ")),
                      nullptr);
  }
  return UsageError(
      absl::StrCat("unknown verb '", words[1], "' for ", words[0], DidYouMean(words[1], verbs),
                   "; valid: ", absl::StrJoin(verbs, ", ")),
      nullptr);
}

// -o as given, checked against what `command` prints.
absl::StatusOr<std::string> Output(const Args& args, const CommandSpec& command) {
  // Markdown is for what to send to a provider (task export), HTML for reports.
  const std::string output = args.Get("output", "table");
  std::vector<std::string> valid = {"table", "wide", "json", "csv"};
  valid.insert(valid.end(), command.formats.begin(), command.formats.end());
  if (std::find(valid.begin(), valid.end(), output) == valid.end()) {
    return UsageError(absl::StrCat("-o: '", output, "' is not one of ", absl::StrJoin(valid, ", "),
                                   " for 'bestand ", absl::StrJoin(command.path, " "), "'"),
                      &command);
  }
  return output;
}

// Help when asked for; else the command's handler, connected unless it is login.
absl::Status Run(const Args& args, std::ostream& out, std::ostream& err, const Connector& connect) {
  std::vector<std::string> words = args.positional();
  const bool help = args.Has("help") || (!words.empty() && words[0] == "help");
  if (!words.empty() && words[0] == "help") words.erase(words.begin());
  if (words.empty()) {
    out << Overview();
    return absl::OkStatus();
  }
  const CommandSpec* command = FindCommand(words);
  if (command == nullptr) {
    const std::vector<const CommandSpec*> of_noun = CommandsOf(words[0]);
    if (help && words.size() == 1 && !of_noun.empty()) {
      out << NounHelp(of_noun);
      return absl::OkStatus();
    }
    return NoSuchCommand(words, of_noun);
  }
  if (help) {
    out << CommandHelp(*command);
    return absl::OkStatus();
  }
  Context context(args, *command, out, err, connect);
  BESTAND_RETURN_IF_ERROR(context.CommandFlags().status());
  BESTAND_ASSIGN_OR_RETURN(std::string output, Output(args, *command));
  context.SetOutput(output);
  BESTAND_RETURN_IF_ERROR(context.SetLang(args.Get("lang")));
  if (command->path[0] != "login") {
    BESTAND_ASSIGN_OR_RETURN(ClientConfig config, ResolveConfig(args));
    BESTAND_RETURN_IF_ERROR(context.Connect(config));
  }
  return command->run(context);
}

}  // namespace

int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
           const Connector& connect) {
  absl::StatusOr<Args> args = Args::Parse(argc, argv, Switches());
  if (!args.ok()) {
    err << "bestand: " << args.status().message() << " (see 'bestand help')\n";
    return 2;
  }
  if (args->positional().empty() && !args->Has("help")) {
    err << "bestand: a command is missing (see 'bestand help')\n";
    return 2;
  }
  absl::Status s = Run(*args, out, err, connect);
  if (s.ok()) return 0;
  err << "bestand: " << s.message() << "\n";
  if (IsUsageError(s)) return 2;
  if (absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) return 3;
  if (absl::IsDataLoss(s)) return 4;  // audit verify found tampering
  return 1;
}

}  // namespace bestand
