// How resource messages map onto tables, derived from their descriptors once: a column per
// field (references as <field>_id, timestamps as microseconds, computed fields as
// subqueries), and the statements that read, insert and update a row.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/resources.h"
#include "google/protobuf/message.h"
#include "server/storage/sqlite/connection.h"
#include "server/storage/store.h"

namespace bestand::sqlite {

enum class ColType { kName, kText, kInt, kTimestamp, kRef };

struct Column {
  const google::protobuf::FieldDescriptor* field;
  ColType type;
  // Expression in SELECT and WHERE, qualified with the table alias "t".
  std::string expr;
  // Stored column; empty for computed fields.
  std::string column;
  absl::string_view ref_collection;
};

struct Mapping {
  const ResourceSpec* spec;
  std::string table;
  std::vector<Column> columns;
  std::string select;  // "SELECT t.id, <exprs> FROM <table> t"
  std::string insert;
  std::string update;

  const Column* Find(absl::string_view field) const {
    for (const Column& c : columns) {
      if (c.field->name() == field) return &c;
    }
    return nullptr;
  }
};

// The mappings of all kinds, in Kind order.
const std::vector<Mapping>& Mappings();
const Mapping& MappingFor(Kind kind);

// The id of resource `name` of `collection` ("devices/7" -> 7); INVALID_ARGUMENT otherwise.
absl::StatusOr<int64_t> RefId(absl::string_view name, absl::string_view collection);
// Fills `out` from the current row of `st`, selected with `m.select`.
void ReadRow(const Mapping& m, Stmt& st, google::protobuf::Message* out);
// Binds the stored columns of `msg` to parameters 1..n in mapping order; returns n.
absl::StatusOr<int> BindRow(const Mapping& m, const google::protobuf::Message& msg, Stmt& st);
// Appends " AND <field> <op> ?" for each entry; a reference compared "=" to 0 means unset.
absl::Status AppendCompare(const Mapping& m, const std::vector<FieldEquals>& fields,
                           absl::string_view op, std::string* sql, std::vector<FieldValue>* params);
absl::Status AppendEquals(const Mapping& m, const std::vector<FieldEquals>& equals,
                          std::string* sql, std::vector<FieldValue>* params);
// "%s%" with LIKE's wildcards in `s` escaped by a backslash (ESCAPE '\\').
std::string LikePattern(absl::string_view s);

}  // namespace bestand::sqlite
