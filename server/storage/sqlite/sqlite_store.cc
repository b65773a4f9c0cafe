#include "server/storage/sqlite/sqlite_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/storage/sqlite/schema.h"

namespace bestand {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// ---------------------------------------------------------------------------------------------
// Mapping of resource messages onto tables, derived from the descriptors once.

enum class ColType { kName, kText, kInt, kTimestamp, kRef };

struct Column {
  const FieldDescriptor* field;
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

// Computed fields: derived from other tables at read time.
std::string ComputedExpr(Kind kind, absl::string_view field) {
  if (kind == Kind::kAccessGrant && field == "person") {
    return "(SELECT a.person_id FROM accounts a WHERE a.id = t.account_id)";
  }
  if (kind == Kind::kAccessGrant && field == "application") {
    return "(SELECT a.application_id FROM accounts a WHERE a.id = t.account_id)";
  }
  if (kind == Kind::kDevice && field == "last_report_time") {
    return "(SELECT a.last_seen_time FROM agents a WHERE a.device_id = t.id)";
  }
  if (kind == Kind::kLicense && field == "assigned_seats") {
    return "(SELECT COUNT(*) FROM license_assignments a WHERE a.license_id = t.id)";
  }
  return "";
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
      c.expr = ComputedExpr(spec.kind, f->name());
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

const std::vector<Mapping>& Mappings() {
  static const std::vector<Mapping>* const mappings = [] {
    auto* v = new std::vector<Mapping>;
    for (const ResourceSpec& spec : AllSpecs()) v->push_back(BuildMapping(spec));
    return v;
  }();
  return *mappings;
}

const Mapping& MappingFor(Kind kind) { return Mappings()[static_cast<size_t>(kind)]; }

// ---------------------------------------------------------------------------------------------
// Connections and statements.

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return absl::AlreadyExistsError(absl::StrCat(what, ": ", msg));
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return absl::FailedPreconditionError(
          absl::StrCat(what, ": other records still refer to it or a reference is dangling"));
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
      return absl::InvalidArgumentError(absl::StrCat(what, ": ", msg));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(absl::StrCat(what, ": database is busy"));
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(
          absl::StrCat(what,
                       ": the database is full (the disk holding it has no space left, or "
                       "it reached its size limit); nothing was changed. Free space, then "
                       "try again"));
    default:
      return absl::InternalError(absl::StrCat(what, ": sqlite: ", msg));
  }
}

class Connection;

// A prepared statement borrowed from a connection's cache; reset when it goes out of scope.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(std::exchange(o.s_, nullptr)) {}
  Stmt(const Stmt&) = delete;
  ~Stmt() {
    if (s_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void Bind(int i, absl::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindNull(int i) { sqlite3_bind_null(s_, i); }
  void BindBlob(int i, absl::string_view v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindValue(int i, const FieldValue& v) {
    if (const int64_t* n = std::get_if<int64_t>(&v)) {
      Bind(i, *n);
    } else {
      Bind(i, std::get<std::string>(v));
    }
  }
  // True when a row is available, false when done.
  absl::StatusOr<bool> Step(absl::string_view what) {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, rc, what);
  }
  absl::Status Run(absl::string_view what) { return Step(what).status(); }
  sqlite3_stmt* raw() { return s_; }
  bool IsNull(int col) { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  int64_t Int(int col) { return sqlite3_column_int64(s_, col); }
  std::string Text(int col) {
    // sqlite3_column_blob returns TEXT and BLOB bytes alike, without conversion.
    const void* p = sqlite3_column_blob(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path,
                                                          bool create = true) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(
        path.c_str(), &db,
        SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX, nullptr);
    auto conn = std::unique_ptr<Connection>(new Connection(db));
    if (rc != SQLITE_OK) return SqliteError(db, rc, absl::StrCat("opening ", path));
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 10000);
    BESTAND_RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys = ON"));
    if (path != ":memory:") {
      BESTAND_RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode = WAL"));
      // In WAL mode NORMAL loses no committed data on a process crash, only on power loss.
      BESTAND_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous = NORMAL"));
    }
    return conn;
  }

  ~Connection() {
    for (auto& [sql, s] : cache_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }

  absl::Status Exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      absl::Status s = SqliteError(db_, rc, "executing statement");
      sqlite3_free(err);
      return s;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Stmt> Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* s = nullptr;
      int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &s, nullptr);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "preparing statement");
      it = cache_.emplace(sql, s).first;
    }
    return Stmt(db_, it->second);
  }

  sqlite3* db() { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// ---------------------------------------------------------------------------------------------
// Row <-> message.

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

// Binds the stored columns of `msg` to parameters 1..n in mapping order; returns n.
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

// Appends "AND <expr> = ?" for each condition; a reference compared with 0 means "IS NULL".
// Appends " AND <field> <op> ?" for each entry; a reference compared "=" to 0 means unset.
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

void ReadAudit(Stmt& st, v1::AuditEvent* e) {
  e->set_sequence(st.Int(0));
  *e->mutable_time() = FromMicros(st.Int(1));
  e->set_actor(st.Text(2));
  e->set_action(st.Text(3));
  e->set_resource(st.Text(4));
  e->set_before(st.Text(5));
  e->set_after(st.Text(6));
  e->set_prev_hash(st.Text(7));
  e->set_hash(st.Text(8));
}

constexpr char kAuditColumns[] =
    "SELECT sequence, time, actor, action, resource, before, after, prev_hash, hash "
    "FROM audit_events";

// A device's software set as one compact blob: a format byte (1), then per package varints of
// the id delta and the zigzag deltas of install and first-seen time (whole seconds; 0 =
// unknown) from the previous package. Ids are sorted and most times repeat, so a package costs
// ~4 bytes instead of a row with an index entry.
constexpr char kSoftwareFormat = 1;

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(absl::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

std::string EncodeSoftware(const DeviceSoftwareRecord& r) {
  std::string out(1, kSoftwareFormat);
  out.reserve(r.package_ids.size() * 5);
  int64_t prev_id = 0, prev_install = 0, prev_seen = 0;
  for (size_t i = 0; i < r.package_ids.size(); ++i) {
    int64_t install = std::max<int64_t>(0, r.install_micros[i] / 1000000);
    int64_t seen = std::max<int64_t>(0, r.first_seen_micros[i] / 1000000);
    PutVarint(&out, static_cast<uint64_t>(r.package_ids[i] - prev_id));
    PutVarint(&out, ZigZag(install - prev_install));
    PutVarint(&out, ZigZag(seen - prev_seen));
    prev_id = r.package_ids[i];
    prev_install = install;
    prev_seen = seen;
  }
  return out;
}

absl::Status DecodeSoftware(absl::string_view in, DeviceSoftwareRecord* r) {
  if (in.empty() || in.front() != kSoftwareFormat) {
    return absl::DataLossError("a device's software set has an unknown format");
  }
  in.remove_prefix(1);
  const size_t expected = in.size() / 3;  // three varints of at least a byte per package
  r->package_ids.reserve(expected);
  r->install_micros.reserve(expected);
  r->first_seen_micros.reserve(expected);
  int64_t id = 0, install = 0, seen = 0;
  while (!in.empty()) {
    uint64_t delta, d_install, d_seen;
    if (!GetVarint(&in, &delta) || !GetVarint(&in, &d_install) || !GetVarint(&in, &d_seen)) {
      return absl::DataLossError("a device's software set is corrupt");
    }
    id += static_cast<int64_t>(delta);
    install += UnZigZag(d_install);
    seen += UnZigZag(d_seen);
    r->package_ids.push_back(id);
    r->install_micros.push_back(install * 1000000);
    r->first_seen_micros.push_back(seen * 1000000);
  }
  return absl::OkStatus();
}

void ReadAgent(Stmt& st, AgentRecord* a) {
  a->device_id = st.Int(0);
  a->cert_serial = st.Text(1);
  a->enroll_micros = st.Int(2);
  a->revoke_micros = st.Int(3);
  a->last_seen_micros = st.Int(4);
  a->last_report_micros = st.Int(5);
  a->report_hash = st.Text(6);
  a->facts = st.Text(7);
  a->previous_cert_serial = st.Text(8);
  a->seal = st.Text(9);
  a->seen_seal = st.Text(10);
}

constexpr char kAgentColumns[] =
    "SELECT device_id, cert_serial, enroll_time, revoke_time, last_seen_time, last_report_time, "
    "report_hash, facts, previous_cert_serial, seal, seen_seal FROM agents";

// id, device_id, time, kind, package_id, previous_package_id.
void ReadSoftwareEvent(Stmt& st, SoftwareEventRecord* e) {
  e->id = st.Int(0);
  e->device_id = st.Int(1);
  e->micros = st.Int(2);
  e->kind = static_cast<int>(st.Int(3));
  e->package_id = st.Int(4);
  e->previous_package_id = st.Int(5);
}

void ReadPackage(Stmt& st, PackageRecord* p) {
  p->id = st.Int(0);
  p->source = st.Text(1);
  p->name = st.Text(2);
  p->architecture = st.Text(3);
  p->version = st.Text(4);
  p->publisher = st.Text(5);
}

constexpr char kPackageColumns[] =
    "SELECT p.id, o.source, p.name, o.architecture, p.version, o.publisher "
    "FROM software_packages p JOIN software_origins o ON o.id = p.origin_id";

// ---------------------------------------------------------------------------------------------
// Transactions.

class SqliteTx : public WriteTx {
 public:
  SqliteTx(Connection* conn, std::function<void()> release)
      : conn_(conn), release_(std::move(release)) {}
  ~SqliteTx() override {
    if (!done_) conn_->Exec("ROLLBACK").IgnoreError();
    release_();
  }

  absl::StatusOr<bool> Get(Kind kind, int64_t id, Message* out) override {
    const Mapping& m = MappingFor(kind);
    BESTAND_ASSIGN_OR_RETURN(Stmt st, conn_->Prepare(m.select + " WHERE t.id = ?"));
    st.Bind(1, id);
    BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading a " + std::string(m.spec->noun)));
    if (!row) return false;
    ReadRow(m, st, out);
    return true;
  }

  absl::StatusOr<std::optional<int64_t>> FindId(Kind kind,
                                                const std::vector<FieldEquals>& key) override {
    const Mapping& m = MappingFor(kind);
    std::string sql = absl::StrCat("SELECT t.id FROM ", m.table, " t WHERE 1");
    std::vector<FieldValue> params;
    BESTAND_RETURN_IF_ERROR(AppendEquals(m, key, &sql, &params));
    BESTAND_ASSIGN_OR_RETURN(Stmt st, conn_->Prepare(sql + " LIMIT 1"));
    for (size_t i = 0; i < params.size(); ++i) st.BindValue(static_cast<int>(i + 1), params[i]);
    BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("looking up a key"));
    if (!row) return std::nullopt;
    return st.Int(0);
  }

  absl::Status List(Kind kind, const ListQuery& q,
                    const std::function<absl::Status(int64_t, const Message&)>& fn) override {
    const Mapping& m = MappingFor(kind);
    std::string sql = m.select + " WHERE t.id > ?";
    std::vector<FieldValue> params = {q.after_id};
    BESTAND_RETURN_IF_ERROR(AppendEquals(m, q.equals, &sql, &params));
    BESTAND_RETURN_IF_ERROR(AppendCompare(m, q.below, "<", &sql, &params));
    BESTAND_RETURN_IF_ERROR(AppendCompare(m, q.above, ">", &sql, &params));
    if (!q.search.empty()) {
      std::vector<std::string> likes;
      for (absl::string_view f : m.spec->search_fields) {
        likes.push_back(absl::StrCat(m.Find(f)->expr, " LIKE ? ESCAPE '\\'"));
        params.push_back(LikePattern(q.search));
      }
      absl::StrAppend(&sql, " AND (", absl::StrJoin(likes, " OR "), ")");
    }
    absl::StrAppend(&sql, " ORDER BY t.id");
    if (q.limit > 0) {
      absl::StrAppend(&sql, " LIMIT ?");
      params.push_back(int64_t{q.limit});
    }
    BESTAND_ASSIGN_OR_RETURN(Stmt st, conn_->Prepare(sql));
    for (size_t i = 0; i < params.size(); ++i) st.BindValue(static_cast<int>(i + 1), params[i]);
    std::unique_ptr<Message> msg = NewResource(*m.spec);
    while (true) {
      BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("listing " + std::string(m.spec->collection)));
      if (!row) break;
      ReadRow(m, st, msg.get());
      BESTAND_RETURN_IF_ERROR(fn(st.Int(0), *msg));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> Count(Kind kind, const std::vector<FieldEquals>& equals) override {
    const Mapping& m = MappingFor(kind);
    std::string sql = absl::StrCat("SELECT COUNT(*) FROM ", m.table, " t WHERE 1");
    std::vector<FieldValue> params;
    BESTAND_RETURN_IF_ERROR(AppendEquals(m, equals, &sql, &params));
    BESTAND_ASSIGN_OR_RETURN(Stmt st, conn_->Prepare(sql));
    for (size_t i = 0; i < params.size(); ++i) st.BindValue(static_cast<int>(i + 1), params[i]);
    BESTAND_RETURN_IF_ERROR(st.Run("counting"));
    return st.Int(0);
  }

  absl::StatusOr<std::vector<v1::AuditEvent>> ListAudit(const AuditQuery& q) override {
    std::string sql = absl::StrCat(kAuditColumns, " WHERE 1");
    std::vector<FieldValue> params;
    if (q.before_sequence > 0) {
      sql += " AND sequence < ?";
      params.push_back(q.before_sequence);
    }
    if (!q.resource.empty()) {
      if (q.resource.find('/') == std::string::npos) {
        // A whole collection: names "c/..." sort between "c/" and "c0" ('0' follows '/').
        sql += " AND resource >= ? AND resource < ?";
        params.push_back(q.resource + "/");
        params.push_back(q.resource + "0");
      } else {
        sql += " AND resource = ?";
        params.push_back(q.resource);
      }
    }
    if (!q.actor.empty()) {
      sql += " AND actor = ?";
      params.push_back(q.actor);
    }
    sql += " ORDER BY sequence DESC LIMIT ?";
    params.push_back(int64_t{q.limit});
    BESTAND_ASSIGN_OR_RETURN(Stmt st, conn_->Prepare(sql));
    for (size_t i = 0; i < params.size(); ++i) st.BindValue(static_cast<int>(i + 1), params[i]);
    std::vector<v1::AuditEvent> out;
    while (true) {
      BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("listing audit events"));
      if (!row) break;
      ReadAudit(st, &out.emplace_back());
    }
    return out;
  }

  absl::Status ScanAudit(const std::function<absl::Status(const v1::AuditEvent&)>& fn) override {
    BESTAND_ASSIGN_OR_RETURN(Stmt st,
                             conn_->Prepare(absl::StrCat(kAuditColumns, " ORDER BY sequence")));
    v1::AuditEvent e;
    while (true) {
      BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading audit events"));
      if (!row) return absl::OkStatus();
      ReadAudit(st, &e);
      BESTAND_RETURN_IF_ERROR(fn(e));
    }
  }

  absl::StatusOr<std::optional<v1::AuditEvent>> LastAudit() override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare(absl::StrCat(kAuditColumns, " ORDER BY sequence DESC LIMIT 1")));
    BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading the last audit event"));
    if (!row) return std::nullopt;
    v1::AuditEvent e;
    ReadAudit(st, &e);
    return e;
  }

  absl::StatusOr<std::vector<TokenRecord>> ListTokens() override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("SELECT id, display_name, role, secret_sha256, create_time, "
                                "revoke_time, last_used_time, vendor_id FROM tokens ORDER BY id"));
    std::vector<TokenRecord> out;
    while (true) {
      BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("listing tokens"));
      if (!row) break;
      TokenRecord& t = out.emplace_back();
      t.id = st.Int(0);
      t.display_name = st.Text(1);
      t.role = static_cast<v1::Role>(st.Int(2));
      t.secret_sha256 = st.Text(3);
      t.create_micros = st.Int(4);
      t.revoke_micros = st.Int(5);
      t.last_used_micros = st.Int(6);
      t.vendor_id = st.Int(7);
    }
    return out;
  }

  absl::StatusOr<std::optional<std::string>> GetSetting(absl::string_view name) override {
    BESTAND_ASSIGN_OR_RETURN(Stmt st, conn_->Prepare("SELECT value FROM settings WHERE name = ?"));
    st.Bind(1, name);
    BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading a setting"));
    if (!row) return std::nullopt;
    return st.Text(0);
  }

  absl::StatusOr<std::optional<AgentRecord>> GetAgent(int64_t device_id) override {
    BESTAND_ASSIGN_OR_RETURN(Stmt st,
                             conn_->Prepare(absl::StrCat(kAgentColumns, " WHERE device_id = ?")));
    st.Bind(1, device_id);
    BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading an agent"));
    if (!row) return std::nullopt;
    AgentRecord a;
    ReadAgent(st, &a);
    return a;
  }

  absl::Status ListAgents(const std::function<absl::Status(const AgentRecord&)>& fn) override {
    BESTAND_ASSIGN_OR_RETURN(Stmt st,
                             conn_->Prepare(absl::StrCat(kAgentColumns, " ORDER BY device_id")));
    AgentRecord a;
    while (true) {
      BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("listing agents"));
      if (!row) return absl::OkStatus();
      ReadAgent(st, &a);
      BESTAND_RETURN_IF_ERROR(fn(a));
    }
  }

  absl::StatusOr<std::vector<EnrollmentTokenRecord>> ListEnrollmentTokens() override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("SELECT id, display_name, secret_sha256, max_uses, uses, "
                                "expire_time, create_time, revoke_time, device_id "
                                "FROM enrollment_tokens ORDER BY id"));
    std::vector<EnrollmentTokenRecord> out;
    while (true) {
      BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("listing enrollment tokens"));
      if (!row) return out;
      EnrollmentTokenRecord& t = out.emplace_back();
      t.id = st.Int(0);
      t.display_name = st.Text(1);
      t.secret_sha256 = st.Text(2);
      t.max_uses = static_cast<int32_t>(st.Int(3));
      t.uses = static_cast<int32_t>(st.Int(4));
      t.expire_micros = st.Int(5);
      t.create_micros = st.Int(6);
      t.revoke_micros = st.Int(7);
      t.device_id = st.Int(8);
    }
  }

  absl::StatusOr<std::optional<DeviceSoftwareRecord>> GetDeviceSoftware(
      int64_t device_id) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("SELECT packages, events_head, seal FROM device_software "
                                "WHERE device_id = ?"));
    st.Bind(1, device_id);
    BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading a device's software"));
    if (!row) return std::nullopt;
    DeviceSoftwareRecord r;
    BESTAND_RETURN_IF_ERROR(DecodeSoftware(st.Text(0), &r));
    r.events_head = st.Text(1);
    r.seal = st.Text(2);
    return r;
  }

  absl::Status ScanDeviceSoftware(
      const std::function<absl::Status(int64_t, const DeviceSoftwareRecord&)>& fn) override {
    BESTAND_ASSIGN_OR_RETURN(Stmt st,
                             conn_->Prepare("SELECT device_id, packages, events_head, seal "
                                            "FROM device_software ORDER BY device_id"));
    while (true) {
      BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("scanning device software"));
      if (!row) return absl::OkStatus();
      DeviceSoftwareRecord r;
      BESTAND_RETURN_IF_ERROR(DecodeSoftware(st.Text(1), &r));
      r.events_head = st.Text(2);
      r.seal = st.Text(3);
      BESTAND_RETURN_IF_ERROR(fn(st.Int(0), r));
    }
  }

  absl::StatusOr<std::vector<PackageRecord>> GetPackages(const std::vector<int64_t>& ids) override {
    // One statement for any number of ids: they go in as a JSON array.
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare(absl::StrCat(kPackageColumns,
                                             " WHERE p.id IN (SELECT value FROM json_each(?))")));
    std::string json = "[";
    for (int64_t id : ids) absl::StrAppend(&json, json.size() > 1 ? "," : "", id);
    json += "]";
    st.Bind(1, absl::string_view(json));
    std::vector<PackageRecord> out;
    out.reserve(ids.size());
    while (true) {
      BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading packages"));
      if (!row) return out;
      ReadPackage(st, &out.emplace_back());
    }
  }

  absl::Status ScanPackages(const std::function<absl::Status(const PackageRecord&)>& fn) override {
    BESTAND_ASSIGN_OR_RETURN(Stmt st, conn_->Prepare(kPackageColumns));
    PackageRecord p;
    while (true) {
      BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("scanning packages"));
      if (!row) return absl::OkStatus();
      ReadPackage(st, &p);
      BESTAND_RETURN_IF_ERROR(fn(p));
    }
  }

  absl::StatusOr<std::vector<PackageRecord>> FindPackages(const std::string& name) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare(absl::StrCat(kPackageColumns,
                                             " WHERE p.name LIKE ? ESCAPE '\\' ORDER BY "
                                             "p.name, o.source, p.version")));
    st.Bind(1, absl::string_view(LikePattern(name)));
    std::vector<PackageRecord> out;
    while (true) {
      BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("searching packages"));
      if (!row) return out;
      ReadPackage(st, &out.emplace_back());
    }
  }

  absl::Status ScanSoftwareEvents(
      const std::function<absl::Status(const SoftwareEventRecord&)>& fn) override {
    BESTAND_ASSIGN_OR_RETURN(Stmt st,
                             conn_->Prepare("SELECT id, device_id, time, kind, package_id, "
                                            "previous_package_id FROM software_events "
                                            "ORDER BY device_id, id"));
    SoftwareEventRecord e;
    while (true) {
      BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("scanning software history"));
      if (!row) return absl::OkStatus();
      ReadSoftwareEvent(st, &e);
      BESTAND_RETURN_IF_ERROR(fn(e));
    }
  }

  absl::StatusOr<std::vector<SoftwareEventRecord>> ListSoftwareEvents(int64_t device_id,
                                                                      int64_t before_id,
                                                                      int limit) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("SELECT id, device_id, time, kind, package_id, "
                                "previous_package_id FROM software_events WHERE device_id = ? "
                                "AND id < ? ORDER BY id DESC LIMIT ?"));
    st.Bind(1, device_id);
    st.Bind(2, before_id > 0 ? before_id : std::numeric_limits<int64_t>::max());
    st.Bind(3, int64_t{limit});
    std::vector<SoftwareEventRecord> out;
    while (true) {
      BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("listing software events"));
      if (!row) return out;
      ReadSoftwareEvent(st, &out.emplace_back());
    }
  }

  absl::Status PutAgent(const AgentRecord& a) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("INSERT OR REPLACE INTO agents (device_id, cert_serial, "
                                "enroll_time, revoke_time, last_seen_time, last_report_time, "
                                "report_hash, facts, previous_cert_serial, seal, seen_seal) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    st.Bind(1, a.device_id);
    st.Bind(2, absl::string_view(a.cert_serial));
    st.Bind(3, a.enroll_micros);
    auto bind_time = [&st](int i, int64_t v) {
      if (v) {
        st.Bind(i, v);
      } else {
        st.BindNull(i);
      }
    };
    bind_time(4, a.revoke_micros);
    bind_time(5, a.last_seen_micros);
    bind_time(6, a.last_report_micros);
    st.Bind(7, absl::string_view(a.report_hash));
    st.BindBlob(8, a.facts);
    st.Bind(9, absl::string_view(a.previous_cert_serial));
    st.Bind(10, absl::string_view(a.seal));
    st.Bind(11, absl::string_view(a.seen_seal));
    return st.Run("storing the agent");
  }

  absl::Status TouchAgent(int64_t device_id, int64_t micros, absl::string_view seen_seal) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("UPDATE agents SET last_seen_time = ?, seen_seal = ? "
                                "WHERE device_id = ? AND COALESCE(last_seen_time, 0) < ?"));
    st.Bind(1, micros);
    st.Bind(2, seen_seal);
    st.Bind(3, device_id);
    st.Bind(4, micros);
    return st.Run("recording a heartbeat");
  }

  absl::StatusOr<int64_t> InsertEnrollmentToken(const EnrollmentTokenRecord& t) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("INSERT INTO enrollment_tokens (display_name, secret_sha256, "
                                "max_uses, uses, expire_time, create_time, device_id) "
                                "VALUES (?, ?, ?, 0, ?, ?, ?)"));
    st.Bind(1, absl::string_view(t.display_name));
    st.Bind(2, absl::string_view(t.secret_sha256));
    st.Bind(3, int64_t{t.max_uses});
    st.Bind(4, t.expire_micros);
    st.Bind(5, t.create_micros);
    if (t.device_id) {
      st.Bind(6, t.device_id);
    } else {
      st.BindNull(6);
    }
    BESTAND_RETURN_IF_ERROR(st.Run("creating the enrollment token"));
    return sqlite3_last_insert_rowid(conn_->db());
  }

  absl::Status PutEnrollmentToken(const EnrollmentTokenRecord& t) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("UPDATE enrollment_tokens SET uses = ?, revoke_time = ? "
                                "WHERE id = ?"));
    st.Bind(1, int64_t{t.uses});
    if (t.revoke_micros) {
      st.Bind(2, t.revoke_micros);
    } else {
      st.BindNull(2);
    }
    st.Bind(3, t.id);
    return st.Run("updating the enrollment token");
  }

  absl::StatusOr<int64_t> InsertPackage(const PackageRecord& p) override {
    // A report brings hundreds of new packages from a handful of origins.
    std::string key = absl::StrCat(p.source, "\x1f", p.architecture, "\x1f", p.publisher);
    auto cached = origins_.find(key);
    int64_t origin = cached == origins_.end() ? 0 : cached->second;
    if (origin == 0) {
      BESTAND_ASSIGN_OR_RETURN(
          Stmt find, conn_->Prepare("SELECT id FROM software_origins WHERE source = ? AND "
                                    "architecture = ? AND publisher = ?"));
      find.Bind(1, absl::string_view(p.source));
      find.Bind(2, absl::string_view(p.architecture));
      find.Bind(3, absl::string_view(p.publisher));
      BESTAND_ASSIGN_OR_RETURN(bool known, find.Step("looking up a package origin"));
      if (known) origin = find.Int(0);
    }
    if (origin == 0) {
      BESTAND_ASSIGN_OR_RETURN(Stmt ins,
                               conn_->Prepare("INSERT INTO software_origins (source, architecture, "
                                              "publisher) VALUES (?, ?, ?)"));
      ins.Bind(1, absl::string_view(p.source));
      ins.Bind(2, absl::string_view(p.architecture));
      ins.Bind(3, absl::string_view(p.publisher));
      BESTAND_RETURN_IF_ERROR(ins.Run("storing a package origin"));
      origin = sqlite3_last_insert_rowid(conn_->db());
    }
    if (cached == origins_.end()) origins_.emplace(std::move(key), origin);
    BESTAND_ASSIGN_OR_RETURN(
        Stmt ins, conn_->Prepare("INSERT INTO software_packages (name, version, origin_id) "
                                 "VALUES (?, ?, ?)"));
    ins.Bind(1, absl::string_view(p.name));
    ins.Bind(2, absl::string_view(p.version));
    ins.Bind(3, origin);
    BESTAND_RETURN_IF_ERROR(ins.Run("storing a package"));
    return sqlite3_last_insert_rowid(conn_->db());
  }

  absl::Status PutDeviceSoftware(int64_t device_id, const DeviceSoftwareRecord& r) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("INSERT OR REPLACE INTO device_software (device_id, packages, "
                                "events_head, seal) VALUES (?, ?, ?, ?)"));
    st.Bind(1, device_id);
    st.BindBlob(2, EncodeSoftware(r));
    st.Bind(3, absl::string_view(r.events_head));
    st.Bind(4, absl::string_view(r.seal));
    return st.Run("storing a device's software");
  }

  absl::Status AppendSoftwareEvents(const std::vector<SoftwareEventRecord>& events) override {
    // One prepared row insert per event: cheaper than one statement over a JSON array of rows.
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("INSERT INTO software_events (device_id, time, kind, package_id, "
                                "previous_package_id) VALUES (?, ?, ?, ?, ?)"));
    for (const SoftwareEventRecord& e : events) {
      st.Bind(1, e.device_id);
      st.Bind(2, e.micros);
      st.Bind(3, static_cast<int64_t>(e.kind));
      st.Bind(4, e.package_id);
      if (e.previous_package_id != 0) {
        st.Bind(5, e.previous_package_id);
      } else {
        st.BindNull(5);
      }
      BESTAND_RETURN_IF_ERROR(st.Run("storing software history"));
      sqlite3_reset(st.raw());
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> Insert(Kind kind, const Message& resource) override {
    const Mapping& m = MappingFor(kind);
    BESTAND_ASSIGN_OR_RETURN(Stmt st, conn_->Prepare(m.insert));
    BESTAND_RETURN_IF_ERROR(BindRow(m, resource, st).status());
    BESTAND_RETURN_IF_ERROR(st.Run(absl::StrCat("creating the ", m.spec->noun)));
    return sqlite3_last_insert_rowid(conn_->db());
  }

  absl::Status Update(Kind kind, int64_t id, const Message& resource) override {
    const Mapping& m = MappingFor(kind);
    BESTAND_ASSIGN_OR_RETURN(Stmt st, conn_->Prepare(m.update));
    BESTAND_ASSIGN_OR_RETURN(int n, BindRow(m, resource, st));
    st.Bind(n + 1, id);
    return st.Run(absl::StrCat("updating ", m.spec->collection, "/", id));
  }

  absl::Status Delete(Kind kind, int64_t id) override {
    const Mapping& m = MappingFor(kind);
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare(absl::StrCat("DELETE FROM ", m.table, " WHERE id = ?")));
    st.Bind(1, id);
    return st.Run(absl::StrCat("deleting ", m.spec->collection, "/", id));
  }

  absl::Status AppendAudit(const v1::AuditEvent& e) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("INSERT INTO audit_events (sequence, time, actor, action, "
                                "resource, before, after, prev_hash, hash) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    st.Bind(1, e.sequence());
    st.Bind(2, ToMicros(e.time()));
    st.Bind(3, absl::string_view(e.actor()));
    st.Bind(4, absl::string_view(e.action()));
    st.Bind(5, absl::string_view(e.resource()));
    st.Bind(6, absl::string_view(e.before()));
    st.Bind(7, absl::string_view(e.after()));
    st.Bind(8, absl::string_view(e.prev_hash()));
    st.Bind(9, absl::string_view(e.hash()));
    return st.Run("writing an audit event");
  }

  absl::StatusOr<int64_t> InsertToken(const TokenRecord& t) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("INSERT INTO tokens (display_name, role, secret_sha256, "
                                "create_time, vendor_id) VALUES (?, ?, ?, ?, ?)"));
    st.Bind(1, absl::string_view(t.display_name));
    st.Bind(2, int64_t{t.role});
    st.Bind(3, absl::string_view(t.secret_sha256));
    st.Bind(4, t.create_micros);
    if (t.vendor_id) {
      st.Bind(5, t.vendor_id);
    } else {
      st.BindNull(5);
    }
    BESTAND_RETURN_IF_ERROR(st.Run("creating the token"));
    return sqlite3_last_insert_rowid(conn_->db());
  }

  absl::Status RevokeToken(int64_t id, int64_t micros) override {
    BESTAND_ASSIGN_OR_RETURN(Stmt st,
                             conn_->Prepare("UPDATE tokens SET revoke_time = ? WHERE id = ?"));
    st.Bind(1, micros);
    st.Bind(2, id);
    return st.Run("revoking the token");
  }

  absl::Status TouchToken(int64_t id, int64_t micros) override {
    BESTAND_ASSIGN_OR_RETURN(Stmt st,
                             conn_->Prepare("UPDATE tokens SET last_used_time = ? WHERE id = ?"));
    st.Bind(1, micros);
    st.Bind(2, id);
    return st.Run("recording token use");
  }

  absl::Status PutSetting(absl::string_view name, absl::string_view value) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("INSERT INTO settings (name, value) VALUES (?, ?) "
                                "ON CONFLICT (name) DO UPDATE SET value = excluded.value"));
    st.Bind(1, name);
    st.Bind(2, value);
    return st.Run("writing a setting");
  }

  absl::Status Nested(const std::function<absl::Status()>& fn) override {
    BESTAND_RETURN_IF_ERROR(Run("SAVEPOINT nested"));
    absl::Status s = fn();
    if (!s.ok()) {
      BESTAND_RETURN_IF_ERROR(Run("ROLLBACK TO nested"));
      origins_.clear();  // may name origins that were just rolled back
    }
    BESTAND_RETURN_IF_ERROR(Run("RELEASE nested"));
    return s;
  }

  absl::Status Commit() override {
    BESTAND_RETURN_IF_ERROR(Run("COMMIT"));
    done_ = true;
    return absl::OkStatus();
  }

 private:
  // Transaction control, prepared once per connection: it runs hundreds of times a second.
  absl::Status Run(const std::string& sql) {
    BESTAND_ASSIGN_OR_RETURN(Stmt st, conn_->Prepare(sql));
    return st.Run(sql);
  }

  Connection* conn_;
  std::function<void()> release_;
  bool done_ = false;
  // Package origins seen in this transaction (rolled back with it).
  absl::flat_hash_map<std::string, int64_t> origins_;
};

// ---------------------------------------------------------------------------------------------
// The store.

absl::Status Migrate(Connection& conn) {
  int64_t version = 0;
  {  // a statement left active would keep DROP TABLE from running
    BESTAND_ASSIGN_OR_RETURN(Stmt st, conn.Prepare("PRAGMA user_version"));
    BESTAND_RETURN_IF_ERROR(st.Run("reading the schema version"));
    version = st.Int(0);
  }
  auto migrations = sqlite_schema::Migrations();
  if (version > static_cast<int64_t>(migrations.size())) {
    return absl::FailedPreconditionError(
        absl::StrCat("the database has schema version ", version, " but this build knows only ",
                     migrations.size(), "; use a newer bestand-server"));
  }
  // Migrations rebuild tables that others refer to: foreign keys are checked once at the end of
  // each migration instead of on every statement (SQLite's documented procedure).
  BESTAND_RETURN_IF_ERROR(conn.Exec("PRAGMA foreign_keys = OFF"));
  for (size_t v = static_cast<size_t>(version); v < migrations.size(); ++v) {
    BESTAND_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
    absl::Status s = conn.Exec(std::string(migrations[v]));
    if (s.ok()) {
      BESTAND_ASSIGN_OR_RETURN(Stmt check, conn.Prepare("PRAGMA foreign_key_check"));
      BESTAND_ASSIGN_OR_RETURN(bool dangling, check.Step("checking foreign keys"));
      if (dangling) {
        s = absl::DataLossError(absl::StrCat("table ", check.Text(0), " row ", check.Int(1),
                                             " refers to a missing row of ", check.Text(2)));
      }
    }
    if (s.ok()) s = conn.Exec(absl::StrCat("PRAGMA user_version = ", v + 1));
    if (s.ok()) s = conn.Exec(absl::StrCat("PRAGMA application_id = ", kBestandApplicationId));
    if (s.ok()) s = conn.Exec("COMMIT");
    if (!s.ok()) {
      conn.Exec("ROLLBACK").IgnoreError();
      conn.Exec("PRAGMA foreign_keys = ON").IgnoreError();
      return absl::InternalError(absl::StrCat("migration ", v + 1, " failed: ", s.message()));
    }
  }
  return conn.Exec("PRAGMA foreign_keys = ON");
}

// Checks that every stored field of every resource has its column, so a proto change without a
// migration fails at start-up instead of on first use.
absl::Status CheckSchema(Connection& conn) {
  for (const Mapping& m : Mappings()) {
    absl::StatusOr<Stmt> st = conn.Prepare(m.select + " LIMIT 0");
    if (!st.ok()) {
      return absl::InternalError(absl::StrCat("the database does not match the ", m.spec->noun,
                                              " resource: ", st.status().message()));
    }
  }
  return absl::OkStatus();
}

class SqliteStore : public Store {
 public:
  SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer)
      : options_(std::move(options)), writer_(std::move(writer)) {}

  absl::StatusOr<std::unique_ptr<ReadTx>> BeginRead() override {
    if (options_.path == ":memory:") {
      std::unique_lock lock(writer_mu_);
      BESTAND_RETURN_IF_ERROR(writer_->Exec("BEGIN"));
      return std::unique_ptr<ReadTx>(new SqliteTx(
          writer_.get(),
          [l = std::make_shared<std::unique_lock<std::mutex>>(std::move(lock))] { l->unlock(); }));
    }
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard lock(pool_mu_);
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!conn) {
      BESTAND_ASSIGN_OR_RETURN(conn, Connection::Open(options_.path));
    }
    BESTAND_RETURN_IF_ERROR(conn->Exec("BEGIN"));
    Connection* raw = conn.release();
    return std::unique_ptr<ReadTx>(new SqliteTx(raw, [this, raw] {
      std::unique_ptr<Connection> c(raw);
      std::lock_guard lock(pool_mu_);
      if (static_cast<int>(idle_.size()) < options_.max_idle_readers) {
        idle_.push_back(std::move(c));
      }
    }));
  }

  absl::StatusOr<std::unique_ptr<WriteTx>> TryBeginWrite() override {
    std::unique_lock lock(writer_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return absl::UnavailableError("the writer is busy");
    return Begin(std::move(lock));
  }

  absl::StatusOr<std::unique_ptr<WriteTx>> BeginWrite() override {
    return Begin(std::unique_lock(writer_mu_));
  }

 private:
  absl::StatusOr<std::unique_ptr<WriteTx>> Begin(std::unique_lock<std::mutex> lock) {
    {
      BESTAND_ASSIGN_OR_RETURN(Stmt begin, writer_->Prepare("BEGIN IMMEDIATE"));
      BESTAND_RETURN_IF_ERROR(begin.Run("starting a write transaction"));
    }
    return std::unique_ptr<WriteTx>(new SqliteTx(
        writer_.get(),
        [l = std::make_shared<std::unique_lock<std::mutex>>(std::move(lock))] { l->unlock(); }));
  }

  SqliteOptions options_;
  std::mutex writer_mu_;
  std::unique_ptr<Connection> writer_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace

int SqliteSchemaVersion() { return static_cast<int>(sqlite_schema::Migrations().size()); }

namespace {

// Refuses a file that is not a Bestand database, before SQLite opens it (which would make an
// empty file a fresh database).
absl::Status CheckExistingFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("there is no database at ", path,
                     "; only 'bestand-server init' creates one (in a new data directory)"));
  }
  if (st.st_size == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " is empty (0 bytes), not a Bestand database: restore it from a backup"));
  }
  char header[16] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(header, sizeof header);
  if (!in || std::string(header, sizeof header) != std::string("SQLite format 3\0", 16)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not an SQLite database, so not Bestand's"));
  }
  return absl::OkStatus();
}

// An existing database must be Bestand's: its application id, or (databases of versions before
// the id was set) a schema version and Bestand's audit table.
absl::Status CheckBestandDatabase(Connection& conn, const std::string& path) {
  BESTAND_ASSIGN_OR_RETURN(Stmt id, conn.Prepare("PRAGMA application_id"));
  BESTAND_RETURN_IF_ERROR(id.Run("reading the application id"));
  if (id.Int(0) == kBestandApplicationId) return absl::OkStatus();
  BESTAND_ASSIGN_OR_RETURN(
      Stmt audit, conn.Prepare("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND "
                               "name IN ('audit_events', 'tokens')"));
  BESTAND_RETURN_IF_ERROR(audit.Run("reading the schema"));
  if (id.Int(0) == 0 && audit.Int(0) == 2) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(path, " is an SQLite database, but not Bestand's"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  if (!options.create) BESTAND_RETURN_IF_ERROR(CheckExistingFile(options.path));
  BESTAND_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                           Connection::Open(options.path, options.create));
  if (options.max_pages > 0) {
    BESTAND_RETURN_IF_ERROR(
        writer->Exec(absl::StrCat("PRAGMA max_page_count = ", options.max_pages)));
  }
  if (!options.create) BESTAND_RETURN_IF_ERROR(CheckBestandDatabase(*writer, options.path));
  BESTAND_RETURN_IF_ERROR(Migrate(*writer));
  BESTAND_RETURN_IF_ERROR(CheckSchema(*writer));
  return std::unique_ptr<Store>(new SqliteStore(options, std::move(writer)));
}

}  // namespace bestand
