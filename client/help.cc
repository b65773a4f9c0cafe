#include "client/help.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/commands.h"
#include "client/nouns.h"

namespace bestand {
namespace {

constexpr absl::string_view kFooter = R"(
Exit codes: 0 success, 1 failed, 2 usage error, 3 server unreachable, 4 audit trail tampered.
Global options (also from BESTAND_SERVER, BESTAND_CA, BESTAND_TOKEN and the config file
$XDG_CONFIG_HOME/bestand/config or ~/.config/bestand/config; BESTAND_CONFIG overrides its path):
  --server HOST:PORT   --ca FILE   --token TOKEN   --insecure (plaintext)
  -o table|wide|json|csv   --timeout SECONDS
'bestand help NOUN' lists a noun's commands; 'bestand NOUN VERB --help' one command's options.
)";

// "bestand onboard EMAIL --name NAME --template TEMPLATE --start DATE": the words, the
// positional arguments and the options marked "(required)".
std::string Synopsis(const CommandSpec& c) {
  std::string out =
      absl::StrCat("bestand ", absl::StrJoin(c.path, " "), c.args.empty() ? "" : " ", c.args);
  for (const FlagSpec& f : c.flags) {
    if (absl::StrContains(f.help, "(required)")) absl::StrAppend(&out, " --", f.name, " ", f.value);
  }
  return out;
}

// "  SYNOPSIS   summary" with the summary wrapped at 100 columns.
std::string HelpLine(const std::string& synopsis, const std::string& summary) {
  constexpr size_t kIndent = 54, kWidth = 100;
  std::string out = "  " + synopsis;
  out += out.size() + 2 <= kIndent ? std::string(kIndent - out.size(), ' ') : "  ";
  size_t column = out.size();
  for (absl::string_view word : absl::StrSplit(summary, ' ', absl::SkipEmpty())) {
    if (column + word.size() > kWidth && column > kIndent) {
      out.back() = '\n';
      out += std::string(kIndent, ' ');
      column = kIndent;
    }
    absl::StrAppend(&out, word, " ");
    column += word.size() + 1;
  }
  out.pop_back();
  return out + "\n";
}

}  // namespace

std::string Overview() {
  static const std::map<std::string, std::string> kSections = {
      {"onboard", "Onboarding, offboarding and tasks"},
      {"offboard", ""},
      {"case", ""},
      {"task", ""},
      {"report", "Reports (-o html: one self-contained file with charts)"},
      {"product", ""},
      {"agent-token", "Agents and software"},
      {"agent", ""},
      {"software", ""},
      {"login", "Administration"},
      {"whoami", ""},
      {"token", ""},
      {"audit", ""},
      {"settings", ""},
      {"notify", ""},
      {"calendar", ""},
      {"connectors", ""}};
  std::string out =
      "usage: bestand [global options] COMMAND ...\n\nInventory (a NAME is an id such as "
      "people/3, or a natural key: email, asset tag, serial number, name):\n";
  for (const CommandSpec& c : Commands()) {
    if (auto section = kSections.find(c.path[0]);
        section != kSections.end() && !section->second.empty() &&
        (&c == &Commands().front() ||
         Commands()[&c - &Commands().front() - 1].path[0] != c.path[0])) {
      absl::StrAppend(&out, "\n", section->second, ":\n");
    }
    if (c.noun == nullptr) {
      out += HelpLine(Synopsis(c), c.summary);
    } else if (c.path[1] == "add") {  // one line per inventory noun
      out += HelpLine(absl::StrCat("bestand ", c.path[0], " add|list|show|update|remove|fields"),
                      std::string(c.noun->description));
    }
  }
  return out + std::string(kFooter);
}

std::string NounHelp(const std::vector<const CommandSpec*>& commands) {
  std::string out;
  for (const CommandSpec* c : commands) out += HelpLine(Synopsis(*c), c->summary);
  return absl::StrCat(out, "\n'bestand ", commands[0]->path[0],
                      " VERB --help' shows a command's options.\n");
}

std::string CommandHelp(const CommandSpec& c) {
  std::string out = absl::StrCat("usage: ", Synopsis(c), c.flags.empty() ? "" : " [options]",
                                 "\n\n", c.summary, "\n");
  if (!c.flags.empty()) {
    out += c.noun != nullptr && (c.path[1] == "add" || c.path[1] == "update")
               ? "\nFields (--FIELD VALUE):\n"
               : "\nOptions:\n";
    size_t width = 0;
    for (const FlagSpec& f : c.flags) {
      width = std::max(width, f.name.size() + (f.value.empty() ? 0 : f.value.size() + 1));
    }
    for (const FlagSpec& f : c.flags) {
      const std::string left = f.value.empty() ? f.name : absl::StrCat(f.name, " ", f.value);
      absl::StrAppend(&out, "  --", left, std::string(width - left.size() + 2, ' '), f.help, "\n");
    }
  }
  return out;
}

}  // namespace bestand
