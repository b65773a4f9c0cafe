#include "server/imports/resource_csv.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/csv.h"
#include "common/proto_text.h"
#include "common/status_macros.h"
#include "google/protobuf/field_mask.pb.h"

namespace bestand {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::FieldMask;
using google::protobuf::Message;

// A column of the file and the field it sets; nullptr for output-only columns ("name" among
// them), which set nothing.
struct Column {
  std::string header;
  const FieldDescriptor* field;
};

struct Columns {
  std::vector<Column> columns;
  int name_column = -1;
};

absl::StatusOr<const ResourceSpec*> CollectionSpec(absl::string_view collection) {
  if (const ResourceSpec* spec = SpecByCollection(collection)) return spec;
  std::vector<std::string> names;
  for (const ResourceSpec& s : AllSpecs()) names.emplace_back(s.collection);
  return FieldError(absl::StatusCode::kInvalidArgument, "collection",
                    absl::StrCat("'", collection, "' is not one of ", absl::StrJoin(names, ", ")));
}

const FieldDescriptor* FieldForHeader(const ResourceSpec& spec, absl::string_view header) {
  for (int i = 0; i < spec.descriptor->field_count(); ++i) {
    const FieldDescriptor* f = spec.descriptor->field(i);
    if (CompactName(f->name()) == CompactName(header)) return f;
  }
  return nullptr;
}

absl::Status UnknownColumn(const ResourceSpec& spec, const CsvRow& header_row,
                           absl::string_view header) {
  std::vector<std::string> known;
  for (int i = 0; i < spec.descriptor->field_count(); ++i) {
    const std::string& name = spec.descriptor->field(i)->name();
    if (!IsOutputOnly(spec, name)) known.push_back(name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("line ", header_row.line, ", column '", header, "': not a field of ", spec.noun,
                   "; known columns: name, ", absl::StrJoin(known, ", ")));
}

// The header row as fields: each must name one, at most once, and the required ones must be
// there unless rows name the resource they update.
absl::StatusOr<Columns> MapColumns(const ResourceSpec& spec, const CsvRow& header_row) {
  Columns out;
  std::set<std::string> seen;
  for (size_t c = 0; c < header_row.fields.size(); ++c) {
    const std::string& header = header_row.fields[c];
    const FieldDescriptor* f = FieldForHeader(spec, header);
    if (f == nullptr) return UnknownColumn(spec, header_row, header);
    if (!seen.insert(f->name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", header_row.line, ", column '", header, "': appears twice"));
    }
    if (f->name() == kNameField) out.name_column = static_cast<int>(c);
    out.columns.push_back({header, IsOutputOnly(spec, f->name()) ? nullptr : f});
  }
  for (absl::string_view req : spec.required) {
    if (!seen.count(std::string(req)) && out.name_column < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", header_row.line, ": the required column '", req, "' is missing"));
    }
  }
  return out;
}

// Imports the rows of one file in one write transaction.
class Import {
 public:
  Import(Inventory& inventory, WriteTx& tx, absl::string_view actor, const ResourceSpec& spec,
         Columns columns)
      : hook_(inventory.change_hook()),
        tx_(tx),
        actor_(actor),
        spec_(spec),
        columns_(std::move(columns)),
        msg_(NewResource(spec)),
        after_(NewResource(spec)) {}

  // Creates or updates the resource of `row`; errors name its line and column.
  absl::Status Row(const CsvRow& row, ImportResult* result) {
    absl::Status s = ImportRow(row, result);
    return s.ok() ? s : AtLine(row, s);
  }

 private:
  absl::Status ImportRow(const CsvRow& row, ImportResult* result) {
    msg_->Clear();
    mask_.Clear();
    for (size_t c = 0; c < columns_.columns.size(); ++c) {
      const FieldDescriptor* f = columns_.columns[c].field;
      if (f == nullptr) continue;
      BESTAND_RETURN_IF_ERROR(SetFieldFromText(msg_.get(), f, row.fields[c]));
      mask_.add_paths(f->name());
    }
    BESTAND_ASSIGN_OR_RETURN(std::optional<int64_t> existing, Existing(row));
    int64_t id = 0;
    if (existing) {
      id = *existing;
      BESTAND_ASSIGN_OR_RETURN(bool changed,
                               UpdateInTx(tx_, actor_, spec_, id, *msg_, mask_, after_.get()));
      ++(changed ? result->updated : result->unchanged);
      if (!changed) return absl::OkStatus();
    } else {
      BESTAND_ASSIGN_OR_RETURN(id, CreateInTx(tx_, actor_, spec_, msg_.get()));
      ++result->created;
    }
    return hook_ ? hook_(tx_, actor_, spec_.kind, id) : absl::OkStatus();
  }

  // Which stored resource the row is: the one its name column names, else the one sharing a
  // natural key with it.
  absl::StatusOr<std::optional<int64_t>> Existing(const CsvRow& row) {
    const int name = columns_.name_column;
    if (name < 0 || row.fields[name].empty()) return FindExistingInTx(tx_, spec_, *msg_);
    absl::StatusOr<int64_t> id = ResolveName(tx_, spec_.kind, row.fields[name]);
    if (!id.ok()) return FieldError(id.status().code(), "name", id.status().message());
    return *id;
  }

  // "line L, column 'C': ..." when the error names a column of this file, else "line L: ...".
  absl::Status AtLine(const CsvRow& row, const absl::Status& s) const {
    absl::string_view msg = s.message();
    for (const Column& col : columns_.columns) {
      if (col.field && absl::StartsWith(msg, absl::StrCat(col.field->name(), ": "))) {
        return absl::Status(s.code(),
                            absl::StrCat("line ", row.line, ", column '", col.header,
                                         "': ", msg.substr(col.field->name().size() + 2)));
      }
    }
    return absl::Status(s.code(), absl::StrCat("line ", row.line, ": ", msg));
  }

  const Inventory::ChangeHook& hook_;
  WriteTx& tx_;
  absl::string_view actor_;
  const ResourceSpec& spec_;
  const Columns columns_;
  std::unique_ptr<Message> msg_;
  std::unique_ptr<Message> after_;
  FieldMask mask_;
};

}  // namespace

absl::StatusOr<ImportResult> ImportResourceCsv(
    Inventory& inventory, absl::string_view actor, absl::string_view collection,
    absl::string_view content, bool dry_run, const std::function<void(int64_t, int64_t)>& progress,
    int progress_every, const std::function<bool()>& cancelled) {
  BESTAND_ASSIGN_OR_RETURN(const ResourceSpec* spec, CollectionSpec(collection));
  if (content.size() > kMaxImportBytes) {
    return FieldError(absl::StatusCode::kInvalidArgument, "content",
                      absl::StrCat("the file has ", content.size(), " bytes; at most ",
                                   kMaxImportBytes, " are allowed"));
  }
  BESTAND_ASSIGN_OR_RETURN(CsvTable table,
                           ParseCsv(content, CsvLimits{.max_rows = kMaxImportRows}));
  BESTAND_ASSIGN_OR_RETURN(Columns columns, MapColumns(*spec, table.header));

  ImportResult result;
  result.rows = static_cast<int64_t>(table.rows.size());
  BESTAND_ASSIGN_OR_RETURN(auto tx, inventory.store()->BeginWrite());
  Import import(inventory, *tx, actor, *spec, std::move(columns));
  for (size_t i = 0; i < table.rows.size(); ++i) {
    BESTAND_RETURN_IF_ERROR(import.Row(table.rows[i], &result));
    if (progress_every > 0 && (i + 1) % static_cast<size_t>(progress_every) == 0) {
      if (cancelled && cancelled()) break;
      if (progress) progress(static_cast<int64_t>(i + 1), result.rows);
    }
  }
  if (cancelled && cancelled()) {
    return absl::CancelledError("the import was cancelled; nothing was imported");
  }
  if (!dry_run) BESTAND_RETURN_IF_ERROR(tx->Commit());
  return result;
}

}  // namespace bestand
