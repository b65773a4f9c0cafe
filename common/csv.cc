#include "common/csv.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/text.h"

namespace bestand {
namespace {

constexpr absl::string_view kByteOrderMark = "\xEF\xBB\xBF";

absl::Status LineError(int line, absl::string_view msg) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", msg));
}

// The separator is whichever of ',' and ';' occurs more often outside quotes in the first line.
// The separator the header line uses: the first line that is not blank (a blank line, empty or
// one empty quoted field, is skipped like everywhere else).
char DetectSeparator(absl::string_view text) {
  while (true) {
    if (absl::ConsumePrefix(&text, "\n") || absl::ConsumePrefix(&text, "\r")) continue;
    absl::string_view rest = text;
    if (absl::ConsumePrefix(&rest, "\"\"") &&
        (rest.empty() || rest[0] == '\n' || rest[0] == '\r')) {
      text = rest;
      continue;
    }
    break;
  }
  int commas = 0, semicolons = 0;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n' || c == '\r') break;  // a line ends at either, as in the parser
    commas += c == ',';
    semicolons += c == ';';
  }
  return semicolons > commas ? ';' : ',';
}

// Characters that make a spreadsheet read a cell as a formula.
bool StartsFormula(absl::string_view s) {
  return !s.empty() &&
         (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r');
}

// "-5", "+12.50": numbers are shown as numbers, never run.
bool IsPlainNumber(absl::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty()) return false;
  bool digits = false, point = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      return false;
    }
  }
  return digits;
}

bool NeedsApostrophe(absl::string_view field) {
  if (StartsFormula(field)) return !IsPlainNumber(field);
  return field.size() > 1 && field[0] == '\'' &&
         (StartsFormula(field.substr(1)) || field[1] == '\'');
}

// The field as it was before CsvEscape: one apostrophe less where it added one.
void RestoreEscaped(std::string* field) {
  if (field->size() > 1 && (*field)[0] == '\'' &&
      (StartsFormula(absl::string_view(*field).substr(1)) || (*field)[1] == '\'')) {
    field->erase(0, 1);
  }
}

}  // namespace

absl::StatusOr<CsvTable> ParseCsv(absl::string_view text, const CsvLimits& limits) {
  // Every leading byte order mark: a file saved twice by tools that each add one has two.
  while (absl::StartsWith(text, kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
  if (!IsValidUtf8(text)) {
    // Name the first bad line so the user can find it (often a Latin-1 export).
    int line = 1;
    for (size_t i = 0; i < text.size(); ++i) {
      size_t end = text.find('\n', i);
      if (end == absl::string_view::npos) end = text.size();
      if (!IsValidUtf8(text.substr(i, end - i))) break;
      ++line;
      i = end;
    }
    return LineError(line, "the file is not UTF-8 (save it as \"CSV UTF-8\")");
  }
  CsvTable table;
  table.separator = DetectSeparator(text);
  const char sep = table.separator;

  int line = 1;
  size_t i = 0;
  bool have_header = false;
  while (i < text.size()) {
    CsvRow row;
    row.line = line;
    std::string field;
    bool row_done = false;
    while (!row_done) {
      field.clear();
      if (i < text.size() && text[i] == '"') {
        const int quote_line = line;
        ++i;
        while (true) {
          if (i >= text.size()) return LineError(quote_line, "a quoted field is not closed");
          char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field += '"';
              ++i;
            } else {
              break;
            }
          } else {
            if (c == '\n') ++line;
            field += c;
          }
          if (field.size() > limits.max_field_bytes) {
            return LineError(quote_line, absl::StrCat("a field is longer than ",
                                                      limits.max_field_bytes, " bytes"));
          }
        }
        if (i < text.size() && text[i] != sep && text[i] != '\n' && text[i] != '\r') {
          return LineError(line, "unexpected text after a closing quote");
        }
      } else {
        while (i < text.size() && text[i] != sep && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') return LineError(line, "a quote inside an unquoted field");
          field += text[i++];
        }
        if (field.size() > limits.max_field_bytes) {
          return LineError(
              line, absl::StrCat("a field is longer than ", limits.max_field_bytes, " bytes"));
        }
      }
      RestoreEscaped(&field);
      row.fields.push_back(field);
      if (i >= text.size()) {
        row_done = true;
      } else if (text[i] == sep) {
        ++i;
      } else {
        if (text[i] == '\r') ++i;
        if (i < text.size() && text[i] == '\n') ++i;
        ++line;
        row_done = true;
      }
    }
    bool blank = row.fields.size() == 1 && row.fields[0].empty();
    if (blank) continue;
    if (!have_header) {
      table.header = std::move(row);
      have_header = true;
      continue;
    }
    if (row.fields.size() != table.header.fields.size()) {
      return LineError(row.line, absl::StrCat("has ", Counted(row.fields.size(), "field"),
                                              " but the header has ", table.header.fields.size()));
    }
    if (table.rows.size() >= limits.max_rows) {
      return LineError(row.line,
                       absl::StrCat("more than ", limits.max_rows, " rows; split the file"));
    }
    table.rows.push_back(std::move(row));
  }
  if (!have_header) return absl::InvalidArgumentError("line 1: the file is empty (no header)");
  return table;
}

std::string CsvEscape(absl::string_view field, char separator) {
  std::string cell;
  if (NeedsApostrophe(field)) cell = "'";
  cell.append(field.data(), field.size());
  // A cell that starts with a byte order mark is quoted, or a reader would skip the mark as the
  // file's own when the cell opens the file.
  // Both separators are quoted, whichever this file uses, so that a reader detects the same one.
  if (cell.find_first_of(std::string{separator, ',', ';', '"', '\n', '\r'}) == std::string::npos &&
      !absl::StartsWith(cell, kByteOrderMark)) {
    return cell;
  }
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace bestand
