#include "client/output.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "server/common/csv.h"
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

void PrintRow(std::ostream& out, const std::vector<std::string>& cells,
              const std::vector<size_t>& widths) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size()) line += std::string(widths[i] - Utf8Length(cells[i]) + 2, ' ');
  }
  out << line << "\n";
}

}  // namespace

absl::StatusOr<Format> ParseFormat(absl::string_view text) {
  if (text == "table") return Format::kTable;
  if (text == "json") return Format::kJson;
  if (text == "csv") return Format::kCsv;
  return absl::InvalidArgumentError(
      absl::StrCat("-o: '", text, "' is not one of table, json, csv"));
}

std::string Cell(const Message& msg, const FieldDescriptor* f, const Labeler& labeler) {
  std::string v = FieldToText(msg, f);
  if (absl::EndsWith(f->name(), "_minor")) {
    const FieldDescriptor* cur = msg.GetDescriptor()->FindFieldByName("currency");
    int64_t minor = msg.GetReflection()->GetInt64(msg, f);
    return absl::StrFormat("%d.%02d %s", minor / 100, minor % 100,
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
      for (size_t i = 0; i < header.size(); ++i) *out << (i ? "," : "") << header[i];
      *out << "\n";
      for (const auto& item : items) {
        for (int i = 0; i < d->field_count(); ++i) {
          *out << (i ? "," : "") << CsvEscape(FieldToText(*item, d->field(i)));
        }
        *out << "\n";
      }
      return;
    }
    case Format::kTable: {
      if (items.empty()) {
        *out << "(none)\n";
        return;
      }
      const auto* d = items[0]->GetDescriptor();
      std::vector<const FieldDescriptor*> fields;
      for (absl::string_view c : columns) fields.push_back(d->FindFieldByName(std::string(c)));
      std::vector<std::vector<std::string>> rows;
      std::vector<size_t> widths;
      std::vector<std::string> header;
      for (const auto* f : fields) {
        header.push_back(absl::AsciiStrToUpper(f->name()));
        widths.push_back(header.back().size());
      }
      for (const auto& item : items) {
        std::vector<std::string> row;
        for (size_t i = 0; i < fields.size(); ++i) {
          std::string c = Cell(*item, fields[i], labeler);
          for (char& ch : c) {
            if (ch == '\n' || ch == '\t') ch = ' ';
          }
          widths[i] = std::max(widths[i], Utf8Length(c));
          row.push_back(std::move(c));
        }
        rows.push_back(std::move(row));
      }
      PrintRow(*out, header, widths);
      for (const auto& row : rows) PrintRow(*out, row, widths);
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
        *out << f->name() << std::string(width - f->name().size() + 2, ' ') << v << "\n";
      }
      return;
    }
  }
}

}  // namespace bestand
