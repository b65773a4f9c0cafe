// Context: what a command's handler works with — its arguments, the output streams and format,
// the client, and the helpers every handler shares (usage errors, confirmations, tables whose
// references are labelled in one batch).
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "client/command_spec.h"
#include "client/labels.h"
#include "client/output.h"
#include "common/args.h"
#include "common/i18n/catalog.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace bestand {

// Flags as given: name (without "--") and value ("" for a switch).
using Flags = std::vector<std::pair<std::string, std::string>>;

class Context {
 public:
  // `args`, `command`, the streams and `connect` must outlive the context.
  Context(const Args& args, const CommandSpec& command, std::ostream& out, std::ostream& err,
          const Connector& connect);
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const Args& args() const { return args_; }
  const CommandSpec& command() const { return command_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  // -o OUTPUT, checked against the command's formats by the caller: table, wide, json, csv, md
  // (task export) or html (reports).
  void SetOutput(const std::string& output);
  Format format() const { return printer_.format; }
  bool markdown() const { return markdown_; }
  bool html() const { return html_; }

  // Makes the client for `config` (the CLI does before every command but login, whose handler
  // does it itself with the configuration it saves).
  absl::Status Connect(const ClientConfig& config);
  // The client; only after Connect succeeded.
  Client& client() { return *client_; }

  // ---- Arguments ------------------------------------------------------------------------------
  // A usage error for this command (usage.h).
  absl::Status Usage(const std::string& message) const;
  // The positional argument at `i` (0 is the noun), or a usage error "missing `what`".
  absl::StatusOr<std::string> Arg(size_t i, absl::string_view what) const;
  // The command's own flags as given (the global ones left out); a usage error naming the valid
  // ones for a flag the command does not declare.
  absl::StatusOr<Flags> CommandFlags() const;
  // The value of --`flag`, or a usage error "--`flag` is required" when it is absent.
  absl::StatusOr<std::string> Required(const std::string& flag) const;
  // --limit N: 0 when absent; a usage error unless a positive number.
  absl::StatusOr<int64_t> Limit() const;
  // --expires: "30m", "24h" (absl durations) or "7d"; a usage error for anything else or for a
  // duration that is not positive.
  absl::StatusOr<absl::Duration> Expires() const;
  // --`flag` N or Nd, a number of days: 0 when absent; a usage error unless positive.
  absl::StatusOr<int> DaysFlag(const std::string& flag) const;

  // ---- Output ---------------------------------------------------------------------------------
  // A list in the output format; in a table the references of `columns` by their labels.
  void List(const std::vector<std::unique_ptr<google::protobuf::Message>>& items,
            const std::vector<absl::string_view>& columns);
  template <typename T>
  void List(const google::protobuf::RepeatedPtrField<T>& items,
            const std::vector<absl::string_view>& columns) {
    std::vector<std::unique_ptr<google::protobuf::Message>> copies;
    for (const T& item : items) copies.push_back(std::make_unique<T>(item));
    List(copies, columns);
  }
  // One message in the output format (a table: "field  value" lines, references labelled).
  void One(const google::protobuf::Message& item);
  // What a command did that returns nothing: a JSON object on stdout with -o json (`fields`,
  // values as strings), else `text` on stderr.
  void Confirm(const Flags& fields, const std::string& text);
  // `text` and a line break, in table format only (totals under a report).
  void Footer(const std::string& text);

  // Fetches the labels of `refs` not known yet, in one batch (labels.h).
  void ResolveLabels(const std::vector<std::string>& refs);
  // The label of `ref`, fetched now unless resolved before.
  std::string Label(const std::string& ref);
  const Printer& printer() const { return printer_; }

  // The language of people-facing text (task titles, task export, HTML reports): --lang, else
  // German when LANGUAGE, LC_ALL, LC_MESSAGES or LANG (the first set) says so, else English.
  // Machine formats (-o json, csv) never change with it.
  absl::Status SetLang(absl::string_view lang);
  // True when --lang asked for a language and the output is for people (not json or csv).
  bool localized() const { return localized_ && printer_.format == Format::kTable; }
  const Messages& messages();

 private:
  const Args& args_;
  const CommandSpec& command_;
  std::ostream& out_;
  std::ostream& err_;
  const Connector& connect_;
  std::unique_ptr<Client> client_;
  Labels labels_{nullptr};
  Printer printer_;
  bool markdown_ = false;
  bool html_ = false;
  bool localized_ = false;
  Lang lang_ = Lang::kEn;
  std::unique_ptr<Messages> messages_;
};

}  // namespace bestand
