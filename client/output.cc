#include "client/output.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "bestand/v1/report.pb.h"
#include "common/csv.h"
#include "common/money.h"
#include "common/proto_text.h"
#include "common/text.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/util/json_util.h"

namespace bestand {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string Json(const Message& m) {
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  o.add_whitespace = true;
  std::string s;
  (void)google::protobuf::util::MessageToJsonString(m, &s, o);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

bool LooksLikeReference(const std::string& v) {
  size_t slash = v.find('/');
  return slash != std::string::npos && slash > 0 && slash + 1 < v.size() &&
         std::all_of(v.begin() + slash + 1, v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

absl::StatusOr<Format> ParseFormat(absl::string_view text) {
  if (text == "table") return Format::kTable;
  if (text == "json") return Format::kJson;
  if (text == "csv") return Format::kCsv;
  return absl::InvalidArgumentError(
      absl::StrCat("-o: '", text, "' is not one of table, json, csv"));
}

std::string ColumnTitle(absl::string_view field) {
  absl::ConsumeSuffix(&field, "_minor");
  return absl::AsciiStrToUpper(absl::StrReplaceAll(field, {{"_", " "}}));
}

namespace {

// The first `width` code points of `s`, the last one "…" when something was cut.
std::string Fit(const std::string& s, size_t width) {
  if (Utf8Length(s) <= width) return s;
  size_t chars = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars++ == width - 1) break;
  }
  return s.substr(0, i) + "\u2026";
}

// A JSON string literal.
std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

void PrintRows(std::ostream& out, Format format, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows, bool wide) {
  if (format == Format::kCsv) {
    auto line = [&out](const std::vector<std::string>& cells) {
      for (size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << CsvEscape(cells[i]);
      out << "\n";
    };
    line(header);
    for (const auto& row : rows) line(row);
    return;
  }
  if (format == Format::kJson) {
    out << "[";
    for (size_t r = 0; r < rows.size(); ++r) {
      out << (r ? ",\n" : "\n") << "{";
      for (size_t i = 0; i < header.size() && i < rows[r].size(); ++i) {
        out << (i ? ", " : "") << JsonString(absl::StrReplaceAll(header[i], {{" ", "_"}})) << ": "
            << JsonString(rows[r][i]);
      }
      out << "}";
    }
    out << (rows.empty() ? "]\n" : "\n]\n");
    return;
  }
  if (rows.empty()) {
    out << "(none)\n";
    return;
  }
  // Reported data must not move the cursor, recolour the screen or read differently.
  std::vector<std::vector<std::string>> cells;
  cells.push_back({});
  for (const std::string& h : header) cells.back().push_back(absl::AsciiStrToUpper(h));
  for (const auto& row : rows) {
    cells.push_back({});
    for (const std::string& c : row) cells.back().push_back(ReplaceForbiddenCharacters(c));
  }
  std::vector<size_t> widths(header.size());
  for (const auto& row : cells) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], Utf8Length(row[i]));
    }
  }
  if (!wide) {
    // Narrow the widest columns, one character at a time, until the table fits.
    size_t total = 2 * (widths.size() - 1);
    for (size_t w : widths) total += w;
    while (total > kTableWidth) {
      size_t widest = std::max_element(widths.begin(), widths.end()) - widths.begin();
      if (widths[widest] <= 8) break;  // too many columns to fit at all
      --widths[widest];
      --total;
    }
  }
  for (const auto& row : cells) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string c = wide ? row[i] : Fit(row[i], widths[i]);
      line += c;
      if (i + 1 < row.size()) line += std::string(widths[i] - Utf8Length(c) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

namespace {

// Adds the references Cell(msg, f, labeler) passes to the labeler to `out`.
void AddReferences(const Message& msg, const FieldDescriptor* f, std::vector<std::string>* out) {
  const auto* r = msg.GetReflection();
  if (f->is_repeated()) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) return;
    for (int i = 0; i < r->FieldSize(msg, f); ++i) {
      std::string v = r->GetRepeatedString(msg, f, i);
      if (LooksLikeReference(v)) out->push_back(std::move(v));
    }
    return;
  }
  if (f->name() == "name" || absl::EndsWith(f->name(), "_minor")) return;
  std::string v = FieldToText(msg, f);
  if (LooksLikeReference(v)) out->push_back(std::move(v));
}

// The fields a table of messages of type `d` shows: `columns`, or every field when wide or none
// are given.
std::vector<const FieldDescriptor*> TableFields(const google::protobuf::Descriptor* d,
                                                const std::vector<absl::string_view>& columns,
                                                bool wide) {
  std::vector<const FieldDescriptor*> fields;
  if (wide || columns.empty()) {
    for (int i = 0; i < d->field_count(); ++i) fields.push_back(d->field(i));
  } else {
    for (absl::string_view c : columns) fields.push_back(d->FindFieldByName(std::string(c)));
  }
  return fields;
}

}  // namespace

std::string Cell(const Message& msg, const FieldDescriptor* f, const Labeler& labeler) {
  const auto* r = msg.GetReflection();
  if (f->is_repeated() && f->message_type() == v1::Money::descriptor()) {
    google::protobuf::RepeatedPtrField<v1::Money> money;
    for (const auto& m : r->GetRepeatedFieldRef<v1::Money>(msg, f)) *money.Add() = m;
    return FormatTotals(money);
  }
  if (f->is_repeated()) {  // a list: its items by name
    std::vector<std::string> items;
    for (int i = 0; i < r->FieldSize(msg, f); ++i) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        std::string v = r->GetRepeatedString(msg, f, i);
        items.push_back(labeler && LooksLikeReference(v) ? labeler(v) : v);
      } else if (f->message_type()) {
        const Message& item = r->GetRepeatedMessage(msg, f, i);
        const FieldDescriptor* name = item.GetDescriptor()->FindFieldByName("display_name");
        if (name == nullptr) name = item.GetDescriptor()->FindFieldByName("name");
        if (name != nullptr && name->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          items.push_back(item.GetReflection()->GetString(item, name));
        }
      }
    }
    return absl::StrJoin(items, ", ");
  }
  if (f->name() == "seats") {  // a site license has no seat count
    for (const char* flag : {"unlimited_seats", "unlimited"}) {
      const FieldDescriptor* u = msg.GetDescriptor()->FindFieldByName(flag);
      if (u != nullptr && r->GetBool(msg, u)) return "unlimited";
    }
  }
  std::string v = FieldToText(msg, f);
  if (absl::EndsWith(f->name(), "_minor")) {
    const FieldDescriptor* cur = msg.GetDescriptor()->FindFieldByName("currency");
    return FormatMoney(msg.GetReflection()->GetInt64(msg, f),
                       cur ? msg.GetReflection()->GetString(msg, cur) : "");
  }
  if (f->name() != "name" && labeler && LooksLikeReference(v)) return labeler(v);
  return v;
}

void Printer::List(const std::vector<std::unique_ptr<Message>>& items,
                   const std::vector<absl::string_view>& columns) const {
  switch (format) {
    case Format::kJson: {
      *out << "[";
      for (size_t i = 0; i < items.size(); ++i) {
        *out << (i ? ",\n" : "\n") << Json(*items[i]);
      }
      *out << (items.empty() ? "]\n" : "\n]\n");
      return;
    }
    case Format::kCsv: {
      if (items.empty()) return;
      const auto* d = items[0]->GetDescriptor();
      std::vector<std::string> header;
      for (int i = 0; i < d->field_count(); ++i) header.push_back(d->field(i)->name());
      std::vector<std::vector<std::string>> rows;
      for (const auto& item : items) {
        std::vector<std::string> row;
        for (int i = 0; i < d->field_count(); ++i) {
          const FieldDescriptor* f = d->field(i);
          // Lists (report rows) by their items' names; everything else as import reads it.
          row.push_back(f->is_repeated() ? Cell(*item, f, nullptr) : FieldToText(*item, f));
        }
        rows.push_back(std::move(row));
      }
      PrintRows(*out, Format::kCsv, header, rows);
      return;
    }
    case Format::kTable: {
      if (items.empty()) {
        PrintRows(*out, Format::kTable, {}, {}, wide);  // "(none)"
        return;
      }
      const auto fields = TableFields(items[0]->GetDescriptor(), columns, wide);
      std::vector<std::string> header;
      for (const FieldDescriptor* f : fields) header.push_back(ColumnTitle(f->name()));
      std::vector<std::vector<std::string>> rows;
      for (const auto& item : items) {
        std::vector<std::string> row;
        for (const FieldDescriptor* f : fields) row.push_back(Cell(*item, f, labeler));
        rows.push_back(std::move(row));
      }
      PrintRows(*out, Format::kTable, header, rows, wide);
      return;
    }
  }
}

std::vector<std::string> Printer::References(const std::vector<std::unique_ptr<Message>>& items,
                                             const std::vector<absl::string_view>& columns) const {
  std::vector<std::string> refs;
  if (format != Format::kTable || items.empty()) return refs;
  for (const FieldDescriptor* f : TableFields(items[0]->GetDescriptor(), columns, wide)) {
    for (const auto& item : items) AddReferences(*item, f, &refs);
  }
  return refs;
}

std::vector<std::string> Printer::References(const Message& item) const {
  std::vector<std::string> refs;
  if (format != Format::kTable) return refs;
  for (const FieldDescriptor* f : TableFields(item.GetDescriptor(), {}, true)) {
    AddReferences(item, f, &refs);
  }
  return refs;
}

void Printer::One(const Message& item) const {
  switch (format) {
    case Format::kJson:
      *out << Json(item) << "\n";
      return;
    case Format::kCsv: {
      std::vector<std::unique_ptr<Message>> one;
      one.emplace_back(item.New());
      one.back()->CopyFrom(item);
      List(one, {});
      return;
    }
    case Format::kTable: {
      const auto* d = item.GetDescriptor();
      size_t width = 0;
      for (int i = 0; i < d->field_count(); ++i)
        width = std::max(width, d->field(i)->name().size());
      for (int i = 0; i < d->field_count(); ++i) {
        const FieldDescriptor* f = d->field(i);
        std::string v = Cell(item, f, labeler);
        if (f->is_repeated()
                ? v.empty()
                : FieldToText(item, f).empty() ||
                      (f->cpp_type() == FieldDescriptor::CPPTYPE_BOOL && v == "false")) {
          continue;
        }
        v = ReplaceForbiddenCharacters(v, /*line_breaks=*/true);
        *out << f->name() << std::string(width - f->name().size() + 2, ' ') << v << "\n";
      }
      return;
    }
  }
}

}  // namespace bestand
