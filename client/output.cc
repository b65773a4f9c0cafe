#include "client/output.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bestand/v1/report.pb.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/util/json_util.h"
#include "server/common/csv.h"
#include "server/common/money.h"
#include "server/common/proto_text.h"
#include "server/common/util.h"

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

void PrintRows(std::ostream& out, Format format, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows) {
  if (format == Format::kCsv) {
    auto line = [&out](const std::vector<std::string>& cells) {
      for (size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << CsvEscape(cells[i]);
      out << "\n";
    };
    line(header);
    for (const auto& row : rows) line(row);
    return;
  }
  if (rows.empty()) {
    out << "(none)\n";
    return;
  }
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = Utf8Length(header[i]);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], Utf8Length(row[i]));
    }
  }
  auto print = [&](const std::vector<std::string>& cells, bool upper) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      // Reported data must not move the cursor, recolour the screen or read differently.
      std::string c =
          ReplaceForbiddenCharacters(upper ? absl::AsciiStrToUpper(cells[i]) : cells[i]);
      line += c;
      if (i + 1 < cells.size()) line += std::string(widths[i] - Utf8Length(c) + 2, ' ');
    }
    out << line << "\n";
  };
  print(header, true);
  for (const auto& row : rows) print(row, false);
}

std::string Cell(const Message& msg, const FieldDescriptor* f, const Labeler& labeler) {
  if (f->is_repeated() && f->message_type() == v1::Money::descriptor()) {
    google::protobuf::RepeatedPtrField<v1::Money> money;
    for (const auto& m : msg.GetReflection()->GetRepeatedFieldRef<v1::Money>(msg, f)) {
      *money.Add() = m;
    }
    return FormatTotals(money);
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
        for (int i = 0; i < d->field_count(); ++i) row.push_back(FieldToText(*item, d->field(i)));
        rows.push_back(std::move(row));
      }
      PrintRows(*out, Format::kCsv, header, rows);
      return;
    }
    case Format::kTable: {
      const auto* d = items.empty() ? nullptr : items[0]->GetDescriptor();
      std::vector<std::string> header(columns.begin(), columns.end());
      std::vector<std::vector<std::string>> rows;
      for (const auto& item : items) {
        std::vector<std::string> row;
        for (absl::string_view c : columns) {
          row.push_back(Cell(*item, d->FindFieldByName(std::string(c)), labeler));
        }
        rows.push_back(std::move(row));
      }
      PrintRows(*out, Format::kTable, header, rows);
      return;
    }
  }
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
        if (f->is_repeated()) continue;
        std::string v = Cell(item, f, labeler);
        if (FieldToText(item, f).empty() ||
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
