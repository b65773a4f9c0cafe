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

// Tables fit this many columns unless wide: the widest cells are cut short ("…").
inline constexpr size_t kTableWidth = 120;

struct Printer {
  Format format = Format::kTable;
  // Tables: every field, nothing cut short (-o wide).
  bool wide = false;
  std::ostream* out;
  Labeler labeler;  // may be empty

  // A list; `columns` chooses the table columns (JSON, CSV and wide tables print every field).
  void List(const std::vector<std::unique_ptr<google::protobuf::Message>>& items,
            const std::vector<absl::string_view>& columns) const;
  // One message; a table prints one "field  value" line per set field.
  void One(const google::protobuf::Message& item) const;

  // The references List (with the same `columns`) or One would show through the labeler, so
  // that they can be resolved in one batch first; none for JSON and CSV, which show references
  // as they are.
  std::vector<std::string> References(
      const std::vector<std::unique_ptr<google::protobuf::Message>>& items,
      const std::vector<absl::string_view>& columns) const;
  std::vector<std::string> References(const google::protobuf::Message& item) const;
};

// Plain rows as a table (header in capitals, cut to kTableWidth unless `wide`), CSV, or JSON
// (an array of objects keyed by the header).
void PrintRows(std::ostream& out, Format format, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows, bool wide = false);

// A table cell for `field`: money fields ("..._minor") as "1234.50 EUR", lists of money as
// "486.00 EUR + 749.50 USD", other lists by their names, a site license's seats as
// "unlimited", references through the labeler, the rest as FieldToText.
std::string Cell(const google::protobuf::Message& msg, const google::protobuf::FieldDescriptor* f,
                 const Labeler& labeler);

// A table header for a field: "annual_cost_minor" -> "ANNUAL COST".
std::string ColumnTitle(absl::string_view field);

}  // namespace bestand
