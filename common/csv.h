// A strict RFC 4180 CSV reader: quoted fields may hold separators, quotes ("") and line breaks;
// CRLF and LF line ends; leading UTF-8 byte order marks are skipped; the separator is ',' or ';'
// (German Excel), chosen from the header line.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace bestand {

struct CsvRow {
  // 1-based line number where the row starts in the file.
  int line = 0;
  std::vector<std::string> fields;
};

struct CsvTable {
  CsvRow header;
  std::vector<CsvRow> rows;
  char separator = ',';
};

struct CsvLimits {
  size_t max_rows = 50000;
  size_t max_field_bytes = 64 * 1024;
};

// Parses `content`. Blank lines are skipped. A field that CsvEscape made inert ("'=1+2") is read
// back as it was ("=1+2"). INVALID_ARGUMENT names the line for: text that is not UTF-8, an
// unterminated quote, characters after a closing quote, a row whose field count differs from
// the header's, or a limit exceeded.
absl::StatusOr<CsvTable> ParseCsv(absl::string_view content, const CsvLimits& limits = {});

// `field` as a CSV cell that a spreadsheet shows as text and never runs as a formula (OWASP's
// advice against CSV injection): a field starting with '=', '+', '-', '@', a tab or a carriage
// return, unless it is a plain number such as "-5", gets a leading apostrophe (as does one that
// starts with an apostrophe before such a character, so that ParseCsv restores every field
// exactly); quoted when it holds a comma or semicolon, a quote, a line break or starts with a byte
// order mark.
std::string CsvEscape(absl::string_view field, char separator = ',');

}  // namespace bestand
