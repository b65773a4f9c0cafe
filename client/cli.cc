#include "client/cli.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bestand/v1/agent.pb.h"
#include "bestand/v1/audit.pb.h"
#include "bestand/v1/auth.pb.h"
#include "bestand/v1/report.pb.h"
#include "bestand/v1/settings.pb.h"
#include "bestand/v1/workflow.pb.h"
#include "client/client.h"
#include "client/html_report.h"
#include "client/output.h"
#include "common/args.h"
#include "common/files.h"
#include "common/money.h"
#include "common/proto_text.h"
#include "common/resources.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "google/protobuf/descriptor.h"

namespace bestand {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// One option of a command: --name VALUE, or a switch when `value` is empty.
struct FlagSpec {
  std::string name;
  std::string value;  // what it takes, e.g. "DATE"
  std::string help;
};

const std::vector<FlagSpec>& GlobalFlags() {
  static const std::vector<FlagSpec>* const flags = new std::vector<FlagSpec>{
      {"server", "HOST:PORT", "the Bestand server (BESTAND_SERVER, the config file)"},
      {"ca", "FILE", "the server's CA certificate (BESTAND_CA)"},
      {"token", "TOKEN", "your API token (BESTAND_TOKEN)"},
      {"insecure", "", "plaintext, for local development only"},
      {"output", "FORMAT", "-o table|wide|json|csv: wide shows every column, untruncated"},
      {"timeout", "SECONDS", "per call, 1..3600 (default 30)"},
      {"help", "", "this command's options"},
  };
  return *flags;
}

constexpr absl::string_view kFooter = R"(
Exit codes: 0 success, 1 failed, 2 usage error, 3 server unreachable, 4 audit trail tampered.
Global options (also from BESTAND_SERVER, BESTAND_CA, BESTAND_TOKEN and the config file
$XDG_CONFIG_HOME/bestand/config or ~/.config/bestand/config; BESTAND_CONFIG overrides its path):
  --server HOST:PORT   --ca FILE   --token TOKEN   --insecure (plaintext)
  -o table|wide|json|csv   --timeout SECONDS
'bestand help NOUN' lists a noun's commands; 'bestand NOUN VERB --help' one command's options.
)";

struct Noun {
  absl::string_view word;
  Kind kind;
  absl::string_view service;
  absl::string_view resource;  // message name, e.g. "Person"
  absl::string_view plural;    // e.g. "People"
  absl::string_view create_field;
  std::vector<absl::string_view> columns;
  absl::string_view description;  // for help
};

const std::vector<Noun>& Nouns() {
  static const std::vector<Noun>* const nouns = new std::vector<Noun>{
      {"person",
       Kind::kPerson,
       "bestand.v1.PersonService",
       "Person",
       "People",
       "person",
       {"name", "email", "display_name", "department", "status", "start_date", "end_date"},
       "people: employees and others who hold access"},
      {"device",
       Kind::kDevice,
       "bestand.v1.DeviceService",
       "Device",
       "Devices",
       "device",
       {"name", "asset_tag", "hostname", "type", "model", "os", "assignee", "status",
        "last_report_time"},
       "devices: laptops, desktops, phones, ... and who has them"},
      {"app",
       Kind::kApplication,
       "bestand.v1.ApplicationService",
       "Application",
       "Applications",
       "application",
       {"name", "display_name", "category", "hosting", "vendor", "owner", "mfa_enforced"},
       "applications: the systems people hold accounts in (SaaS or on premise)"},
      {"vendor",
       Kind::kVendor,
       "bestand.v1.VendorService",
       "Vendor",
       "Vendors",
       "vendor",
       {"name", "display_name", "kind", "contact_name", "contact_email", "contact_phone"},
       "vendors: providers, freelancers, SaaS vendors and who is responsible for what"},
      {"account",
       Kind::kAccount,
       "bestand.v1.AccountService",
       "Account",
       "Accounts",
       "account",
       {"name", "application", "username", "person", "privileged", "mfa_enabled", "status"},
       "accounts: people's identities in applications"},
      {"access",
       Kind::kAccessGrant,
       "bestand.v1.AccessGrantService",
       "AccessGrant",
       "AccessGrants",
       "access_grant",
       {"name", "person", "application", "role", "grant_date", "expire_date", "revoke_date"},
       "access grants: roles and permissions held through accounts"},
      {"license",
       Kind::kLicense,
       "bestand.v1.LicenseService",
       "License",
       "Licenses",
       "license",
       {"name", "display_name", "seats", "assigned_seats", "price_per_seat_minor", "billing_period",
        "term_end", "auto_renew"},
       "licenses: subscriptions and contracts, their seats, prices and terms"},
      {"assignment",
       Kind::kLicenseAssignment,
       "bestand.v1.LicenseAssignmentService",
       "LicenseAssignment",
       "LicenseAssignments",
       "license_assignment",
       {"name", "license", "person", "device", "assign_date"},
       "license assignments: who holds which seat (also: license assign|unassign|seats)"},
      {"template",
       Kind::kTemplateItem,
       "bestand.v1.TemplateItemService",
       "TemplateItem",
       "TemplateItems",
       "template_item",
       {"name", "template", "application", "role", "license", "device_type"},
       "role templates, item by item: what a new person in a role gets"},
  };
  return *nouns;
}

const Noun* FindNoun(absl::string_view word) {
  // Accept the singular, the collection name and a few plurals people type.
  static const std::map<absl::string_view, absl::string_view> kAliases = {
      {"people", "person"},
      {"persons", "person"},
      {"devices", "device"},
      {"apps", "app"},
      {"application", "app"},
      {"applications", "app"},
      {"vendors", "vendor"},
      {"accounts", "account"},
      {"grants", "access"},
      {"accessGrants", "access"},
      {"licenses", "license"},
      {"assignments", "assignment"},
      {"licenseAssignments", "assignment"},
      {"templates", "template"},
      {"templateItems", "template"}};
  if (auto it = kAliases.find(word); it != kAliases.end()) word = it->second;
  for (const Noun& n : Nouns()) {
    if (n.word == word) return &n;
  }
  return nullptr;
}

const Noun& NounForKind(Kind kind) {
  for (const Noun& n : Nouns()) {
    if (n.kind == kind) return n;
  }
  std::abort();
}

std::unique_ptr<Message> NewMessage(const Descriptor* d) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(d)->New());
}

const google::protobuf::MethodDescriptor* Method(absl::string_view service, absl::string_view rpc) {
  const auto* s =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(std::string(service));
  return s ? s->FindMethodByName(std::string(rpc)) : nullptr;
}

std::string FlagToField(absl::string_view flag) { return absl::StrReplaceAll(flag, {{"-", "_"}}); }
std::string FieldToFlag(absl::string_view field) {
  return absl::StrReplaceAll(field, {{"_", "-"}});
}

// ---------------------------------------------------------------------------------------------
// Configuration: flags > environment > config file > defaults.

std::string ConfigPath() {
  if (const char* p = std::getenv("BESTAND_CONFIG"); p && *p) return p;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
    return absl::StrCat(x, "/bestand/config");
  if (const char* h = std::getenv("HOME"); h && *h)
    return absl::StrCat(h, "/.config/bestand/config");
  return "";
}

std::map<std::string, std::string> ReadConfigFile(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view l = absl::StripAsciiWhitespace(line);
    if (l.empty() || l[0] == '#') continue;
    size_t eq = l.find('=');
    if (eq == absl::string_view::npos) continue;
    out[std::string(absl::StripAsciiWhitespace(l.substr(0, eq)))] =
        std::string(absl::StripAsciiWhitespace(l.substr(eq + 1)));
  }
  return out;
}

absl::StatusOr<ClientConfig> ResolveConfig(const Args& args) {
  ClientConfig c;
  auto file = ReadConfigFile(ConfigPath());
  auto pick = [&](const std::string& flag, const char* env, const std::string& key,
                  std::string* target) {
    if (args.Has(flag)) {
      *target = args.Get(flag);
    } else if (const char* e = std::getenv(env); e && *e) {
      *target = e;
    } else if (file.count(key)) {
      *target = file[key];
    }
  };
  pick("server", "BESTAND_SERVER", "server", &c.server);
  pick("ca", "BESTAND_CA", "ca", &c.ca_file);
  pick("token", "BESTAND_TOKEN", "token", &c.token);
  std::string insecure = file.count("insecure") ? file["insecure"] : "";
  c.insecure = args.Has("insecure") || insecure == "true";
  if (args.Has("timeout")) {
    int seconds = 0;
    if (!absl::SimpleAtoi(args.Get("timeout"), &seconds) || seconds <= 0 || seconds > 3600) {
      return absl::InvalidArgumentError("--timeout: expected 1..3600 seconds");
    }
    c.timeout = absl::Seconds(seconds);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------

// What a field takes, for help: "reference to person", "laptop|desktop|...", "date YYYY-MM-DD".
std::string FieldKind(const ResourceSpec& spec, const FieldDescriptor* f) {
  if (const Reference* r = spec.FindReference(f->name())) {
    return absl::StrCat("reference to ", Spec(r->target).noun, " (name or id)");
  }
  if (f->enum_type()) {
    std::vector<std::string> values;
    for (int v = 1; v < f->enum_type()->value_count(); ++v) {
      values.push_back(absl::AsciiStrToLower(f->enum_type()->value(v)->name()));
    }
    return absl::StrJoin(values, "|");
  }
  if (f->message_type()) return "time (RFC 3339, or a date YYYY-MM-DD)";
  if (IsDateField(f->name())) return "date YYYY-MM-DD";
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true|false";
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(
          absl::EndsWith(f->name(), "_minor") ? "amount in minor units (cents)" : "number", ", 0..",
          IntFieldMax(f->name()));
    default:
      return "text";
  }
}

class Cli;

// One command: the words that name it, its positional arguments, what it does and its options.
struct CommandSpec {
  std::vector<std::string> path;  // e.g. {"report", "costs"}
  std::string args;               // positional arguments, e.g. "LICENSE"
  std::string summary;
  std::vector<FlagSpec> flags;
  absl::Status (Cli::*run)() = nullptr;
  const Noun* noun = nullptr;  // the inventory resource of the generic commands
  // Output formats besides table, wide, json and csv: "md" (task export), "html" (reports).
  std::vector<std::string> formats = {};
};

// Every command, in the order `bestand help` lists them. Defined after Cli.
const std::vector<CommandSpec>& Commands();

class Cli {
 public:
  Cli(const Args& args, std::ostream& out, std::ostream& err) : args_(args), out_(out), err_(err) {}
  // The command table names the handlers.
  friend const std::vector<CommandSpec>& Commands();

  absl::Status Run() {
    std::vector<std::string> words = args_.positional();
    const bool help = args_.Has("help") || (!words.empty() && words[0] == "help");
    if (!words.empty() && words[0] == "help") words.erase(words.begin());
    if (words.empty()) {
      out_ << Overview();
      return absl::OkStatus();
    }
    cmd_ = Find(words);
    if (cmd_ == nullptr) {
      const std::vector<const CommandSpec*> noun = CommandsOf(words[0]);
      if (noun.empty()) return Usage(absl::StrCat("unknown command '", words[0], "'"));
      if (help && words.size() == 1) {
        out_ << NounHelp(noun);
        return absl::OkStatus();
      }
      std::vector<std::string> verbs;
      for (const CommandSpec* c : noun)
        verbs.push_back(absl::StrJoin(c->path.begin() + 1, c->path.end(), " "));
      return Usage(words.size() == 1
                       ? absl::StrCat("'", words[0], "' needs one of: ", absl::StrJoin(verbs, ", "))
                       : absl::StrCat("unknown verb '", words[1], "' for ", words[0],
                                      "; valid: ", absl::StrJoin(verbs, ", ")));
    }
    if (help) {
      out_ << CommandHelp(*cmd_);
      return absl::OkStatus();
    }
    BESTAND_RETURN_IF_ERROR(CommandFlags().status());
    // Markdown is for what to send to a provider (task export), HTML for reports.
    const std::string output = args_.Get("output", "table");
    std::vector<std::string> valid = {"table", "wide", "json", "csv"};
    valid.insert(valid.end(), cmd_->formats.begin(), cmd_->formats.end());
    if (std::find(valid.begin(), valid.end(), output) == valid.end()) {
      return Usage(absl::StrCat("-o: '", output, "' is not one of ", absl::StrJoin(valid, ", "),
                                " for 'bestand ", absl::StrJoin(cmd_->path, " "), "'"));
    }
    markdown_ = output == "md";
    html_ = output == "html";
    printer_.format = output == "json"  ? Format::kJson
                      : output == "csv" ? Format::kCsv
                                        : Format::kTable;
    printer_.wide = output == "wide";
    printer_.out = &out_;
    printer_.labeler = [this](const std::string& ref) { return Label(ref); };
    if (cmd_->path[0] != "login") {
      BESTAND_ASSIGN_OR_RETURN(ClientConfig config, ResolveConfig(args_));
      BESTAND_ASSIGN_OR_RETURN(client_, BestandClient::Connect(config));
    }
    return (this->*cmd_->run)();
  }

  bool usage_error() const { return usage_error_; }

 private:
  // ---- Dispatch and help -------------------------------------------------------------------

  // The command `words` name: the longest path that matches (nouns' and verbs' aliases
  // accepted, a verb as given before its alias).
  static const CommandSpec* Find(const std::vector<std::string>& words) {
    for (bool alias : {false, true}) {
      const CommandSpec* best = nullptr;
      for (const CommandSpec& c : Commands()) {
        if (c.path.size() > words.size() || (best && best->path.size() >= c.path.size())) continue;
        bool match = true;
        for (size_t i = 0; i < c.path.size() && match; ++i) {
          match = i == 0 ? SameNoun(c.path[0], words[0])
                         : c.path[i] == (alias ? VerbAlias(words[i]) : words[i]);
        }
        if (match) best = &c;
      }
      if (best) return best;
    }
    return nullptr;
  }

  static bool SameNoun(const std::string& noun, const std::string& word) {
    const Noun* n = FindNoun(word);
    return noun == word || (n != nullptr && n->word == noun);
  }

  static std::string VerbAlias(const std::string& verb) {
    static const std::map<std::string, std::string> kAliases = {
        {"create", "add"}, {"ls", "list"},   {"get", "show"},
        {"set", "update"}, {"rm", "remove"}, {"delete", "remove"}};
    auto it = kAliases.find(verb);
    return it == kAliases.end() ? verb : it->second;
  }

  static std::vector<const CommandSpec*> CommandsOf(const std::string& noun) {
    std::vector<const CommandSpec*> out;
    for (const CommandSpec& c : Commands()) {
      if (SameNoun(c.path[0], noun)) out.push_back(&c);
    }
    return out;
  }

  // "bestand onboard EMAIL --name NAME --template TEMPLATE --start DATE": the words, the
  // positional arguments and the options marked "(required)".
  static std::string Synopsis(const CommandSpec& c) {
    std::string out =
        absl::StrCat("bestand ", absl::StrJoin(c.path, " "), c.args.empty() ? "" : " ", c.args);
    for (const FlagSpec& f : c.flags) {
      if (absl::StrContains(f.help, "(required)"))
        absl::StrAppend(&out, " --", f.name, " ", f.value);
    }
    return out;
  }

  // "  SYNOPSIS   summary" with the summary wrapped at 100 columns.
  static std::string HelpLine(const std::string& synopsis, const std::string& summary) {
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

  static std::string Overview() {
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
        {"settings", ""}};
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

  static std::string NounHelp(const std::vector<const CommandSpec*>& commands) {
    std::string out;
    for (const CommandSpec* c : commands) out += HelpLine(Synopsis(*c), c->summary);
    return absl::StrCat(out, "\n'bestand ", commands[0]->path[0],
                        " VERB --help' shows a command's options.\n");
  }

  static std::string CommandHelp(const CommandSpec& c) {
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
        absl::StrAppend(&out, "  --", left, std::string(width - left.size() + 2, ' '), f.help,
                        "\n");
      }
    }
    return out;
  }

  absl::Status NounAdd() { return Add(*cmd_->noun); }
  absl::Status NounList() { return List(*cmd_->noun); }
  absl::Status NounShow() {
    const auto& pos = args_.positional();
    if (cmd_->noun->kind == Kind::kDevice && args_.Has("software")) return DeviceInventory();
    if (cmd_->noun->kind == Kind::kTemplateItem && pos.size() > 2 &&
        !absl::StartsWith(pos[2], "templateItems/")) {
      return TemplateShow(pos[2]);
    }
    return Show(*cmd_->noun);
  }
  absl::Status NounUpdate() { return Update(*cmd_->noun); }
  absl::Status NounRemove() { return Remove(*cmd_->noun); }
  absl::Status NounFields() { return Fields(*cmd_->noun); }
  absl::Status LicenseVerb() { return LicenseSeats(cmd_->path[1]); }

  absl::Status Usage(std::string msg) {
    usage_error_ = true;
    return absl::InvalidArgumentError(absl::StrCat(
        msg, cmd_ ? absl::StrCat(" (see 'bestand ", absl::StrJoin(cmd_->path, " "), " --help')")
                  : std::string(" (see 'bestand help')")));
  }

  // What a command did that returns nothing: a JSON object on stdout with -o json (`fields`,
  // values as strings), else `text` on stderr.
  void Confirm(const std::vector<std::pair<std::string, std::string>>& fields,
               const std::string& text) {
    if (printer_.format != Format::kJson) {
      err_ << text << "\n";
      return;
    }
    std::vector<std::vector<std::string>> row(1);
    std::vector<std::string> header;
    for (const auto& [k, v] : fields) {
      header.push_back(k);
      row[0].push_back(v);
    }
    std::ostringstream json;
    PrintRows(json, Format::kJson, header, row);
    std::string one = json.str();  // "[\n{...}\n]\n": the one object
    out_ << one.substr(2, one.size() - 5) << "\n";
  }

  // The positional argument at `i`, or a usage error naming `what`.
  absl::StatusOr<std::string> Arg(size_t i, absl::string_view what) {
    if (args_.positional().size() <= i) return Usage(absl::StrCat("missing ", what));
    return args_.positional()[i];
  }

  // The command's own flags as given, checked against what it declares.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> CommandFlags() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, value] : args_.flags()) {
      auto named = [&name = name](const FlagSpec& f) { return f.name == name; };
      if (std::any_of(GlobalFlags().begin(), GlobalFlags().end(), named)) continue;
      if (std::none_of(cmd_->flags.begin(), cmd_->flags.end(), named)) {
        std::vector<std::string> valid;
        for (const FlagSpec& f : cmd_->flags) valid.push_back("--" + f.name);
        return Usage(absl::StrCat(
            "unknown option --", name, " for 'bestand ", absl::StrJoin(cmd_->path, " "), "'",
            valid.empty() ? "; it takes none" : "; valid: " + absl::StrJoin(valid, ", ")));
      }
      out.emplace_back(name, value);
    }
    return out;
  }

  // Flags naming fields of `d` that callers may set.
  std::set<std::string> FieldFlags(const Descriptor* d, const ResourceSpec* spec) {
    std::set<std::string> out;
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (spec && IsOutputOnly(*spec, f->name())) continue;
      if (f->name() == "page_size" || f->name() == "page_token") continue;
      out.insert(FieldToFlag(f->name()));
    }
    return out;
  }

  absl::Status Call(const Noun& noun, absl::string_view rpc_prefix, const Message& req,
                    Message* resp) {
    std::string rpc = absl::StrCat(rpc_prefix, rpc_prefix == "List" ? noun.plural : noun.resource);
    return client_->CallByName(noun.service, rpc, req, resp);
  }

  std::unique_ptr<Message> NewRequest(const Noun& noun, absl::string_view rpc_prefix) {
    std::string rpc = absl::StrCat(rpc_prefix, rpc_prefix == "List" ? noun.plural : noun.resource);
    return NewMessage(Method(noun.service, rpc)->input_type());
  }
  std::unique_ptr<Message> NewResponse(const Noun& noun, absl::string_view rpc_prefix) {
    std::string rpc = absl::StrCat(rpc_prefix, rpc_prefix == "List" ? noun.plural : noun.resource);
    return NewMessage(Method(noun.service, rpc)->output_type());
  }

  // Fills `resource` from the command's field flags (others, like --force, are the caller's);
  // adds each to `mask` if given.
  absl::Status FillFields(const Noun& noun, Message* resource, google::protobuf::FieldMask* mask) {
    const ResourceSpec& spec = Spec(noun.kind);
    BESTAND_ASSIGN_OR_RETURN(auto flags, CommandFlags());
    for (const auto& [flag, value] : flags) {
      const FieldDescriptor* f = spec.descriptor->FindFieldByName(FlagToField(flag));
      if (f == nullptr) continue;
      BESTAND_RETURN_IF_ERROR(SetFieldFromText(resource, f, value));
      if (mask) mask->add_paths(f->name());
    }
    return absl::OkStatus();
  }

  absl::Status Add(const Noun& noun) {
    auto req = NewRequest(noun, "Create");
    const FieldDescriptor* rf =
        req->GetDescriptor()->FindFieldByName(std::string(noun.create_field));
    Message* resource = req->GetReflection()->MutableMessage(req.get(), rf);
    BESTAND_RETURN_IF_ERROR(FillFields(noun, resource, nullptr));
    auto resp = NewResponse(noun, "Create");
    BESTAND_RETURN_IF_ERROR(Call(noun, "Create", *req, resp.get()));
    printer_.One(*resp);
    return absl::OkStatus();
  }

  absl::Status Update(const Noun& noun) {
    BESTAND_ASSIGN_OR_RETURN(std::string name, Arg(2, absl::StrCat(noun.word, " to update")));
    auto req = NewRequest(noun, "Update");
    const auto* d = req->GetDescriptor();
    Message* resource = req->GetReflection()->MutableMessage(
        req.get(), d->FindFieldByName(std::string(noun.create_field)));
    auto* mask = static_cast<google::protobuf::FieldMask*>(
        req->GetReflection()->MutableMessage(req.get(), d->FindFieldByName("update_mask")));
    BESTAND_RETURN_IF_ERROR(FillFields(noun, resource, mask));
    // --force where the request has it (a license's seats below those assigned).
    const FieldDescriptor* force = d->FindFieldByName("force");
    if (force && args_.Has("force")) req->GetReflection()->SetBool(req.get(), force, true);
    if (mask->paths().empty()) return Usage("nothing to update: give --FIELD VALUE options");
    SetFieldFromText(resource, resource->GetDescriptor()->FindFieldByName("name"), name)
        .IgnoreError();
    auto resp = NewResponse(noun, "Update");
    BESTAND_RETURN_IF_ERROR(Call(noun, "Update", *req, resp.get()));
    printer_.One(*resp);
    return absl::OkStatus();
  }

  absl::Status Show(const Noun& noun) {
    BESTAND_ASSIGN_OR_RETURN(std::string name, Arg(2, absl::StrCat(noun.word, " to show")));
    auto req = NewRequest(noun, "Get");
    req->GetReflection()->SetString(req.get(), req->GetDescriptor()->FindFieldByName("name"), name);
    auto resp = NewResponse(noun, "Get");
    BESTAND_RETURN_IF_ERROR(Call(noun, "Get", *req, resp.get()));
    printer_.One(*resp);
    return absl::OkStatus();
  }

  absl::Status Remove(const Noun& noun) {
    BESTAND_ASSIGN_OR_RETURN(std::string name, Arg(2, absl::StrCat(noun.word, " to remove")));
    auto req = NewRequest(noun, "Delete");
    req->GetReflection()->SetString(req.get(), req->GetDescriptor()->FindFieldByName("name"), name);
    auto resp = NewResponse(noun, "Delete");
    BESTAND_RETURN_IF_ERROR(Call(noun, "Delete", *req, resp.get()));
    Confirm({{"removed", name}}, absl::StrCat("removed ", noun.word, " ", name));
    return absl::OkStatus();
  }

  absl::Status Fields(const Noun& noun) {
    const ResourceSpec& spec = Spec(noun.kind);
    std::vector<std::vector<std::string>> rows;
    for (int i = 0; i < spec.descriptor->field_count(); ++i) {
      const FieldDescriptor* f = spec.descriptor->field(i);
      rows.push_back({f->name(), FieldKind(spec, f), IsOutputOnly(spec, f->name()) ? "yes" : ""});
    }
    PrintRows(out_, printer_.format, {"field", "takes", "output only"}, rows, printer_.wide);
    return absl::OkStatus();
  }

  // Lists every page (or up to --limit items) of `noun` filtered by `filters`.
  absl::StatusOr<std::vector<std::unique_ptr<Message>>> ListAll(
      const Noun& noun, const std::vector<std::pair<std::string, std::string>>& filters,
      int64_t limit) {
    auto req = NewRequest(noun, "List");
    const auto* d = req->GetDescriptor();
    for (const auto& [flag, value] : filters) {
      BESTAND_RETURN_IF_ERROR(
          SetFieldFromText(req.get(), d->FindFieldByName(FlagToField(flag)), value));
    }
    std::vector<std::unique_ptr<Message>> items;
    while (true) {
      int64_t want =
          limit > 0 ? std::min<int64_t>(1000, limit - static_cast<int64_t>(items.size())) : 1000;
      req->GetReflection()->SetInt32(req.get(), d->FindFieldByName("page_size"),
                                     static_cast<int32_t>(want));
      auto resp = NewResponse(noun, "List");
      BESTAND_RETURN_IF_ERROR(Call(noun, "List", *req, resp.get()));
      const auto* rd = resp->GetDescriptor();
      const FieldDescriptor* list_field = nullptr;
      for (int i = 0; i < rd->field_count(); ++i) {
        if (rd->field(i)->is_repeated()) list_field = rd->field(i);
      }
      const auto* rr = resp->GetReflection();
      for (int i = 0; i < rr->FieldSize(*resp, list_field); ++i) {
        items.push_back(NewMessage(list_field->message_type()));
        items.back()->CopyFrom(rr->GetRepeatedMessage(*resp, list_field, i));
      }
      std::string next = rr->GetString(*resp, rd->FindFieldByName("next_page_token"));
      if (next.empty() || (limit > 0 && static_cast<int64_t>(items.size()) >= limit)) break;
      req->GetReflection()->SetString(req.get(), d->FindFieldByName("page_token"), next);
    }
    return items;
  }

  absl::StatusOr<int64_t> Limit() {
    int64_t limit = 0;
    if (args_.Has("limit") && (!absl::SimpleAtoi(args_.Get("limit"), &limit) || limit <= 0)) {
      return Usage("--limit: expected a positive number");
    }
    return limit;
  }

  absl::Status List(const Noun& noun) {
    BESTAND_ASSIGN_OR_RETURN(auto flags, CommandFlags());
    std::erase_if(flags, [](const auto& f) { return f.first == "limit"; });
    BESTAND_ASSIGN_OR_RETURN(int64_t limit, Limit());
    BESTAND_ASSIGN_OR_RETURN(auto items, ListAll(noun, flags, limit));
    printer_.List(items, noun.columns);
    return absl::OkStatus();
  }

  absl::Status LicenseSeats(const std::string& verb) {
    BESTAND_ASSIGN_OR_RETURN(std::string license, Arg(2, "license"));
    const Noun& assignment = NounForKind(Kind::kLicenseAssignment);
    if (verb == "seats") {
      BESTAND_ASSIGN_OR_RETURN(auto items, ListAll(assignment, {{"license", license}}, 0));
      printer_.List(items, assignment.columns);
      return absl::OkStatus();
    }
    BESTAND_ASSIGN_OR_RETURN(auto flags, CommandFlags());
    bool person = args_.Has("person"), device = args_.Has("device");
    if (person == device) return Usage("give exactly one of --person and --device");
    if (verb == "assign") {
      v1::CreateLicenseAssignmentRequest req;
      auto* a = req.mutable_license_assignment();
      a->set_license(license);
      for (const auto& [flag, value] : flags) {
        BESTAND_RETURN_IF_ERROR(
            SetFieldFromText(a, a->GetDescriptor()->FindFieldByName(FlagToField(flag)), value));
      }
      v1::LicenseAssignment resp;
      BESTAND_RETURN_IF_ERROR(Call(assignment, "Create", req, &resp));
      printer_.One(resp);
      return absl::OkStatus();
    }
    std::string holder = person ? "person" : "device";
    BESTAND_ASSIGN_OR_RETURN(
        auto items, ListAll(assignment, {{"license", license}, {holder, args_.Get(holder)}}, 0));
    if (items.empty()) {
      return absl::NotFoundError(absl::StrCat(holder, " '", args_.Get(holder),
                                              "' holds no seat of license '", license, "'"));
    }
    v1::DeleteLicenseAssignmentRequest req;
    req.set_name(static_cast<const v1::LicenseAssignment&>(*items[0]).name());
    google::protobuf::Empty empty;
    BESTAND_RETURN_IF_ERROR(Call(assignment, "Delete", req, &empty));
    Confirm({{"freed", license}, {holder, args_.Get(holder)}},
            absl::StrCat("freed the seat of ", license, " held by ", args_.Get(holder)));
    return absl::OkStatus();
  }

  absl::Status Import() {
    BESTAND_ASSIGN_OR_RETURN(std::string what, Arg(1, "what to import (people, devices, ...)"));
    BESTAND_ASSIGN_OR_RETURN(std::string path, Arg(2, "the CSV file"));
    v1::ImportCsvRequest req;
    if (what == "glpi" || what == "fusion") {
      req.set_collection(what);
      BESTAND_ASSIGN_OR_RETURN(*req.mutable_content(), ReadFileToString(path));
      req.set_dry_run(args_.Has("dry-run"));
      BESTAND_ASSIGN_OR_RETURN(v1::ImportCsvProgress result,
                               client_->ImportCsv(req, [](const v1::ImportCsvProgress&) {}));
      if (printer_.format == Format::kJson) {
        printer_.One(result);
        return absl::OkStatus();
      }
      out_ << (req.dry_run() ? "dry run, nothing changed: " : "imported ") << path << ": "
           << result.device() << (result.created() ? " (new)" : " (matched)") << ", "
           << Counted(result.software_changes(), "software change") << " recorded\n";
      return absl::OkStatus();
    }
    if (what == "m365-users" || what == "m365-activity" || what == "google-users") {
      req.set_collection(what);
      req.set_mark_missing_deleted(args_.Has("mark-deleted"));
    } else {
      const Noun* noun = FindNoun(what);
      if (noun == nullptr) {
        return Usage(absl::StrCat(
            "cannot import '", what,
            "'; KIND is one of people, devices, apps, vendors, accounts, access, licenses, "
            "assignments, templates, m365-users, m365-activity, google-users, glpi, fusion"));
      }
      if (args_.Has("mark-deleted")) return Usage("--mark-deleted is for user exports");
      req.set_collection(std::string(Spec(noun->kind).collection));
    }
    BESTAND_ASSIGN_OR_RETURN(*req.mutable_content(), ReadFileToString(path));
    req.set_dry_run(args_.Has("dry-run"));
    const bool tty = ::isatty(STDERR_FILENO);
    BESTAND_ASSIGN_OR_RETURN(v1::ImportCsvProgress result,
                             client_->ImportCsv(req, [&](const v1::ImportCsvProgress& p) {
                               if (tty && !p.done()) {
                                 err_ << "\rimporting " << path << ": " << p.rows_done() << " of "
                                      << p.rows_total() << " rows" << std::flush;
                               }
                             }));
    if (tty && result.rows_total() >= 500) err_ << "\r\033[K";
    if (printer_.format == Format::kJson) {
      printer_.One(result);
      return absl::OkStatus();
    }
    out_ << (req.dry_run() ? "dry run, nothing changed: " : "imported ") << path << ": "
         << Counted(result.rows_total(), "row") << ", " << result.created() << " new, "
         << result.updated() << " updated, " << result.unchanged() << " unchanged";
    if (result.missing_size() > 0) {
      out_ << ", " << result.missing_size() << " missing from the file"
           << (result.deleted() ? absl::StrCat(" (", result.deleted(), " marked deleted)")
               : req.mark_missing_deleted() ? ""
                                            : " (mark them deleted with --mark-deleted)");
    }
    out_ << "\n";
    for (const std::string& m : result.missing()) out_ << "  missing: " << m << "\n";
    return absl::OkStatus();
  }

  absl::Status Token() {
    BESTAND_ASSIGN_OR_RETURN(std::string verb, Arg(1, "token verb: create, list, revoke"));
    if (verb == "create") {
      BESTAND_ASSIGN_OR_RETURN(std::string role, args_.Required("role"));
      BESTAND_ASSIGN_OR_RETURN(std::string name, args_.Required("name"));
      v1::CreateTokenRequest req;
      req.mutable_token()->set_display_name(name);
      req.mutable_token()->set_vendor(args_.Get("vendor"));
      BESTAND_RETURN_IF_ERROR(SetFieldFromText(
          req.mutable_token(), v1::Token::descriptor()->FindFieldByName("role"), role));
      v1::CreateTokenResponse resp;
      BESTAND_RETURN_IF_ERROR(
          client_->CallByName("bestand.v1.TokenService", "CreateToken", req, &resp));
      if (printer_.format == Format::kJson) {
        printer_.One(resp);
      } else {
        out_ << resp.secret() << "\n";
        err_ << "created " << resp.token().name() << " '" << name << "' (" << role
             << "); the secret above is shown only now\n";
      }
      return absl::OkStatus();
    }
    if (verb == "list") {
      v1::ListTokensResponse resp;
      BESTAND_RETURN_IF_ERROR(client_->CallByName("bestand.v1.TokenService", "ListTokens",
                                                  v1::ListTokensRequest(), &resp));
      std::vector<std::unique_ptr<Message>> items;
      for (const auto& t : resp.tokens()) items.emplace_back(new v1::Token(t));
      printer_.List(items, {"name", "display_name", "role", "fingerprint", "create_time",
                            "last_used_time", "revoke_time"});
      return absl::OkStatus();
    }
    if (verb == "revoke") {
      BESTAND_ASSIGN_OR_RETURN(std::string name, Arg(2, "token to revoke"));
      v1::RevokeTokenRequest req;
      req.set_name(name);
      v1::Token resp;
      BESTAND_RETURN_IF_ERROR(
          client_->CallByName("bestand.v1.TokenService", "RevokeToken", req, &resp));
      if (printer_.format == Format::kJson) {
        printer_.One(resp);
      } else {
        err_ << "revoked " << resp.name() << " '" << resp.display_name() << "'\n";
      }
      return absl::OkStatus();
    }
    return Usage(absl::StrCat("unknown token verb '", verb, "'"));
  }

  absl::Status Audit() {
    BESTAND_ASSIGN_OR_RETURN(std::string verb, Arg(1, "audit verb: list, verify"));
    if (verb == "list") {
      BESTAND_ASSIGN_OR_RETURN(int64_t limit, Limit());
      if (limit == 0) limit = 100;
      v1::ListAuditEventsRequest req;
      req.set_resource(args_.Get("resource"));
      req.set_actor(args_.Get("actor"));
      std::vector<std::unique_ptr<Message>> items;
      while (static_cast<int64_t>(items.size()) < limit) {
        req.set_page_size(static_cast<int32_t>(std::min<int64_t>(1000, limit - items.size())));
        v1::ListAuditEventsResponse resp;
        BESTAND_RETURN_IF_ERROR(
            client_->CallByName("bestand.v1.AuditService", "ListAuditEvents", req, &resp));
        for (const auto& e : resp.events()) items.emplace_back(new v1::AuditEvent(e));
        if (resp.next_page_token().empty()) break;
        req.set_page_token(resp.next_page_token());
      }
      printer_.List(items, {"sequence", "time", "actor", "action", "resource"});
      return absl::OkStatus();
    }
    if (verb == "verify") {
      BESTAND_ASSIGN_OR_RETURN(auto flags, CommandFlags());
      v1::VerifyAuditRequest req;
      for (const auto& [name, value] : flags) req.add_anchors(value);
      v1::VerifyAuditResponse resp;
      BESTAND_RETURN_IF_ERROR(
          client_->CallByName("bestand.v1.AuditService", "VerifyAudit", req, &resp));
      if (printer_.format == Format::kJson) {
        printer_.One(resp);
      } else {
        for (const auto& p : resp.problems()) out_ << "PROBLEM  " << p << "\n";
        out_ << (resp.ok() ? "OK" : "TAMPERED") << ": " << resp.events_checked()
             << " audit events and " << resp.resources_checked() << " records checked; "
             << (resp.ok() ? "the hash chain is intact and every record matches its last event"
                           : "see the problems above")
             << "\n";
        if (!resp.head().empty()) {
          out_ << "head " << resp.head()
               << "  (keep it outside Bestand; a later 'audit verify --anchor " << resp.head()
               << "' proves the chain was not rewritten since)\n";
        }
      }
      if (!resp.ok()) {
        return absl::DataLossError(
            absl::StrCat("the audit trail does not match (", resp.problems_size(), " problems)"));
      }
      return absl::OkStatus();
    }
    return Usage(absl::StrCat("unknown audit verb '", verb, "'"));
  }

  absl::Status WhoAmI() {
    v1::WhoAmIResponse resp;
    BESTAND_RETURN_IF_ERROR(
        client_->CallByName("bestand.v1.TokenService", "WhoAmI", v1::WhoAmIRequest(), &resp));
    printer_.One(resp.token());
    return absl::OkStatus();
  }

  absl::Status Login() {
    BESTAND_ASSIGN_OR_RETURN(ClientConfig config, ResolveConfig(args_));
    if (!config.ca_file.empty()) {
      config.ca_file = std::filesystem::absolute(config.ca_file).string();
    }
    BESTAND_ASSIGN_OR_RETURN(client_, BestandClient::Connect(config));
    v1::WhoAmIResponse who;
    BESTAND_RETURN_IF_ERROR(
        client_->CallByName("bestand.v1.TokenService", "WhoAmI", v1::WhoAmIRequest(), &who));
    std::string path = ConfigPath();
    if (path.empty()) return absl::FailedPreconditionError("no HOME to keep the config file in");
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    std::string tmp = path + ".tmp";
    {
      // The file holds the token: readable by its owner only, from the moment it exists.
      ::umask(077);
      std::ofstream f(tmp, std::ios::trunc);
      f << "# written by 'bestand login'\nserver = " << config.server << "\nca = " << config.ca_file
        << "\ntoken = " << config.token << "\n"
        << (config.insecure ? "insecure = true\n" : "");
      if (!f) return absl::InternalError(absl::StrCat("cannot write ", tmp));
    }
    ::chmod(tmp.c_str(), 0600);
    std::filesystem::rename(tmp, path, ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot write ", path, ": ", ec.message()));
    const std::string role = absl::AsciiStrToLower(v1::Role_Name(who.token().role()));
    Confirm({{"server", config.server},
             {"token", who.token().display_name()},
             {"role", role},
             {"config", path}},
            absl::StrCat("logged in to ", config.server, " as '", who.token().display_name(), "' (",
                         role, "); saved to ", path));
    return absl::OkStatus();
  }

  absl::Status Software(const std::string& rpc, const Message& req, Message* resp) {
    return client_->CallByName("bestand.v1.SoftwareService", rpc, req, resp);
  }

  absl::Status AgentToken() {
    BESTAND_ASSIGN_OR_RETURN(std::string verb, Arg(1, "agent-token verb: create, list, revoke"));
    if (verb == "create") {
      v1::CreateEnrollmentTokenRequest req;
      req.mutable_token()->set_device(args_.Get("device"));
      int uses = 1;
      if (args_.Has("uses") && (!absl::SimpleAtoi(args_.Get("uses"), &uses) || uses < 1)) {
        return Usage("--uses: expected a positive number");
      }
      req.mutable_token()->set_max_uses(uses);
      req.mutable_token()->set_display_name(args_.Get("name"));
      if (args_.Has("expires")) {
        // absl durations know h, m and s; days are what people give for a rollout.
        std::string text = args_.Get("expires");
        absl::Duration d;
        int64_t days = 0;
        if (absl::EndsWith(text, "d") && absl::SimpleAtoi(text.substr(0, text.size() - 1), &days)) {
          d = absl::Hours(24 * days);
        } else if (!absl::ParseDuration(text, &d)) {
          return Usage("--expires: expected a duration such as 30m, 24h or 7d");
        }
        if (d <= absl::ZeroDuration()) return Usage("--expires: must be in the future");
        req.set_ttl_seconds(absl::ToInt64Seconds(d));
      }
      v1::CreateEnrollmentTokenResponse resp;
      BESTAND_RETURN_IF_ERROR(
          client_->CallByName("bestand.v1.AgentAdminService", "CreateEnrollmentToken", req, &resp));
      if (printer_.format == Format::kJson) {
        printer_.One(resp);
      } else {
        out_ << resp.secret() << "\n";
        err_ << "created " << resp.token().name() << " for " << resp.token().max_uses()
             << " enrollment(s), valid until " << FormatTimestamp(resp.token().expire_time())
             << "; the secret above is shown only now\n";
      }
      return absl::OkStatus();
    }
    if (verb == "list") {
      v1::ListEnrollmentTokensResponse resp;
      BESTAND_RETURN_IF_ERROR(client_->CallByName("bestand.v1.AgentAdminService",
                                                  "ListEnrollmentTokens",
                                                  v1::ListEnrollmentTokensRequest(), &resp));
      std::vector<std::unique_ptr<Message>> items;
      for (const auto& t : resp.tokens()) items.emplace_back(new v1::EnrollmentToken(t));
      printer_.List(items,
                    {"name", "display_name", "uses", "max_uses", "expire_time", "revoke_time"});
      return absl::OkStatus();
    }
    if (verb == "revoke") {
      BESTAND_ASSIGN_OR_RETURN(std::string name, Arg(2, "enrollment token to revoke"));
      v1::RevokeEnrollmentTokenRequest req;
      req.set_name(name);
      v1::RevokeEnrollmentTokenResponse resp;
      BESTAND_RETURN_IF_ERROR(
          client_->CallByName("bestand.v1.AgentAdminService", "RevokeEnrollmentToken", req, &resp));
      Confirm({{"revoked", name}}, absl::StrCat("revoked enrollment token ", name));
      return absl::OkStatus();
    }
    return Usage(absl::StrCat("unknown agent-token verb '", verb, "'"));
  }

  absl::Status Agent() {
    BESTAND_ASSIGN_OR_RETURN(std::string verb, Arg(1, "agent verb: revoke"));
    if (verb != "revoke") return Usage(absl::StrCat("unknown agent verb '", verb, "'"));
    BESTAND_ASSIGN_OR_RETURN(std::string device, Arg(2, "device"));
    v1::RevokeAgentRequest req;
    req.set_device(device);
    v1::RevokeAgentResponse resp;
    BESTAND_RETURN_IF_ERROR(
        client_->CallByName("bestand.v1.AgentAdminService", "RevokeAgent", req, &resp));
    Confirm({{"revoked", device}}, absl::StrCat("revoked the agent certificate of ", device));
    return absl::OkStatus();
  }

  absl::Status DeviceInventory() {
    BESTAND_ASSIGN_OR_RETURN(std::string device, Arg(2, "device to show"));
    v1::GetDeviceInventoryRequest req;
    req.set_device(device);
    req.set_include_software(true);
    v1::DeviceInventory inv;
    BESTAND_RETURN_IF_ERROR(Software("GetDeviceInventory", req, &inv));
    if (printer_.format != Format::kTable) {
      std::vector<std::unique_ptr<Message>> items;
      for (const auto& p : inv.software()) items.emplace_back(new v1::InstalledSoftware(p));
      if (printer_.format == Format::kJson) {
        printer_.One(inv);
      } else {
        printer_.List(items, {});
      }
      return absl::OkStatus();
    }
    const v1::InventoryReport& r = inv.report();
    out_ << "device        " << inv.device() << "\n"
         << "hostname      " << r.hostname() << "\n"
         << "os            " << r.os().pretty_name() << " (kernel " << r.os().kernel_release()
         << ")\n"
         << "hardware      " << r.hardware().manufacturer() << " " << r.hardware().model() << "\n"
         << "cpu           " << r.cpu().model() << ", " << r.cpu().cores() << " cores\n"
         << "memory        " << r.memory_bytes() / (1024 * 1024) << " MiB\n"
         << "last report   " << FormatTimestamp(inv.last_report_time()) << "\n"
         << "last seen     " << FormatTimestamp(inv.last_seen_time()) << "\n"
         << "software      " << inv.software_size() << " packages\n\n";
    std::vector<std::unique_ptr<Message>> items;
    for (const auto& p : inv.software()) items.emplace_back(new v1::InstalledSoftware(p));
    printer_.List(items,
                  {"name", "version", "architecture", "source", "install_time", "first_seen_time"});
    return absl::OkStatus();
  }

  absl::Status DeviceHistory() {
    BESTAND_ASSIGN_OR_RETURN(std::string device, Arg(2, "device"));
    BESTAND_ASSIGN_OR_RETURN(int64_t limit, Limit());
    if (limit == 0) limit = 100;
    v1::ListSoftwareChangesRequest req;
    req.set_device(device);
    std::vector<std::unique_ptr<Message>> items;
    while (static_cast<int64_t>(items.size()) < limit) {
      req.set_page_size(static_cast<int32_t>(std::min<int64_t>(1000, limit - items.size())));
      v1::ListSoftwareChangesResponse resp;
      BESTAND_RETURN_IF_ERROR(Software("ListSoftwareChanges", req, &resp));
      for (const auto& c : resp.changes()) items.emplace_back(new v1::SoftwareChange(c));
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    printer_.List(items, {"time", "kind", "name", "old_version", "new_version", "source"});
    return absl::OkStatus();
  }

  absl::Status DeviceStale() {
    int days = 0;
    if (!absl::SimpleAtoi(args_.Get("days"), &days)) return Usage("--days N is required");
    v1::ListStaleDevicesRequest req;
    req.set_days(days);
    v1::ListStaleDevicesResponse resp;
    BESTAND_RETURN_IF_ERROR(Software("ListStaleDevices", req, &resp));
    std::vector<std::unique_ptr<Message>> items;
    for (const auto& d : resp.devices()) items.emplace_back(new v1::StaleDevice(d));
    printer_.List(items, {"device", "hostname", "last_seen_time"});
    return absl::OkStatus();
  }

  // ---- Onboarding, offboarding, tasks -------------------------------------------------------

  absl::Status Workflow(absl::string_view rpc, const Message& req, Message* resp) {
    return client_->CallByName("bestand.v1.WorkflowService", rpc, req, resp);
  }

  void PrintTasks(const google::protobuf::RepeatedPtrField<v1::Task>& tasks) {
    std::vector<std::unique_ptr<Message>> items;
    for (const auto& t : tasks) items.emplace_back(new v1::Task(t));
    printer_.List(items, {"name", "status", "due_date", "vendor", "title"});
  }

  void PrintCase(const v1::CaseView& view) {
    if (printer_.format == Format::kJson) return printer_.One(view);
    if (printer_.format == Format::kTable) {
      const v1::Case& c = view.record();
      out_ << c.name() << "  " << absl::AsciiStrToLower(v1::Case::Kind_Name(c.kind())) << " of "
           << Label(c.person()) << ", " << absl::AsciiStrToLower(v1::Case::Status_Name(c.status()))
           << ", " << (c.kind() == v1::Case::ONBOARDING ? "first day " : "last day ")
           << c.effective_date() << (view.created() ? "" : " (already open; unchanged)") << "\n";
    }
    PrintTasks(view.tasks());
  }

  absl::Status TemplateShow(const std::string& name) {
    v1::ListTemplateItemsRequest req;
    req.set_template_(name);
    req.set_page_size(1000);
    v1::ListTemplateItemsResponse resp;
    BESTAND_RETURN_IF_ERROR(
        client_->CallByName("bestand.v1.TemplateItemService", "ListTemplateItems", req, &resp));
    if (resp.template_items().empty()) {
      return absl::NotFoundError(absl::StrCat("template '", name, "' has no items"));
    }
    std::vector<std::unique_ptr<Message>> items;
    for (const auto& t : resp.template_items()) items.emplace_back(new v1::TemplateItem(t));
    printer_.List(items, NounForKind(Kind::kTemplateItem).columns);
    return absl::OkStatus();
  }

  absl::Status Onboard() {
    BESTAND_ASSIGN_OR_RETURN(std::string email, Arg(1, "the new person's email"));
    v1::OnboardRequest req;
    req.set_email(email);
    BESTAND_ASSIGN_OR_RETURN(*req.mutable_display_name(), args_.Required("name"));
    BESTAND_ASSIGN_OR_RETURN(*req.mutable_template_(), args_.Required("template"));
    BESTAND_ASSIGN_OR_RETURN(*req.mutable_start_date(), args_.Required("start"));
    req.set_department(args_.Get("department"));
    req.set_manager(args_.Get("manager"));
    req.set_job_title(args_.Get("title"));
    req.set_cost_center(args_.Get("cost-center"));
    v1::CaseView view;
    BESTAND_RETURN_IF_ERROR(Workflow("Onboard", req, &view));
    PrintCase(view);
    return absl::OkStatus();
  }

  absl::Status Offboard() {
    BESTAND_ASSIGN_OR_RETURN(std::string person, Arg(1, "the person who leaves"));
    v1::OffboardRequest req;
    req.set_person(person);
    BESTAND_ASSIGN_OR_RETURN(*req.mutable_last_day(), args_.Required("last-day"));
    req.set_reason(args_.Get("reason"));
    v1::CaseView view;
    BESTAND_RETURN_IF_ERROR(Workflow("Offboard", req, &view));
    if (view.already_left() && printer_.format == Format::kTable) {
      out_ << person << " left"
           << (view.left_on().empty() ? "" : absl::StrCat(" on ", view.left_on()))
           << "; there is nothing to do (anything they still hold: 'bestand report access "
              "--risky')\n";
      return absl::OkStatus();
    }
    PrintCase(view);
    return absl::OkStatus();
  }

  absl::Status Case() {
    BESTAND_ASSIGN_OR_RETURN(std::string verb, Arg(1, "case verb: show, list"));
    if (verb == "show") {
      BESTAND_ASSIGN_OR_RETURN(std::string name, Arg(2, "the case"));
      v1::GetCaseRequest req;
      req.set_name(name);
      v1::CaseView view;
      BESTAND_RETURN_IF_ERROR(Workflow("GetCase", req, &view));
      view.set_created(true);
      PrintCase(view);
      return absl::OkStatus();
    }
    if (verb == "list") {
      v1::ListCasesRequest req;
      req.set_person(args_.Get("person"));
      req.set_page_size(1000);
      if (args_.Has("status")) {
        BESTAND_RETURN_IF_ERROR(SetFieldFromText(
            &req, req.GetDescriptor()->FindFieldByName("status"), args_.Get("status")));
      }
      v1::ListCasesResponse resp;
      BESTAND_RETURN_IF_ERROR(Workflow("ListCases", req, &resp));
      std::vector<std::unique_ptr<Message>> items;
      for (const auto& c : resp.cases()) items.emplace_back(new v1::Case(c));
      printer_.List(items, {"name", "kind", "person", "status", "effective_date", "close_time"});
      return absl::OkStatus();
    }
    return Usage(absl::StrCat("unknown case verb '", verb, "'"));
  }

  // Every task matching `req`, page after page.
  absl::StatusOr<google::protobuf::RepeatedPtrField<v1::Task>> AllTasks(v1::ListTasksRequest req) {
    google::protobuf::RepeatedPtrField<v1::Task> out;
    req.set_page_size(1000);
    do {
      v1::ListTasksResponse resp;
      BESTAND_RETURN_IF_ERROR(Workflow("ListTasks", req, &resp));
      for (auto& t : *resp.mutable_tasks()) *out.Add() = std::move(t);
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return out;
  }

  absl::Status Task() {
    BESTAND_ASSIGN_OR_RETURN(std::string verb,
                             Arg(1, "task verb: list, done, start, accept, reopen, add, export"));
    if (verb == "list" || verb == "export") {
      const bool exporting = verb == "export";
      v1::ListTasksRequest req;
      if (exporting) {
        BESTAND_ASSIGN_OR_RETURN(*req.mutable_vendor(), args_.Required("vendor"));
        req.set_open_only(true);
      } else {
        req.set_vendor(args_.Get("vendor"));
        req.set_parent(args_.Get("case"));
        req.set_person(args_.Get("person"));
        req.set_open_only(args_.Has("open"));
        req.set_overdue_only(args_.Has("overdue"));
        if (args_.Has("status")) {
          BESTAND_RETURN_IF_ERROR(SetFieldFromText(
              &req, req.GetDescriptor()->FindFieldByName("status"), args_.Get("status")));
        }
      }
      BESTAND_ASSIGN_OR_RETURN(auto tasks, AllTasks(req));
      if (exporting) return ExportTasks(req.vendor(), tasks);
      PrintTasks(tasks);
      return absl::OkStatus();
    }
    if (verb == "add") {
      v1::CreateTaskRequest req;
      v1::Task& t = *req.mutable_task();
      BESTAND_ASSIGN_OR_RETURN(*t.mutable_title(), args_.Required("title"));
      t.set_application(args_.Get("app"));
      t.set_vendor(args_.Get("vendor"));
      t.set_person(args_.Get("person"));
      t.set_due_date(args_.Get("due"));
      t.set_acceptance(args_.Get("acceptance"));
      t.set_requested_by(args_.Get("requested-by"));
      t.set_parent(args_.Get("case"));
      if (args_.Has("priority")) {
        BESTAND_RETURN_IF_ERROR(SetFieldFromText(&t, t.GetDescriptor()->FindFieldByName("priority"),
                                                 args_.Get("priority")));
      }
      v1::Task out;
      BESTAND_RETURN_IF_ERROR(Workflow("CreateTask", req, &out));
      printer_.One(out);
      return absl::OkStatus();
    }
    const std::map<std::string, v1::Task::Status> kStatus = {{"done", v1::Task::DONE},
                                                             {"start", v1::Task::IN_PROGRESS},
                                                             {"accept", v1::Task::ACCEPTED},
                                                             {"reopen", v1::Task::OPEN}};
    auto status = kStatus.find(verb);
    if (status == kStatus.end()) return Usage(absl::StrCat("unknown task verb '", verb, "'"));
    BESTAND_ASSIGN_OR_RETURN(std::string name, Arg(2, "the task"));
    v1::UpdateTaskStatusRequest req;
    req.set_name(absl::StartsWith(name, "tasks/") ? name : "tasks/" + name);
    req.set_status(status->second);
    req.set_evidence(args_.Get("evidence"));
    if (req.status() == v1::Task::DONE && req.evidence().empty()) {
      return Usage("task done needs --evidence TEXT: what was done (ticket, date, who)");
    }
    v1::Task out;
    BESTAND_RETURN_IF_ERROR(Workflow("UpdateTaskStatus", req, &out));
    printer_.One(out);
    return absl::OkStatus();
  }

  // What a provider must do, as CSV or a Markdown checklist to paste into a mail or ticket.
  absl::Status ExportTasks(const std::string& vendor,
                           const google::protobuf::RepeatedPtrField<v1::Task>& tasks) {
    if (!markdown_) {
      PrintTasks(tasks);
      return absl::OkStatus();
    }
    out_ << "# Open tasks for " << Label(vendor) << "\n\n";
    if (tasks.empty()) out_ << "Nothing to do.\n";
    for (const v1::Task& t : tasks) {
      out_ << "- [ ] **" << t.title() << "**";
      if (!t.due_date().empty()) out_ << " (due " << t.due_date() << ")";
      out_ << " — `" << t.name() << "`";
      if (!t.acceptance().empty()) out_ << "\n  Done means: " << t.acceptance();
      out_ << "\n";
    }
    out_ << "\nReport back per task: `bestand task done TASK --evidence \"what was done\"`.\n";
    return absl::OkStatus();
  }

  absl::Status Reports(absl::string_view rpc, const Message& req, Message* resp) {
    return client_->CallByName("bestand.v1.ReportService", rpc, req, resp);
  }

  // A report as a table, JSON, CSV or one self-contained HTML file (-o html).
  template <typename Row>
  void PrintReport(const Message& report, const google::protobuf::RepeatedPtrField<Row>& rows,
                   const std::vector<absl::string_view>& columns) {
    if (printer_.format == Format::kJson) return printer_.One(report);
    std::vector<std::unique_ptr<Message>> items;
    for (const Row& r : rows) items.emplace_back(new Row(r));
    printer_.List(items, columns);
  }

  absl::StatusOr<int> DaysFlag(const std::string& flag) {
    std::string v = args_.Get(flag);
    if (v.empty()) return 0;
    absl::string_view digits = absl::StripSuffix(v, "d");
    int days = 0;
    if (!absl::SimpleAtoi(digits, &days) || days < 1) {
      return Usage(absl::StrCat("--", flag, " takes a number of days, 1..3650, e.g. 90 or 90d"));
    }
    return days;
  }

  absl::Status Report() {
    BESTAND_ASSIGN_OR_RETURN(
        std::string what,
        Arg(1, "report name: licenses, overlaps, renewals, costs, compliance, summary, access"));
    if (what == "access") {
      if (!args_.Has("risky")) return Usage("report access needs --risky");
      v1::ListFindingsResponse resp;
      BESTAND_RETURN_IF_ERROR(Workflow("ListFindings", v1::ListFindingsRequest(), &resp));
      std::vector<std::unique_ptr<Message>> items;
      for (const auto& f : resp.findings()) items.emplace_back(new v1::Finding(f));
      printer_.List(items, {"kind", "person", "resource", "description"});
      if (printer_.format == Format::kTable) {
        err_ << resp.findings_size() << (resp.findings_size() == 1 ? " finding\n" : " findings\n");
      }
      return absl::OkStatus();
    }
    std::string html;
    if (what == "licenses") {
      v1::LicenseReportRequest req;
      BESTAND_ASSIGN_OR_RETURN(int days, DaysFlag("inactive-days"));
      req.set_inactive_days(days);
      v1::LicenseReport r;
      BESTAND_RETURN_IF_ERROR(Reports("GetLicenseReport", req, &r));
      if (html_) {
        html = HtmlLicenses(r);
      } else {
        PrintReport(r, r.licenses(),
                    {"display_name", "seats", "assigned", "active", "idle", "leavers", "unassigned",
                     "annual_cost_minor", "annual_waste_minor", "recommendation", "reclaimable"});
        Footer(absl::StrCat("annual cost ", FormatTotals(r.annual_cost()), ", waste ",
                            FormatTotals(r.annual_waste()), " (idle: no activity for ",
                            r.inactive_days(), " days)"));
      }
    } else if (what == "renewals") {
      v1::RenewalReportRequest req;
      BESTAND_ASSIGN_OR_RETURN(int days, DaysFlag("within"));
      req.set_within_days(days);
      v1::RenewalReport r;
      BESTAND_RETURN_IF_ERROR(Reports("GetRenewalReport", req, &r));
      if (html_) {
        html = HtmlRenewals(r);
      } else {
        PrintReport(r, r.renewals(),
                    {"display_name", "cancellation_deadline", "days_left", "missed", "term_end",
                     "auto_renew", "next_term_cost_minor"});
      }
    } else if (what == "costs") {
      v1::CostReportRequest req;
      req.set_by(args_.Get("by"));
      v1::CostReport r;
      BESTAND_RETURN_IF_ERROR(Reports("GetCostReport", req, &r));
      if (html_) {
        html = HtmlCosts(r);
      } else {
        PrintReport(r, r.lines(), {"group", "monthly_minor", "annual_minor"});
        Footer(absl::StrCat("total ", FormatTotals(r.monthly_total()), " a month, ",
                            FormatTotals(r.annual_total()), " a year"));
      }
    } else if (what == "overlaps") {
      v1::OverlapReport r;
      BESTAND_RETURN_IF_ERROR(Reports("GetOverlapReport", v1::OverlapReportRequest(), &r));
      if (html_) {
        html = HtmlOverlaps(r);
      } else {
        PrintReport(r, r.overlaps(),
                    {"category", "keep", "saving", "people_in_several", "applications"});
      }
    } else if (what == "compliance") {
      v1::ComplianceReport r;
      BESTAND_RETURN_IF_ERROR(Reports("GetComplianceReport", v1::ComplianceReportRequest(), &r));
      if (html_) {
        html = HtmlCompliance(r);
      } else {
        PrintReport(r, r.products(),
                    {"product", "installs", "seats", "difference", "unlicensed_devices"});
      }
    } else if (what == "summary") {
      v1::SummaryReportRequest req;
      BESTAND_ASSIGN_OR_RETURN(int inactive, DaysFlag("inactive-days"));
      BESTAND_ASSIGN_OR_RETURN(int within, DaysFlag("within"));
      req.set_inactive_days(inactive);
      req.set_within_days(within);
      v1::SummaryReport r;
      BESTAND_RETURN_IF_ERROR(Reports("GetSummaryReport", req, &r));
      if (html_) {
        html = HtmlSummary(r);
      } else if (printer_.format == Format::kJson) {
        printer_.One(r);
      } else {
        out_ << "annual spend     " << FormatTotals(r.annual_spend()) << " ("
             << FormatTotals(r.monthly_spend()) << " a month)\nannual waste     "
             << FormatTotals(r.annual_waste()) << "\npossible saving  "
             << FormatTotals(r.total_savings()) << " a year (each seat counted once)\n";
        for (const std::string& risk : r.compliance_risks())
          out_ << "COMPLIANCE RISK  " << risk << "\n";
        out_ << "\ntop savings\n";
        PrintReport(r, r.top_savings(), {"annual_minor", "what"});
        out_ << "\nupcoming cancellation deadlines\n";
        PrintReport(r, r.upcoming_deadlines(),
                    {"cancellation_deadline", "display_name", "missed", "next_term_cost_minor"});
      }
    } else {
      return Usage(absl::StrCat("unknown report '", what, "'"));
    }
    if (html_) out_ << html;
    return absl::OkStatus();
  }

  void Footer(const std::string& text) {
    if (printer_.format == Format::kTable) out_ << text << "\n";
  }

  absl::Status ProductRule() {
    BESTAND_ASSIGN_OR_RETURN(std::string noun, Arg(1, "'rule'"));
    BESTAND_ASSIGN_OR_RETURN(std::string verb, Arg(2, "rule verb: add, list, remove"));
    if (noun != "rule") return Usage("usage: bestand product rule add|list|remove");
    if (verb == "add") {
      BESTAND_ASSIGN_OR_RETURN(std::string pattern, Arg(3, "the package name pattern"));
      v1::CreateProductRuleRequest req;
      req.mutable_product_rule()->set_pattern(pattern);
      BESTAND_ASSIGN_OR_RETURN(*req.mutable_product_rule()->mutable_product(),
                               args_.Required("product"));
      v1::ProductRule out;
      BESTAND_RETURN_IF_ERROR(
          client_->CallByName("bestand.v1.ProductRuleService", "CreateProductRule", req, &out));
      printer_.One(out);
      return absl::OkStatus();
    }
    if (verb == "list") {
      v1::ListProductRulesRequest req;
      req.set_page_size(1000);
      v1::ListProductRulesResponse resp;
      BESTAND_RETURN_IF_ERROR(
          client_->CallByName("bestand.v1.ProductRuleService", "ListProductRules", req, &resp));
      std::vector<std::unique_ptr<Message>> items;
      for (const auto& r : resp.product_rules()) items.emplace_back(new v1::ProductRule(r));
      printer_.List(items, {"name", "pattern", "product"});
      return absl::OkStatus();
    }
    if (verb == "remove") {
      BESTAND_ASSIGN_OR_RETURN(std::string name, Arg(3, "the rule (productRules/N)"));
      v1::DeleteProductRuleRequest req;
      req.set_name(name);
      google::protobuf::Empty out;
      BESTAND_RETURN_IF_ERROR(
          client_->CallByName("bestand.v1.ProductRuleService", "DeleteProductRule", req, &out));
      Confirm({{"removed", name}}, absl::StrCat("removed ", name));
      return absl::OkStatus();
    }
    return Usage(absl::StrCat("unknown rule verb '", verb, "'"));
  }

  absl::Status Settings() {
    BESTAND_ASSIGN_OR_RETURN(std::string verb, Arg(1, "settings verb: show, set"));
    v1::Settings out;
    if (verb == "show") {
      BESTAND_RETURN_IF_ERROR(client_->CallByName("bestand.v1.SettingsService", "GetSettings",
                                                  v1::GetSettingsRequest(), &out));
    } else if (verb == "set") {
      v1::UpdateSettingsRequest req;
      BESTAND_ASSIGN_OR_RETURN(auto flags, CommandFlags());
      for (const auto& [flag, value] : flags) {
        const FieldDescriptor* f = v1::Settings::descriptor()->FindFieldByName(FlagToField(flag));
        BESTAND_RETURN_IF_ERROR(SetFieldFromText(req.mutable_settings(), f, value));
        req.mutable_update_mask()->add_paths(f->name());
      }
      if (flags.empty()) return Usage("settings set needs --holiday-region REGION");
      BESTAND_RETURN_IF_ERROR(
          client_->CallByName("bestand.v1.SettingsService", "UpdateSettings", req, &out));
    } else {
      return Usage(absl::StrCat("unknown settings verb '", verb, "'"));
    }
    if (out.holiday_region().empty() && printer_.format == Format::kTable) {
      out_ << "holiday_region  DE (nationwide holidays; the default)\n";
      return absl::OkStatus();
    }
    printer_.One(out);
    return absl::OkStatus();
  }

  absl::Status Software() {
    BESTAND_ASSIGN_OR_RETURN(std::string verb, Arg(1, "software verb: list"));
    if (verb != "list") return Usage(absl::StrCat("unknown software verb '", verb, "'"));
    BESTAND_ASSIGN_OR_RETURN(int64_t limit, Limit());
    v1::SearchSoftwareRequest req;
    req.set_name(args_.Get("name"));
    req.set_page_size(static_cast<int32_t>(limit ? std::min<int64_t>(limit, 1000) : 1000));
    v1::SearchSoftwareResponse resp;
    BESTAND_RETURN_IF_ERROR(Software("SearchSoftware", req, &resp));
    if (printer_.format == Format::kJson) {
      printer_.One(resp);
      return absl::OkStatus();
    }
    // One row per (package, version): how many devices have it, and which (the first few).
    std::vector<std::vector<std::string>> rows;
    for (const auto& u : resp.software()) {
      for (const auto& v : u.versions()) {
        std::vector<std::string> labels;
        for (const auto& d : v.devices()) {
          // A table stays readable with the first few; CSV is for machines and gets them all.
          if (printer_.format == Format::kTable && labels.size() == 5) {
            labels.push_back(absl::StrCat("+", v.devices_size() - 5, " more"));
            break;
          }
          labels.push_back(printer_.format == Format::kTable ? Label(d) : d);
        }
        rows.push_back({u.name(), v.version(), u.source(), absl::StrCat(v.devices_size()),
                        absl::StrJoin(labels, printer_.format == Format::kTable ? ", " : " ")});
      }
    }
    PrintRows(out_, printer_.format, {"name", "version", "source", "devices", "which"}, rows);
    if (resp.truncated()) err_ << "more packages match; narrow --name or raise --limit\n";
    return absl::OkStatus();
  }

  // A reference's natural key for tables, fetched once per reference.
  std::string Label(const std::string& ref) {
    if (auto it = labels_.find(ref); it != labels_.end()) return it->second;
    std::string label = ref;
    const ResourceSpec* spec = SpecByCollection(ref.substr(0, ref.find('/')));
    // The natural key people know it by; a device an agent found may only have a hostname, an
    // account is its username.
    std::vector<absl::string_view> keys;
    if (spec) keys = spec->alias_keys;
    if (spec && spec->kind == Kind::kDevice) keys.push_back("hostname");
    if (spec && spec->kind == Kind::kAccount) keys.push_back("username");
    if (spec && spec->kind == Kind::kAccessGrant) keys.push_back("role");
    if (spec && spec->kind == Kind::kLicenseAssignment) keys.push_back("license");
    if (!keys.empty() && client_) {
      const Noun& noun = NounForKind(spec->kind);
      auto req = NewRequest(noun, "Get");
      req->GetReflection()->SetString(req.get(), req->GetDescriptor()->FindFieldByName("name"),
                                      ref);
      auto resp = NewResponse(noun, "Get");
      if (Call(noun, "Get", *req, resp.get()).ok()) {
        for (absl::string_view key : keys) {
          std::string v = resp->GetReflection()->GetString(
              *resp, resp->GetDescriptor()->FindFieldByName(std::string(key)));
          if (v.empty()) continue;
          // A seat is known by its license: "Zoom Pro seat".
          label = spec->kind == Kind::kLicenseAssignment ? Label(v) + " seat" : v;
          break;
        }
      }
    }
    labels_[ref] = label;
    return label;
  }

  const Args& args_;
  std::ostream& out_;
  std::ostream& err_;
  Printer printer_;
  std::unique_ptr<BestandClient> client_;
  const CommandSpec* cmd_ = nullptr;  // the command being run
  std::map<std::string, std::string> labels_;
  bool usage_error_ = false;
  bool markdown_ = false;  // -o md (task export)
  bool html_ = false;      // -o html (reports)
};

// Flags for an inventory noun's fields that callers may set (add, update), with what each takes.
std::vector<FlagSpec> FieldFlagSpecs(const Noun& noun) {
  const ResourceSpec& spec = Spec(noun.kind);
  std::vector<FlagSpec> out;
  for (int i = 0; i < spec.descriptor->field_count(); ++i) {
    const FieldDescriptor* f = spec.descriptor->field(i);
    if (IsOutputOnly(spec, f->name())) continue;
    const std::string value = spec.FindReference(f->name())                      ? "NAME"
                              : f->enum_type()                                   ? "VALUE"
                              : IsDateField(f->name())                           ? "DATE"
                              : f->cpp_type() == FieldDescriptor::CPPTYPE_STRING ? "TEXT"
                                                                                 : "VALUE";
    out.push_back({FieldToFlag(f->name()), value, FieldKind(spec, f)});
  }
  return out;
}

// Flags for the filters of a noun's List request.
std::vector<FlagSpec> FilterFlagSpecs(const Noun& noun) {
  const Descriptor* d = Method(noun.service, absl::StrCat("List", noun.plural))->input_type();
  std::vector<FlagSpec> out;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->name() == "page_size" || f->name() == "page_token") continue;
    std::string takes = f->name() == "query" ? "text: part of the name or key, any case"
                        : f->enum_type()     ? FieldKind(Spec(noun.kind), f)
                                             : "only these (name or id)";
    out.push_back({FieldToFlag(f->name()), "VALUE", takes});
  }
  out.push_back({"limit", "N", "at most N rows (default: all)"});
  return out;
}

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec>* const commands = [] {
    auto* c = new std::vector<CommandSpec>;
    for (const Noun& n : Nouns()) {
      const std::string w(n.word);
      const std::string collection(Spec(n.kind).collection);
      std::vector<FlagSpec> update = FieldFlagSpecs(n);
      if (n.kind == Kind::kLicense) {
        update.push_back(
            {"force", "", "allow fewer seats than are assigned (a recorded compliance risk)"});
      }
      std::vector<FlagSpec> show;
      if (n.kind == Kind::kDevice) show.push_back({"software", "", "its hardware and software"});
      c->push_back({{w, "add"},
                    "--FIELD VALUE ...",
                    absl::StrCat("create a ", w),
                    FieldFlagSpecs(n),
                    &Cli::NounAdd,
                    &n});
      c->push_back({{w, "list"},
                    "",
                    absl::StrCat("list ", collection),
                    FilterFlagSpecs(n),
                    &Cli::NounList,
                    &n});
      c->push_back({{w, "show"},
                    "NAME",
                    n.kind == Kind::kTemplateItem
                        ? "a template's items (NAME: the template), or one item (templateItems/N)"
                        : "one " + w + " by id or natural key (email, asset tag, serial, name)",
                    show,
                    &Cli::NounShow,
                    &n});
      c->push_back({{w, "update"},
                    "NAME --FIELD VALUE ...",
                    "change the fields given",
                    update,
                    &Cli::NounUpdate,
                    &n});
      c->push_back({{w, "remove"},
                    "NAME",
                    n.kind == Kind::kPerson ? "refused: people are never removed (offboard them)"
                                            : "remove a " + w + " entered by mistake",
                    {},
                    &Cli::NounRemove,
                    &n});
      c->push_back({{w, "fields"},
                    "",
                    absl::StrCat("every field a ", w, " has, with what it takes"),
                    {},
                    &Cli::NounFields,
                    &n});
    }
    const std::vector<FlagSpec> holder = {{"person", "PERSON", "the person holding the seat"},
                                          {"device", "DEVICE", "or the device holding it"}};
    std::vector<FlagSpec> assign = holder;
    assign.push_back({"assign-date", "DATE", "date YYYY-MM-DD (default today)"});
    assign.push_back({"notes", "TEXT", "free text"});
    const std::vector<CommandSpec> others = {
        {{"license", "assign"},
         "LICENSE",
         "give a seat to a person or a device",
         assign,
         &Cli::LicenseVerb},
        {{"license", "unassign"}, "LICENSE", "free a seat", holder, &Cli::LicenseVerb},
        {{"license", "seats"}, "LICENSE", "who holds its seats", {}, &Cli::LicenseVerb},
        {{"device", "history"},
         "DEVICE",
         "installs, removals and upgrades",
         {{"limit", "N", "at most N changes (default 100)"}},
         &Cli::DeviceHistory},
        {{"device", "stale"},
         "",
         "enrolled devices not seen for N days",
         {{"days", "N", "days since the last report or heartbeat"}},
         &Cli::DeviceStale},
        {{"import"},
         "KIND FILE",
         "KIND: people, devices, apps, vendors, accounts, access, licenses, assignments, "
         "templates (CSV); m365-users, m365-activity, google-users (the admin consoles' exports); "
         "glpi FILE.json, fusion FILE.xml (one machine's inventory)",
         {{"dry-run", "", "check and count, change nothing"},
          {"mark-deleted", "", "user exports: mark accounts missing from the file deleted"}},
         &Cli::Import},
        {{"onboard"},
         "EMAIL",
         "create the person, reserve seats and a device, open a task per template item",
         {{"name", "NAME", "full name (required)"},
          {"template", "TEMPLATE", "role template (required)"},
          {"start", "DATE", "first working day (required)"},
          {"department", "DEPARTMENT", ""},
          {"manager", "PERSON", ""},
          {"title", "TITLE", "job title"},
          {"cost-center", "CODE", ""}},
         &Cli::Onboard},
        {{"offboard"},
         "PERSON",
         "a task per account, role, seat and device; running it twice changes nothing",
         {{"last-day", "DATE", "last working day (required)"}, {"reason", "TEXT", ""}},
         &Cli::Offboard},
        {{"case", "show"}, "CASE", "an onboarding or offboarding with its tasks", {}, &Cli::Case},
        {{"case", "list"},
         "",
         "cases",
         {{"person", "PERSON", ""}, {"status", "open|closed", ""}},
         &Cli::Case},
        {{"task", "list"},
         "",
         "tasks",
         {{"vendor", "VENDOR", "one provider's"},
          {"case", "CASE", "one case's"},
          {"person", "PERSON", "one person's"},
          {"status", "open|in_progress|done|accepted", ""},
          {"open", "", "not done yet"},
          {"overdue", "", "open and past their due date"}},
         &Cli::Task},
        {{"task", "export"},
         "",
         "what to send to a provider: its open tasks",
         {{"vendor", "VENDOR", "the provider (required)"}},
         &Cli::Task,
         nullptr,
         {"md"}},
        {{"task", "add"},
         "",
         "a department's request",
         {{"title", "TEXT", "what to do (required)"},
          {"app", "APPLICATION", ""},
          {"vendor", "VENDOR", "who does it (default: the coordinator)"},
          {"person", "PERSON", "whom it concerns"},
          {"priority", "low|normal|high", ""},
          {"due", "DATE", ""},
          {"acceptance", "TEXT", "what done must mean"},
          {"requested-by", "WHO", ""},
          {"case", "CASE", ""}},
         &Cli::Task},
        {{"task", "done"},
         "TASK",
         "done, applied to the inventory in the same transaction",
         {{"evidence", "TEXT", "what was done: ticket, date, who (required)"}},
         &Cli::Task},
        {{"task", "start"}, "TASK", "in progress", {}, &Cli::Task},
        {{"task", "accept"}, "TASK", "accept a done task (coordinator)", {}, &Cli::Task},
        {{"task", "reopen"},
         "TASK",
         "open again (the inventory is not changed back)",
         {},
         &Cli::Task},
        {{"report", "licenses"},
         "",
         "seats used, recent, idle, held by leavers; waste",
         {{"inactive-days", "N", "idle after N days without activity (default 90, 1..3650)"}},
         &Cli::Report,
         nullptr,
         {"html"}},
        {{"report", "overlaps"},
         "",
         "tools of one category, who uses several, the saving",
         {},
         &Cli::Report,
         nullptr,
         {"html"}},
        {{"report", "renewals"},
         "",
         "cancellation deadlines and next term's cost",
         {{"within", "N", "deadlines in the next N days (default 90, 1..3650; 90d works too)"}},
         &Cli::Report,
         nullptr,
         {"html"}},
        {{"report", "costs"},
         "",
         "monthly and annual costs per group",
         {{"by", "GROUP", "department|cost-center|vendor|application|person"}},
         &Cli::Report,
         nullptr,
         {"html"}},
        {{"report", "compliance"},
         "",
         "installs (agent data) against seats, per product",
         {},
         &Cli::Report,
         nullptr,
         {"html"}},
        {{"report", "summary"},
         "",
         "one page for management",
         {{"inactive-days", "N", "as for licenses"}, {"within", "N", "as for renewals"}},
         &Cli::Report,
         nullptr,
         {"html"}},
        {{"report", "access"},
         "",
         "access of leavers, orphaned accounts, admins without MFA, duplicate devices",
         {{"risky", "", "(required)"}},
         &Cli::Report},
        {{"product", "rule", "add"},
         "PATTERN",
         "map package names to a product",
         {{"product", "NAME", "the product, as licenses name it (required)"}},
         &Cli::ProductRule},
        {{"product", "rule", "list"}, "", "the rules", {}, &Cli::ProductRule},
        {{"product", "rule", "remove"}, "RULE", "productRules/N", {}, &Cli::ProductRule},
        {{"agent-token", "create"},
         "",
         "an enrollment token; the secret is shown once",
         {{"uses", "N", "enrollments allowed (default 1)"},
          {"expires", "DURATION", "30m, 24h, 7d (default 24h, at most 30d)"},
          {"name", "NAME", ""},
          {"device", "DEVICE", "the enrolling machine is this device (one use)"}},
         &Cli::AgentToken},
        {{"agent-token", "list"}, "", "enrollment tokens", {}, &Cli::AgentToken},
        {{"agent-token", "revoke"},
         "NAME",
         "refuse an enrollment token from now on",
         {},
         &Cli::AgentToken},
        {{"agent", "revoke"},
         "DEVICE",
         "refuse the device's agent certificate from now on",
         {},
         &Cli::Agent},
        {{"software", "list"},
         "",
         "which devices have which versions",
         {{"name", "PATTERN", "part of the package name"}, {"limit", "N", ""}},
         &Cli::Software},
        {{"login"},
         "",
         "check the server, token and CA, then save them to the config file",
         {},
         &Cli::Login},
        {{"whoami"}, "", "the token in use", {}, &Cli::WhoAmI},
        {{"token", "create"},
         "",
         "an API token; the secret is shown once",
         {{"role", "ROLE", "admin|coordinator|viewer|vendor (required)"},
          {"name", "NAME", "(required)"},
          {"vendor", "VENDOR", "the provider a vendor token acts for"}},
         &Cli::Token},
        {{"token", "list"}, "", "tokens, with fingerprints, never secrets", {}, &Cli::Token},
        {{"token", "revoke"}, "NAME", "refuse a token from now on", {}, &Cli::Token},
        {{"audit", "list"},
         "",
         "audit events, newest first",
         {{"resource", "NAME", "a resource, a natural key or a collection"},
          {"actor", "ACTOR", "e.g. token:it-partner"},
          {"limit", "N", "default 100"}},
         &Cli::Audit},
        {{"audit", "verify"},
         "",
         "recompute the hash chain and the seals, compare every record",
         {{"anchor", "SEQUENCE:HASH", "a head printed by an earlier verify (repeatable)"}},
         &Cli::Audit},
        {{"settings", "show"}, "", "the company's settings", {}, &Cli::Settings},
        {{"settings", "set"},
         "",
         "change a setting",
         {{"holiday-region", "REGION",
           "DE (nationwide holidays) or a state: DE-BW, DE-BY, DE-BE, ... (ISO 3166-2)"}},
         &Cli::Settings},
    };
    c->insert(c->end(), others.begin(), others.end());
    return c;
  }();
  return *commands;
}

// Every switch any command or the global options know: Args must tell them from valued options.
std::set<std::string> Switches() {
  std::set<std::string> out;
  for (const FlagSpec& f : GlobalFlags()) {
    if (f.value.empty()) out.insert(f.name);
  }
  for (const CommandSpec& c : Commands()) {
    for (const FlagSpec& f : c.flags) {
      if (f.value.empty()) out.insert(f.name);
    }
  }
  return out;
}

}  // namespace

int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  absl::StatusOr<Args> args = Args::Parse(argc, argv, Switches());
  if (!args.ok()) {
    err << "bestand: " << args.status().message() << " (see 'bestand help')\n";
    return 2;
  }
  if (args->positional().empty() && !args->Has("help")) {
    err << "bestand: a command is missing (see 'bestand help')\n";
    return 2;
  }
  Cli cli(*args, out, err);
  absl::Status s = cli.Run();
  if (s.ok()) return 0;
  err << "bestand: " << s.message() << "\n";
  if (cli.usage_error()) return 2;
  if (absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) return 3;
  if (absl::IsDataLoss(s)) return 4;  // audit verify found tampering
  return 1;
}

}  // namespace bestand
