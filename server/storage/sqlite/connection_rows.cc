#include "server/storage/sqlite/connection_rows.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace bestand::sqlite {
namespace {

constexpr char kConnectionColumns[] =
    "SELECT application_id, protocol, url, flavor, bind_dn, base_dn, disabled_ou, ca_pem, "
    "allow_plaintext, secret_sealed, update_time, users_ou, login_pattern, lock_attribute FROM "
    "connections";

ConnectionRecord ReadConnection(Stmt& st) {
  ConnectionRecord r;
  r.application_id = st.Int(0);
  r.protocol = static_cast<int>(st.Int(1));
  r.url = st.Text(2);
  r.flavor = static_cast<int>(st.Int(3));
  r.bind_dn = st.Text(4);
  r.base_dn = st.Text(5);
  r.disabled_ou = st.Text(6);
  r.ca_pem = st.Text(7);
  r.allow_plaintext = st.Int(8) != 0;
  r.secret_sealed = st.Text(9);
  r.update_micros = st.Int(10);
  r.users_ou = st.Text(11);
  r.login_pattern = st.Text(12);
  r.lock_attribute = st.Text(13);
  return r;
}

}  // namespace

absl::StatusOr<std::optional<ConnectionRecord>> GetConnection(Connection& conn,
                                                              int64_t application_id) {
  BESTAND_ASSIGN_OR_RETURN(
      Stmt st, conn.Prepare(absl::StrCat(kConnectionColumns, " WHERE application_id = ?")));
  st.Bind(1, application_id);
  BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading a connection"));
  if (!row) return std::nullopt;
  return ReadConnection(st);
}

absl::StatusOr<std::vector<ConnectionRecord>> ListConnections(Connection& conn) {
  BESTAND_ASSIGN_OR_RETURN(
      Stmt st, conn.Prepare(absl::StrCat(kConnectionColumns, " ORDER BY application_id")));
  std::vector<ConnectionRecord> out;
  while (true) {
    BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading the connections"));
    if (!row) return out;
    out.push_back(ReadConnection(st));
  }
}

absl::Status PutConnection(Connection& conn, const ConnectionRecord& r) {
  BESTAND_ASSIGN_OR_RETURN(
      Stmt st,
      conn.Prepare(
          "INSERT OR REPLACE INTO connections (application_id, protocol, url, "
          "flavor, bind_dn, base_dn, disabled_ou, ca_pem, allow_plaintext, "
          "secret_sealed, update_time, users_ou, login_pattern, lock_attribute) VALUES (?, ?, ?, "
          "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, r.application_id);
  st.Bind(2, int64_t{r.protocol});
  st.Bind(3, r.url);
  st.Bind(4, int64_t{r.flavor});
  st.Bind(5, r.bind_dn);
  st.Bind(6, r.base_dn);
  st.Bind(7, r.disabled_ou);
  st.Bind(8, r.ca_pem);
  st.Bind(9, int64_t{r.allow_plaintext ? 1 : 0});
  st.Bind(10, r.secret_sealed);
  st.Bind(11, r.update_micros);
  st.Bind(12, r.users_ou);
  st.Bind(13, r.login_pattern);
  st.Bind(14, r.lock_attribute);
  return st.Run("storing a connection");
}

absl::StatusOr<bool> DeleteConnection(Connection& conn, int64_t application_id) {
  BESTAND_ASSIGN_OR_RETURN(Stmt st,
                           conn.Prepare("DELETE FROM connections WHERE application_id = ?"));
  st.Bind(1, application_id);
  BESTAND_RETURN_IF_ERROR(st.Run("removing a connection"));
  return sqlite3_changes(conn.db()) > 0;
}

absl::StatusOr<std::optional<ConnectorRunRecord>> GetConnectorRun(Connection& conn,
                                                                  int64_t task_id) {
  BESTAND_ASSIGN_OR_RETURN(
      Stmt st, conn.Prepare("SELECT task_id, attempts, next_attempt_time FROM connector_runs "
                            "WHERE task_id = ?"));
  st.Bind(1, task_id);
  BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading a connector run"));
  if (!row) return std::nullopt;
  return ConnectorRunRecord{st.Int(0), static_cast<int>(st.Int(1)), st.Int(2)};
}

absl::Status PutConnectorRun(Connection& conn, const ConnectorRunRecord& r) {
  BESTAND_ASSIGN_OR_RETURN(Stmt st,
                           conn.Prepare("INSERT OR REPLACE INTO connector_runs (task_id, attempts, "
                                        "next_attempt_time) VALUES (?, ?, ?)"));
  st.Bind(1, r.task_id);
  st.Bind(2, int64_t{r.attempts});
  st.Bind(3, r.next_attempt_micros);
  return st.Run("recording a connector run");
}

absl::Status DeleteConnectorRun(Connection& conn, int64_t task_id) {
  BESTAND_ASSIGN_OR_RETURN(Stmt st, conn.Prepare("DELETE FROM connector_runs WHERE task_id = ?"));
  st.Bind(1, task_id);
  return st.Run("clearing a connector run");
}

}  // namespace bestand::sqlite
