#include "server/storage/sqlite/sqlite_tx.h"

#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "server/storage/sqlite/connection_rows.h"
#include "server/storage/sqlite/notify_rows.h"
#include "server/storage/sqlite/record_rows.h"
#include "server/storage/sqlite/resource_mapping.h"

namespace bestand::sqlite {
namespace {

using google::protobuf::Message;

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
                                "revoke_time, last_used_time, vendor_id, expire_time, sign_in_link "
                                "FROM tokens "
                                "ORDER BY id"));
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
      t.expire_micros = st.Int(8);
      t.sign_in_link = st.Int(9) != 0;
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

  absl::StatusOr<std::optional<ImportedFactsRecord>> GetImportedFacts(int64_t device_id) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare(absl::StrCat(kImportedFactsColumns, " WHERE device_id = ?")));
    st.Bind(1, device_id);
    BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading imported facts"));
    if (!row) return std::nullopt;
    return ImportedFactsRecord{st.Int(0), st.Int(1), st.Text(2)};
  }

  absl::Status ListImportedFacts(
      const std::function<absl::Status(const ImportedFactsRecord&)>& fn) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare(absl::StrCat(kImportedFactsColumns, " ORDER BY device_id")));
    while (true) {
      BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("listing imported facts"));
      if (!row) return absl::OkStatus();
      BESTAND_RETURN_IF_ERROR(fn(ImportedFactsRecord{st.Int(0), st.Int(1), st.Text(2)}));
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

  absl::Status PutImportedFacts(const ImportedFactsRecord& f) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("INSERT OR REPLACE INTO imported_facts (device_id, report_time, "
                                "facts) VALUES (?, ?, ?)"));
    st.Bind(1, f.device_id);
    st.Bind(2, f.report_micros);
    st.BindBlob(3, f.facts);
    return st.Run("storing imported facts");
  }

  absl::Status PutAgent(const AgentRecord& a) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st, conn_->Prepare("INSERT OR REPLACE INTO agents (device_id, cert_serial, "
                                "enroll_time, revoke_time, last_seen_time, last_report_time, "
                                "report_hash, facts, previous_cert_serial, seal, seen_seal, "
                                "cert_expire_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
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
    st.Bind(12, a.cert_expire_micros);
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
                                "create_time, vendor_id, expire_time, sign_in_link) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?)"));
    st.Bind(1, absl::string_view(t.display_name));
    st.Bind(2, int64_t{t.role});
    st.Bind(3, absl::string_view(t.secret_sha256));
    st.Bind(4, t.create_micros);
    if (t.vendor_id) {
      st.Bind(5, t.vendor_id);
    } else {
      st.BindNull(5);
    }
    if (t.expire_micros) {
      st.Bind(6, t.expire_micros);
    } else {
      st.BindNull(6);
    }
    st.Bind(7, int64_t{t.sign_in_link});
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

  absl::StatusOr<bool> ReplaceTokenSecret(int64_t id, absl::string_view old_sha256,
                                          absl::string_view new_sha256) override {
    BESTAND_ASSIGN_OR_RETURN(
        Stmt st,
        conn_->Prepare("UPDATE tokens SET secret_sha256 = ? WHERE id = ? AND secret_sha256 = ?"));
    st.Bind(1, new_sha256);
    st.Bind(2, id);
    st.Bind(3, old_sha256);
    BESTAND_RETURN_IF_ERROR(st.Run("replacing the token's secret"));
    return sqlite3_changes(conn_->db()) == 1;
  }

  absl::Status TouchToken(int64_t id, int64_t micros) override {
    BESTAND_ASSIGN_OR_RETURN(Stmt st,
                             conn_->Prepare("UPDATE tokens SET last_used_time = ? WHERE id = ?"));
    st.Bind(1, micros);
    st.Bind(2, id);
    return st.Run("recording token use");
  }

  absl::StatusOr<std::vector<OutboxRecord>> ListOutbox(const OutboxQuery& q) override {
    return sqlite::ListOutbox(*conn_, q);
  }
  absl::StatusOr<std::vector<OutboxRecord>> DueOutbox(int64_t now_micros, int limit) override {
    return sqlite::DueOutbox(*conn_, now_micros, limit);
  }
  absl::StatusOr<bool> OutboxHas(absl::string_view key, absl::string_view recipient) override {
    return sqlite::OutboxHas(*conn_, key, recipient);
  }
  absl::StatusOr<std::optional<WebhookRecord>> GetWebhook(int64_t id) override {
    return sqlite::GetWebhook(*conn_, id);
  }
  absl::StatusOr<std::vector<WebhookRecord>> ListWebhooks() override {
    return sqlite::ListWebhooks(*conn_);
  }
  absl::StatusOr<int64_t> InsertWebhook(const WebhookRecord& r) override {
    return sqlite::InsertWebhook(*conn_, r);
  }
  absl::StatusOr<bool> RemoveWebhook(int64_t id, int64_t micros) override {
    return sqlite::RemoveWebhook(*conn_, id, micros);
  }
  absl::StatusOr<std::vector<CalendarLinkRecord>> ListCalendarLinks(int64_t person_id) override {
    return sqlite::ListCalendarLinks(*conn_, person_id);
  }
  absl::StatusOr<std::optional<CalendarLinkRecord>> FindCalendarLink(
      absl::string_view sha256) override {
    return sqlite::FindCalendarLink(*conn_, sha256);
  }
  absl::StatusOr<int64_t> InsertCalendarLink(const CalendarLinkRecord& r) override {
    return sqlite::InsertCalendarLink(*conn_, r);
  }
  absl::StatusOr<int> RevokeCalendarLinks(int64_t person_id, int64_t micros) override {
    return sqlite::RevokeCalendarLinks(*conn_, person_id, micros);
  }
  absl::StatusOr<std::optional<ConnectionRecord>> GetConnection(int64_t app) override {
    return sqlite::GetConnection(*conn_, app);
  }
  absl::StatusOr<std::vector<ConnectionRecord>> ListConnections() override {
    return sqlite::ListConnections(*conn_);
  }
  absl::Status PutConnection(const ConnectionRecord& r) override {
    return sqlite::PutConnection(*conn_, r);
  }
  absl::StatusOr<bool> DeleteConnection(int64_t app) override {
    return sqlite::DeleteConnection(*conn_, app);
  }
  absl::StatusOr<std::optional<ConnectorRunRecord>> GetConnectorRun(int64_t task_id) override {
    return sqlite::GetConnectorRun(*conn_, task_id);
  }
  absl::Status PutConnectorRun(const ConnectorRunRecord& r) override {
    return sqlite::PutConnectorRun(*conn_, r);
  }
  absl::Status DeleteConnectorRun(int64_t task_id) override {
    return sqlite::DeleteConnectorRun(*conn_, task_id);
  }
  absl::StatusOr<int64_t> InsertOutbox(const OutboxRecord& r) override {
    return sqlite::InsertOutbox(*conn_, r);
  }
  absl::Status UpdateOutbox(const OutboxRecord& r) override {
    return sqlite::UpdateOutbox(*conn_, r);
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

}  // namespace

std::unique_ptr<WriteTx> NewTx(Connection* conn, std::function<void()> release) {
  return std::make_unique<SqliteTx>(conn, std::move(release));
}

}  // namespace bestand::sqlite
