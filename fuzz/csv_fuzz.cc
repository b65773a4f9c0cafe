// Fuzzes ParseCsv (common/csv.h), the hand-written parser every import reads uploads with. Beyond
// not crashing: a table that parses is written back with CsvEscape (empty cells as "", so that a
// row of one empty cell is no blank line) and must parse to the same cells.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "common/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const bestand::CsvLimits limits{.max_rows = 1000, .max_field_bytes = 4096};
  absl::StatusOr<bestand::CsvTable> table = bestand::ParseCsv(text, limits);
  if (!table.ok()) return 0;
  std::string again;
  const char separator = table->separator;
  auto write_row = [&](const bestand::CsvRow& row) {
    for (size_t i = 0; i < row.fields.size(); ++i) {
      if (i > 0) again += separator;
      again += row.fields[i].empty() ? "\"\"" : bestand::CsvEscape(row.fields[i], separator);
    }
    again += '\n';
  };
  write_row(table->header);
  for (const bestand::CsvRow& row : table->rows) write_row(row);
  absl::StatusOr<bestand::CsvTable> back = bestand::ParseCsv(again, limits);
  if (!back.ok() || back->header.fields != table->header.fields ||
      back->rows.size() != table->rows.size()) {
    std::abort();
  }
  for (size_t i = 0; i < table->rows.size(); ++i) {
    if (back->rows[i].fields != table->rows[i].fields) std::abort();
  }
  return 0;
}
