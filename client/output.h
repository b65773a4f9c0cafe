// Printing messages as a table, JSON (protobuf JSON mapping, proto field names; a list is one
// JSON array) or CSV (proto field names as header: the same form `bestand import` reads).
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace bestand {

enum class Format { kTable, kJson, kCsv };
absl::StatusOr<Format> ParseFormat(absl::string_view text);

// Turns a reference ("people/3") into a readable label ("anna@firma.de") for tables.
using Labeler = std::function<std::string(const std::string& reference)>;

struct Printer {
  Format format = Format::kTable;
  std::ostream* out;
  Labeler labeler;  // may be empty

  // A list; `columns` chooses the table columns (JSON and CSV always print every field).
  void List(const std::vector<std::unique_ptr<google::protobuf::Message>>& items,
            const std::vector<absl::string_view>& columns) const;
  // One message; a table prints one "field  value" line per set field.
  void One(const google::protobuf::Message& item) const;
};

// Plain rows as a table (upper-case header) or CSV; JSON is not supported here.
void PrintRows(std::ostream& out, Format format, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows);

// A table cell for `field`: money fields ("..._minor") as "1.234,50 EUR"-style "1234.50 EUR",
// references through the labeler, the rest as FieldToText.
std::string Cell(const google::protobuf::Message& msg, const google::protobuf::FieldDescriptor* f,
                 const Labeler& labeler);

}  // namespace bestand
