#include "server/storage/sqlite/notify_rows.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace bestand::sqlite {
namespace {

constexpr char kOutboxColumns[] =
    "SELECT id, rule, key, recipient, language, subject, body_text, body_html, message_id, "
    "state, attempts, create_time, next_attempt_time, sent_time, last_error FROM outbox";

void ReadOutbox(Stmt& st, OutboxRecord* r) {
  r->id = st.Int(0);
  r->rule = static_cast<int>(st.Int(1));
  r->key = st.Text(2);
  r->recipient = st.Text(3);
  r->language = st.Text(4);
  r->subject = st.Text(5);
  r->body_text = st.Text(6);
  r->body_html = st.Text(7);
  r->message_id = st.Text(8);
  r->state = static_cast<int>(st.Int(9));
  r->attempts = static_cast<int>(st.Int(10));
  r->create_micros = st.Int(11);
  r->next_attempt_micros = st.Int(12);
  r->sent_micros = st.Int(13);
  r->last_error = st.Text(14);
}

absl::StatusOr<std::vector<OutboxRecord>> ReadAll(Stmt& st) {
  std::vector<OutboxRecord> out;
  while (true) {
    BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading the outbox"));
    if (!row) break;
    ReadOutbox(st, &out.emplace_back());
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<OutboxRecord>> ListOutbox(Connection& conn, const OutboxQuery& q) {
  std::string sql = absl::StrCat(kOutboxColumns, " WHERE 1");
  if (q.state != 0) sql += " AND state = ?1";
  if (q.before_id > 0) sql += " AND id < ?2";
  sql += " ORDER BY id DESC LIMIT ?3";
  BESTAND_ASSIGN_OR_RETURN(Stmt st, conn.Prepare(sql));
  if (q.state != 0) st.Bind(1, int64_t{q.state});
  if (q.before_id > 0) st.Bind(2, q.before_id);
  st.Bind(3, int64_t{q.limit});
  return ReadAll(st);
}

absl::StatusOr<std::vector<OutboxRecord>> DueOutbox(Connection& conn, int64_t now_micros,
                                                    int limit) {
  BESTAND_ASSIGN_OR_RETURN(Stmt st,
                           conn.Prepare(absl::StrCat(kOutboxColumns,
                                                     " WHERE state = 1 AND next_attempt_time <= ? "
                                                     "ORDER BY next_attempt_time, id LIMIT ?")));
  st.Bind(1, now_micros);
  st.Bind(2, int64_t{limit});
  return ReadAll(st);
}

absl::StatusOr<bool> OutboxHas(Connection& conn, absl::string_view key,
                               absl::string_view recipient) {
  BESTAND_ASSIGN_OR_RETURN(Stmt st,
                           conn.Prepare("SELECT 1 FROM outbox WHERE key = ? AND recipient = ?"));
  st.Bind(1, key);
  st.Bind(2, recipient);
  return st.Step("reading the outbox");
}

absl::StatusOr<int64_t> InsertOutbox(Connection& conn, const OutboxRecord& r) {
  BESTAND_ASSIGN_OR_RETURN(
      Stmt st,
      conn.Prepare("INSERT INTO outbox (rule, key, recipient, language, subject, body_text, "
                   "body_html, message_id, state, attempts, create_time, next_attempt_time, "
                   "last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (key, recipient) DO NOTHING"));
  st.Bind(1, int64_t{r.rule});
  st.Bind(2, r.key);
  st.Bind(3, r.recipient);
  st.Bind(4, r.language);
  st.Bind(5, r.subject);
  st.Bind(6, r.body_text);
  st.Bind(7, r.body_html);
  st.Bind(8, r.message_id);
  st.Bind(9, int64_t{r.state});
  st.Bind(10, int64_t{r.attempts});
  st.Bind(11, r.create_micros);
  st.Bind(12, r.next_attempt_micros);
  st.Bind(13, r.last_error);
  BESTAND_RETURN_IF_ERROR(st.Run("queuing a message"));
  if (sqlite3_changes(conn.db()) == 0) return 0;
  return sqlite3_last_insert_rowid(conn.db());
}

absl::Status UpdateOutbox(Connection& conn, const OutboxRecord& r) {
  BESTAND_ASSIGN_OR_RETURN(
      Stmt st, conn.Prepare("UPDATE outbox SET state = ?, attempts = ?, next_attempt_time = ?, "
                            "sent_time = ?, last_error = ? WHERE id = ?"));
  st.Bind(1, int64_t{r.state});
  st.Bind(2, int64_t{r.attempts});
  st.Bind(3, r.next_attempt_micros);
  if (r.sent_micros) {
    st.Bind(4, r.sent_micros);
  } else {
    st.BindNull(4);
  }
  st.Bind(5, r.last_error);
  st.Bind(6, r.id);
  return st.Run("recording a delivery attempt");
}

namespace {

constexpr char kCalendarLinkColumns[] =
    "SELECT id, person_id, secret_sha256, create_time, revoke_time FROM calendar_links";

CalendarLinkRecord ReadCalendarLink(Stmt& st) {
  CalendarLinkRecord r;
  r.id = st.Int(0);
  r.person_id = st.Int(1);
  r.secret_sha256 = st.Text(2);
  r.create_micros = st.Int(3);
  r.revoke_micros = st.Int(4);
  return r;
}

}  // namespace

absl::StatusOr<std::vector<CalendarLinkRecord>> ListCalendarLinks(Connection& conn,
                                                                  int64_t person_id) {
  BESTAND_ASSIGN_OR_RETURN(
      Stmt st, conn.Prepare(absl::StrCat(kCalendarLinkColumns,
                                         " WHERE ?1 = 0 OR person_id = ?1 ORDER BY id")));
  st.Bind(1, person_id);
  std::vector<CalendarLinkRecord> out;
  while (true) {
    BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading calendar links"));
    if (!row) return out;
    out.push_back(ReadCalendarLink(st));
  }
}

absl::StatusOr<std::optional<CalendarLinkRecord>> FindCalendarLink(Connection& conn,
                                                                   absl::string_view sha256) {
  BESTAND_ASSIGN_OR_RETURN(
      Stmt st, conn.Prepare(absl::StrCat(kCalendarLinkColumns, " WHERE secret_sha256 = ?")));
  st.Bind(1, sha256);
  BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading a calendar link"));
  if (!row) return std::nullopt;
  return ReadCalendarLink(st);
}

absl::StatusOr<int64_t> InsertCalendarLink(Connection& conn, const CalendarLinkRecord& r) {
  BESTAND_ASSIGN_OR_RETURN(
      Stmt st, conn.Prepare("INSERT INTO calendar_links (person_id, secret_sha256, create_time) "
                            "VALUES (?, ?, ?)"));
  st.Bind(1, r.person_id);
  st.Bind(2, r.secret_sha256);
  st.Bind(3, r.create_micros);
  BESTAND_RETURN_IF_ERROR(st.Run("creating a calendar link"));
  return sqlite3_last_insert_rowid(conn.db());
}

absl::StatusOr<int> RevokeCalendarLinks(Connection& conn, int64_t person_id, int64_t micros) {
  BESTAND_ASSIGN_OR_RETURN(Stmt st, conn.Prepare("UPDATE calendar_links SET revoke_time = ? "
                                                 "WHERE person_id = ? AND revoke_time IS NULL"));
  st.Bind(1, micros);
  st.Bind(2, person_id);
  BESTAND_RETURN_IF_ERROR(st.Run("revoking calendar links"));
  return sqlite3_changes(conn.db());
}

namespace {

constexpr char kWebhookColumns[] =
    "SELECT id, url_sealed, url_hint, secret_sealed, language, rules, create_time, remove_time "
    "FROM webhooks";

WebhookRecord ReadWebhook(Stmt& st) {
  WebhookRecord r;
  r.id = st.Int(0);
  r.url_sealed = st.Text(1);
  r.url_hint = st.Text(2);
  r.secret_sealed = st.Text(3);
  r.language = st.Text(4);
  for (absl::string_view part : absl::StrSplit(st.Text(5), ',', absl::SkipEmpty())) {
    int rule = 0;
    if (absl::SimpleAtoi(part, &rule)) r.rules.push_back(rule);
  }
  r.create_micros = st.Int(6);
  r.remove_micros = st.Int(7);
  return r;
}

}  // namespace

absl::StatusOr<std::optional<WebhookRecord>> GetWebhook(Connection& conn, int64_t id) {
  BESTAND_ASSIGN_OR_RETURN(Stmt st, conn.Prepare(absl::StrCat(kWebhookColumns, " WHERE id = ?")));
  st.Bind(1, id);
  BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading a webhook"));
  if (!row) return std::nullopt;
  return ReadWebhook(st);
}

absl::StatusOr<std::vector<WebhookRecord>> ListWebhooks(Connection& conn) {
  BESTAND_ASSIGN_OR_RETURN(
      Stmt st,
      conn.Prepare(absl::StrCat(kWebhookColumns, " WHERE remove_time IS NULL ORDER BY id")));
  std::vector<WebhookRecord> out;
  while (true) {
    BESTAND_ASSIGN_OR_RETURN(bool row, st.Step("reading the webhooks"));
    if (!row) return out;
    out.push_back(ReadWebhook(st));
  }
}

absl::StatusOr<int64_t> InsertWebhook(Connection& conn, const WebhookRecord& r) {
  BESTAND_ASSIGN_OR_RETURN(
      Stmt st, conn.Prepare("INSERT INTO webhooks (url_sealed, url_hint, secret_sealed, language, "
                            "rules, create_time) VALUES (?, ?, ?, ?, ?, ?)"));
  st.Bind(1, r.url_sealed);
  st.Bind(2, r.url_hint);
  st.Bind(3, r.secret_sealed);
  st.Bind(4, r.language);
  st.Bind(5, absl::StrJoin(r.rules, ","));
  st.Bind(6, r.create_micros);
  BESTAND_RETURN_IF_ERROR(st.Run("adding a webhook"));
  return sqlite3_last_insert_rowid(conn.db());
}

absl::StatusOr<bool> RemoveWebhook(Connection& conn, int64_t id, int64_t micros) {
  BESTAND_ASSIGN_OR_RETURN(
      Stmt st,
      conn.Prepare("UPDATE webhooks SET remove_time = ? WHERE id = ? AND remove_time IS NULL"));
  st.Bind(1, micros);
  st.Bind(2, id);
  BESTAND_RETURN_IF_ERROR(st.Run("removing a webhook"));
  return sqlite3_changes(conn.db()) > 0;
}

}  // namespace bestand::sqlite
