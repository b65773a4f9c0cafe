#include "client/context.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/commands.h"
#include "client/usage.h"
#include "common/status_macros.h"

namespace bestand {

using google::protobuf::Message;

Context::Context(const Args& args, const CommandSpec& command, std::ostream& out, std::ostream& err,
                 const Connector& connect)
    : args_(args), command_(command), out_(out), err_(err), connect_(connect) {
  printer_.out = &out_;
  // Labels are fetched before a table is printed (List, One); printing only looks them up.
  printer_.labeler = [this](const std::string& ref) { return labels_.Find(ref); };
}

void Context::SetOutput(const std::string& output) {
  markdown_ = output == "md";
  html_ = output == "html";
  printer_.format = output == "json"  ? Format::kJson
                    : output == "csv" ? Format::kCsv
                                      : Format::kTable;
  printer_.wide = output == "wide";
}

absl::Status Context::SetLang(absl::string_view lang) {
  if (!lang.empty()) {
    if (!ParseLang(lang, &lang_)) {
      return Usage(absl::StrCat("--lang: '", lang, "' is not one of de, en"));
    }
    localized_ = true;
    return absl::OkStatus();
  }
  // The usual locale variables, the first one set deciding (LANGUAGE may list several); English
  // under C/POSIX and for languages the catalog lacks. English from there says what the server
  // stored, which is English already.
  for (const char* name : {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    const absl::string_view first =
        absl::string_view(value).substr(0, absl::string_view(value).find(':'));
    Lang from_env;
    if (ParseLang(first, &from_env) && from_env == Lang::kDe) {
      lang_ = from_env;
      localized_ = true;
    }
    break;
  }
  return absl::OkStatus();
}

const Messages& Context::messages() {
  if (!messages_) messages_ = std::make_unique<Messages>(lang_);
  return *messages_;
}

absl::Status Context::Connect(const ClientConfig& config) {
  BESTAND_ASSIGN_OR_RETURN(client_, connect_(config));
  labels_ = Labels(client_.get());
  return absl::OkStatus();
}

absl::Status Context::Usage(const std::string& message) const {
  return UsageError(message, &command_);
}

absl::StatusOr<std::string> Context::Arg(size_t i, absl::string_view what) const {
  if (args_.positional().size() <= i) return Usage(absl::StrCat("missing ", what));
  return args_.positional()[i];
}

absl::StatusOr<Flags> Context::CommandFlags() const {
  Flags out;
  for (const auto& [name, value] : args_.flags()) {
    auto named = [&name = name](const FlagSpec& f) { return f.name == name; };
    if (std::any_of(GlobalFlags().begin(), GlobalFlags().end(), named)) continue;
    if (std::none_of(command_.flags.begin(), command_.flags.end(), named)) {
      std::vector<std::string> valid;
      for (const FlagSpec& f : command_.flags) valid.push_back("--" + f.name);
      return Usage(absl::StrCat(
          "unknown option --", name, " for 'bestand ", absl::StrJoin(command_.path, " "), "'",
          valid.empty() ? "; it takes none" : "; valid: " + absl::StrJoin(valid, ", ")));
    }
    out.emplace_back(name, value);
  }
  return out;
}

absl::StatusOr<std::string> Context::Required(const std::string& flag) const {
  if (!args_.Has(flag)) return Usage(absl::StrCat("--", flag, " is required"));
  return args_.Get(flag);
}

absl::StatusOr<absl::Duration> Context::Expires() const {
  // absl durations know h, m and s; days are what people give for a rollout.
  const std::string text = args().Get("expires");
  absl::Duration d;
  int64_t days = 0;
  if (absl::EndsWith(text, "d") && absl::SimpleAtoi(text.substr(0, text.size() - 1), &days) &&
      days <= 36500) {
    d = absl::Hours(24 * days);
  } else if (!absl::ParseDuration(text, &d)) {
    return Usage("--expires: expected a duration such as 30m, 24h or 7d");
  }
  if (d <= absl::ZeroDuration()) return Usage("--expires: must be in the future");
  return d;
}

absl::StatusOr<int64_t> Context::Limit() const {
  int64_t limit = 0;
  if (args_.Has("limit") && (!absl::SimpleAtoi(args_.Get("limit"), &limit) || limit <= 0)) {
    return Usage("--limit: expected a positive number");
  }
  return limit;
}

absl::StatusOr<int> Context::DaysFlag(const std::string& flag) const {
  std::string v = args_.Get(flag);
  if (v.empty()) return 0;
  absl::string_view digits = absl::StripSuffix(v, "d");
  int days = 0;
  if (!absl::SimpleAtoi(digits, &days) || days < 1) {
    return Usage(absl::StrCat("--", flag, " takes a number of days, 1..3650, e.g. 90 or 90d"));
  }
  return days;
}

void Context::List(const std::vector<std::unique_ptr<Message>>& items,
                   const std::vector<absl::string_view>& columns) {
  ResolveLabels(printer_.References(items, columns));
  printer_.List(items, columns);
}

void Context::One(const Message& item) {
  ResolveLabels(printer_.References(item));
  printer_.One(item);
}

void Context::Confirm(const Flags& fields, const std::string& text) {
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

void Context::Footer(const std::string& text) {
  if (printer_.format == Format::kTable) out_ << text << "\n";
}

void Context::ResolveLabels(const std::vector<std::string>& refs) { labels_.Resolve(refs); }

std::string Context::Label(const std::string& ref) {
  labels_.Resolve({ref});
  return labels_.Find(ref);
}

}  // namespace bestand
