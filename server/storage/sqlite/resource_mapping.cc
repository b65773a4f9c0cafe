#include "server/storage/sqlite/resource_mapping.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/storage/sqlite/computed_fields.h"

namespace bestand::sqlite {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string SnakeCase(absl::string_view camel) {
  std::string out;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

Mapping BuildMapping(const ResourceSpec& spec) {
  Mapping m;
  m.spec = &spec;
  m.table = SnakeCase(spec.collection);
  std::vector<std::string> exprs, stored;
  for (int i = 0; i < spec.descriptor->field_count(); ++i) {
    const FieldDescriptor* f = spec.descriptor->field(i);
    Column c{f, ColType::kText, "", "", ""};
    if (f->name() == kNameField) {
      c.type = ColType::kName;
      c.expr = "t.id";
    } else if (const Reference* ref = spec.FindReference(f->name())) {
      c.type = ColType::kRef;
      c.ref_collection = Spec(ref->target).collection;
      c.column = std::string(f->name()) + "_id";
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      c.type = ColType::kTimestamp;  // the only message type resources use
      c.column = f->name();
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      c.type = ColType::kText;
      c.column = f->name();
    } else {
      c.type = ColType::kInt;
      c.column = f->name();
    }
    if (spec.IsComputed(f->name())) {
      c.expr = std::string(ComputedFieldSql(spec.kind, f->name()));
      if (c.expr.empty()) {
        // A field marked computed that nothing computes: no request may meet it.
        std::fprintf(stderr, "bestand: %s is computed, but storage has no SQL for it\n",
                     f->full_name().c_str());
        std::abort();
      }
      c.column.clear();
    } else if (c.type != ColType::kName) {
      c.expr = "t." + c.column;
      stored.push_back(c.column);
    }
    exprs.push_back(c.expr);
    m.columns.push_back(std::move(c));
  }
  m.select = absl::StrCat("SELECT ", absl::StrJoin(exprs, ", "), " FROM ", m.table, " t");
  m.insert = absl::StrCat("INSERT INTO ", m.table, " (", absl::StrJoin(stored, ", "), ") VALUES (",
                          absl::StrJoin(std::vector<std::string>(stored.size(), "?"), ", "), ")");
  m.update = absl::StrCat("UPDATE ", m.table, " SET ", absl::StrJoin(stored, " = ?, "),
                          " = ? WHERE id = ?");
  return m;
}

}  // namespace

const std::vector<Mapping>& Mappings() {
  static const std::vector<Mapping>* const mappings = [] {
    auto* v = new std::vector<Mapping>;
    for (const ResourceSpec& spec : AllSpecs()) v->push_back(BuildMapping(spec));
    return v;
  }();
  return *mappings;
}

const Mapping& MappingFor(Kind kind) { return Mappings()[static_cast<size_t>(kind)]; }

absl::StatusOr<int64_t> RefId(absl::string_view name, absl::string_view collection) {
  int64_t id = 0;
  if (name.size() <= collection.size() + 1 || name.substr(0, collection.size()) != collection ||
      name[collection.size()] != '/' ||
      !absl::SimpleAtoi(name.substr(collection.size() + 1), &id) || id <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", name, "' is not a resource name of the form ", collection, "/ID"));
  }
  return id;
}

void ReadRow(const Mapping& m, Stmt& st, Message* out) {
  out->Clear();
  const Reflection* r = out->GetReflection();
  for (size_t i = 0; i < m.columns.size(); ++i) {
    const Column& c = m.columns[i];
    int col = static_cast<int>(i);
    switch (c.type) {
      case ColType::kName:
        r->SetString(out, c.field, absl::StrCat(m.spec->collection, "/", st.Int(col)));
        break;
      case ColType::kRef:
        if (!st.IsNull(col)) {
          r->SetString(out, c.field, absl::StrCat(c.ref_collection, "/", st.Int(col)));
        }
        break;
      case ColType::kText:
        r->SetString(out, c.field, st.Text(col));
        break;
      case ColType::kTimestamp:
        if (!st.IsNull(col) && st.Int(col) != 0) {
          r->MutableMessage(out, c.field)->CopyFrom(FromMicros(st.Int(col)));
        }
        break;
      case ColType::kInt:
        switch (c.field->cpp_type()) {
          case FieldDescriptor::CPPTYPE_BOOL:
            r->SetBool(out, c.field, st.Int(col) != 0);
            break;
          case FieldDescriptor::CPPTYPE_ENUM:
            r->SetEnumValue(out, c.field, static_cast<int>(st.Int(col)));
            break;
          case FieldDescriptor::CPPTYPE_INT32:
            r->SetInt32(out, c.field, static_cast<int32_t>(st.Int(col)));
            break;
          default:
            r->SetInt64(out, c.field, st.Int(col));
            break;
        }
        break;
    }
  }
}

absl::StatusOr<int> BindRow(const Mapping& m, const Message& msg, Stmt& st) {
  const Reflection* r = msg.GetReflection();
  int i = 0;
  for (const Column& c : m.columns) {
    if (c.column.empty()) continue;
    ++i;
    switch (c.type) {
      case ColType::kName:
        break;
      case ColType::kRef: {
        std::string v = r->GetString(msg, c.field);
        if (v.empty()) {
          st.BindNull(i);
        } else {
          BESTAND_ASSIGN_OR_RETURN(int64_t id, RefId(v, c.ref_collection));
          st.Bind(i, id);
        }
        break;
      }
      case ColType::kText:
        st.Bind(i, absl::string_view(r->GetString(msg, c.field)));
        break;
      case ColType::kTimestamp:
        if (r->HasField(msg, c.field)) {
          st.Bind(i, ToMicros(static_cast<const google::protobuf::Timestamp&>(
                         r->GetMessage(msg, c.field))));
        } else {
          st.BindNull(i);
        }
        break;
      case ColType::kInt:
        switch (c.field->cpp_type()) {
          case FieldDescriptor::CPPTYPE_BOOL:
            st.Bind(i, int64_t{r->GetBool(msg, c.field)});
            break;
          case FieldDescriptor::CPPTYPE_ENUM:
            st.Bind(i, int64_t{r->GetEnumValue(msg, c.field)});
            break;
          case FieldDescriptor::CPPTYPE_INT32:
            st.Bind(i, int64_t{r->GetInt32(msg, c.field)});
            break;
          default:
            st.Bind(i, r->GetInt64(msg, c.field));
            break;
        }
        break;
    }
  }
  return i;
}

absl::Status AppendCompare(const Mapping& m, const std::vector<FieldEquals>& fields,
                           absl::string_view op, std::string* sql,
                           std::vector<FieldValue>* params) {
  for (const FieldEquals& e : fields) {
    const Column* c = m.Find(e.field);
    if (c == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(m.spec->noun, " has no field '", e.field, "'"));
    }
    const int64_t* n = std::get_if<int64_t>(&e.value);
    if (op == "=" && c->type == ColType::kRef && n != nullptr && *n == 0) {
      absl::StrAppend(sql, " AND ", c->expr, " IS NULL");
    } else {
      absl::StrAppend(sql, " AND ", c->expr, " ", op, " ?");
      params->push_back(e.value);
    }
  }
  return absl::OkStatus();
}

absl::Status AppendEquals(const Mapping& m, const std::vector<FieldEquals>& equals,
                          std::string* sql, std::vector<FieldValue>* params) {
  return AppendCompare(m, equals, "=", sql, params);
}

std::string LikePattern(absl::string_view s) {
  std::string out = "%";
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

}  // namespace bestand::sqlite
