// The narrow storage interface. Everything above it is free of SQL; an implementation maps
// resources (protobuf messages described by model/resources.h) onto its tables.
//
// Thread safety: a Store is shared by all threads. Each transaction object belongs to one thread.
// Many read transactions may run at once; write transactions are serialised (one writer).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bestand/v1/audit.pb.h"
#include "bestand/v1/auth.pb.h"
#include "common/resources.h"
#include "google/protobuf/message.h"

namespace bestand {

// A value to compare a field with. References are compared by id (int64), enums and bools by
// number, strings as text.
using FieldValue = std::variant<int64_t, std::string>;

struct FieldEquals {
  std::string field;
  FieldValue value;
};

struct ListQuery {
  // All must match.
  std::vector<FieldEquals> equals;
  // And each field below, or above, the value.
  std::vector<FieldEquals> below, above;
  // Case-insensitive substring over the kind's search fields; empty matches all.
  std::string search;
  // Only ids greater than this (keyset paging); results are ordered by id.
  int64_t after_id = 0;
  // Maximum rows; 0 means no limit.
  int limit = 0;
};

// A stored API token. `secret_sha256` is the hex SHA-256 of the secret; the secret itself is never
// stored.
struct TokenRecord {
  int64_t id = 0;
  std::string display_name;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  std::string secret_sha256;
  int64_t create_micros = 0;
  int64_t revoke_micros = 0;
  int64_t last_used_micros = 0;
  int64_t vendor_id = 0;      // VENDOR tokens only
  int64_t expire_micros = 0;  // 0: never
  bool sign_in_link = false;  // the secret works once, in the web interface's link
};

struct AuditQuery {
  // Exact resource name, or a collection prefix ("people" matches "people/..."); empty = all.
  std::string resource;
  std::string actor;
  // Only events with a sequence below this (paging newest first); 0 = from the newest.
  int64_t before_sequence = 0;
  int limit = 100;
};

// An enrolled agent: the certificate bound to a device and what it last sent.
struct AgentRecord {
  int64_t device_id = 0;
  std::string cert_serial;
  std::string previous_cert_serial;  // the one before a renewal, valid until it expires
  int64_t enroll_micros = 0;
  int64_t revoke_micros = 0;
  int64_t last_seen_micros = 0;
  int64_t last_report_micros = 0;
  std::string report_hash;
  // Serialized InventoryReport without its software list.
  std::string facts;
  // Seals (see core/seal.h): over all of the above but last_seen_micros, and over that alone.
  std::string seal, seen_seal;
  // When the current certificate expires (0: unknown). A copy of what the certificate itself
  // says, for reminders; outside the seal, which predates it.
  int64_t cert_expire_micros = 0;
};

// What a GLPI, FusionInventory or OCS agent last sent for a device (reports and imports of
// inventories; Bestand's own agents keep theirs in AgentRecord).
struct ImportedFactsRecord {
  int64_t device_id = 0;
  int64_t report_micros = 0;
  // Serialized InventoryReport without its software list.
  std::string facts;
};

struct EnrollmentTokenRecord {
  int64_t id = 0;
  std::string display_name;
  std::string secret_sha256;
  int32_t max_uses = 0;
  int32_t uses = 0;
  int64_t expire_micros = 0;
  int64_t create_micros = 0;
  int64_t revoke_micros = 0;
  int64_t device_id = 0;  // the one device an enrollment with it joins; 0: a new device
};

// A distinct installed package (shared by every device that has exactly it).
struct PackageRecord {
  int64_t id = 0;
  std::string source, name, architecture, version, publisher;
};

// A device's software set: parallel arrays sorted by package id.
struct DeviceSoftwareRecord {
  std::vector<int64_t> package_ids;
  std::vector<int64_t> install_micros;     // 0 when the source does not record it
  std::vector<int64_t> first_seen_micros;  // when Bestand first saw it on this device
  // The head of the chain over the device's software events, and the seal over all of this
  // (see core/seal.h).
  std::string events_head, seal;
};

struct SoftwareEventRecord {
  int64_t id = 0;
  int64_t device_id = 0;
  int64_t micros = 0;
  int kind = 0;  // v1::SoftwareChange::Kind
  int64_t package_id = 0;
  int64_t previous_package_id = 0;  // 0 = none
};

// A message in the outbox (proto/bestand/v1/notify.proto, Notification). (key, recipient) is
// unique: a message is queued once.
struct OutboxRecord {
  int64_t id = 0;
  int rule = 0;  // v1::NotificationRule
  std::string key, recipient, language, subject, body_text, body_html, message_id;
  int state = 0;  // v1::Notification::State
  int attempts = 0;
  int64_t create_micros = 0;
  int64_t next_attempt_micros = 0;
  int64_t sent_micros = 0;  // 0: not sent
  std::string last_error;
};

// A secret calendar URL of a person (core/notify/calendar.h); only the secret's hash is stored.
struct CalendarLinkRecord {
  int64_t id = 0;
  int64_t person_id = 0;
  std::string secret_sha256;
  int64_t create_micros = 0;
  int64_t revoke_micros = 0;  // 0: valid
};

// A chat webhook (core/notify/webhooks.h). URL and signing secret are sealed (common/secret_box.h);
// `url_hint` is what may be shown of the URL.
struct WebhookRecord {
  int64_t id = 0;
  std::string url_sealed, url_hint, secret_sealed, language;
  std::vector<int> rules;  // v1::NotificationRule; empty: the default set
  int64_t create_micros = 0;
  int64_t remove_micros = 0;  // 0: active
};

// An application's connector (core/connectors/connections.h). The secret is sealed
// (common/secret_box.h); `protocol` and `flavor` are v1::Connection's enums.
struct ConnectionRecord {
  int64_t application_id = 0;
  int protocol = 0;
  std::string url;
  int flavor = 0;
  std::string bind_dn, base_dn, disabled_ou, ca_pem;
  bool allow_plaintext = false;
  std::string users_ou, login_pattern, lock_attribute;
  std::string secret_sealed;
  int64_t update_micros = 0;
};

// How often a connector failed at a task and when it tries again; no record: never failed.
struct ConnectorRunRecord {
  int64_t task_id = 0;
  int attempts = 0;
  int64_t next_attempt_micros = 0;
};

struct OutboxQuery {
  int state = 0;  // 0: any
  // Only ids below this (paging newest first); 0 = from the newest.
  int64_t before_id = 0;
  int limit = 100;
};

class ReadTx {
 public:
  virtual ~ReadTx() = default;

  // Reads resource `id` into `out` (all fields, references as resource names).
  // Returns false when it does not exist.
  virtual absl::StatusOr<bool> Get(Kind kind, int64_t id, google::protobuf::Message* out) = 0;
  // The id of the resource whose `fields` equal `values` (a natural key), if any.
  // Text comparison is case-insensitive.
  virtual absl::StatusOr<std::optional<int64_t>> FindId(Kind kind,
                                                        const std::vector<FieldEquals>& key) = 0;
  // Calls `fn` for each matching resource in id order; stops at the first error it returns.
  virtual absl::Status List(
      Kind kind, const ListQuery& query,
      const std::function<absl::Status(int64_t id, const google::protobuf::Message&)>& fn) = 0;
  virtual absl::StatusOr<int64_t> Count(Kind kind, const std::vector<FieldEquals>& equals) = 0;

  // Audit events matching `query`, newest first.
  virtual absl::StatusOr<std::vector<v1::AuditEvent>> ListAudit(const AuditQuery& query) = 0;
  // Every audit event in sequence order.
  virtual absl::Status ScanAudit(const std::function<absl::Status(const v1::AuditEvent&)>& fn) = 0;
  // The newest audit event, if any.
  virtual absl::StatusOr<std::optional<v1::AuditEvent>> LastAudit() = 0;

  virtual absl::StatusOr<std::vector<TokenRecord>> ListTokens() = 0;

  // A named setting's stored value (the core keeps its format), if any.
  virtual absl::StatusOr<std::optional<std::string>> GetSetting(absl::string_view name) = 0;

  // Agents and software.
  virtual absl::StatusOr<std::optional<AgentRecord>> GetAgent(int64_t device_id) = 0;
  virtual absl::Status ListAgents(const std::function<absl::Status(const AgentRecord&)>& fn) = 0;
  virtual absl::StatusOr<std::optional<ImportedFactsRecord>> GetImportedFacts(
      int64_t device_id) = 0;
  virtual absl::Status ListImportedFacts(
      const std::function<absl::Status(const ImportedFactsRecord&)>& fn) = 0;
  virtual absl::StatusOr<std::vector<EnrollmentTokenRecord>> ListEnrollmentTokens() = 0;
  virtual absl::StatusOr<std::optional<DeviceSoftwareRecord>> GetDeviceSoftware(
      int64_t device_id) = 0;
  virtual absl::Status ScanDeviceSoftware(
      const std::function<absl::Status(int64_t device_id, const DeviceSoftwareRecord&)>& fn) = 0;
  // The packages with these ids (unknown ids are skipped).
  virtual absl::StatusOr<std::vector<PackageRecord>> GetPackages(
      const std::vector<int64_t>& ids) = 0;
  // Every package, in no particular order.
  virtual absl::Status ScanPackages(
      const std::function<absl::Status(const PackageRecord&)>& fn) = 0;
  // Packages whose name contains `name_substring` (case-insensitive), ordered by name.
  virtual absl::StatusOr<std::vector<PackageRecord>> FindPackages(
      const std::string& name_substring) = 0;
  // Every software event, by device and then in the order they were recorded.
  virtual absl::Status ScanSoftwareEvents(
      const std::function<absl::Status(const SoftwareEventRecord&)>& fn) = 0;
  // A device's software events, newest first, with ids below `before_id` (0 = from the newest).
  virtual absl::StatusOr<std::vector<SoftwareEventRecord>> ListSoftwareEvents(int64_t device_id,
                                                                              int64_t before_id,
                                                                              int limit) = 0;

  // Outbox messages matching `query`, newest first.
  virtual absl::StatusOr<std::vector<OutboxRecord>> ListOutbox(const OutboxQuery& query) = 0;
  // Pending messages whose next attempt is due at `now_micros`, oldest attempt first.
  virtual absl::StatusOr<std::vector<OutboxRecord>> DueOutbox(int64_t now_micros, int limit) = 0;
  // Whether a message with this key and recipient was ever queued.
  virtual absl::StatusOr<bool> OutboxHas(absl::string_view key, absl::string_view recipient) = 0;
  // The calendar link whose secret has this hash, revoked or not.
  // The webhook `id`, removed or not.
  virtual absl::StatusOr<std::optional<WebhookRecord>> GetWebhook(int64_t id) = 0;
  // The webhooks not removed, oldest first.
  virtual absl::StatusOr<std::vector<WebhookRecord>> ListWebhooks() = 0;
  // The calendar links of `person_id` (0: of everyone), revoked ones too, oldest first.
  virtual absl::StatusOr<std::vector<CalendarLinkRecord>> ListCalendarLinks(int64_t person_id) = 0;
  virtual absl::StatusOr<std::optional<CalendarLinkRecord>> FindCalendarLink(
      absl::string_view secret_sha256) = 0;

  // The connection of application `application_id`, if any.
  virtual absl::StatusOr<std::optional<ConnectionRecord>> GetConnection(int64_t application_id) = 0;
  // Every connection, by application.
  virtual absl::StatusOr<std::vector<ConnectionRecord>> ListConnections() = 0;
  virtual absl::StatusOr<std::optional<ConnectorRunRecord>> GetConnectorRun(int64_t task_id) = 0;
};

class WriteTx : public ReadTx {
 public:
  // Inserts `resource` (its name and computed fields are ignored) and returns the new id.
  // ALREADY_EXISTS when a unique key is taken; FAILED_PRECONDITION when a reference is dangling.
  virtual absl::StatusOr<int64_t> Insert(Kind kind, const google::protobuf::Message& resource) = 0;
  // Overwrites every stored field of resource `id`.
  virtual absl::Status Update(Kind kind, int64_t id, const google::protobuf::Message& resource) = 0;
  // FAILED_PRECONDITION while other resources refer to it.
  virtual absl::Status Delete(Kind kind, int64_t id) = 0;

  virtual absl::Status AppendAudit(const v1::AuditEvent& event) = 0;

  virtual absl::StatusOr<int64_t> InsertToken(const TokenRecord& token) = 0;
  virtual absl::Status RevokeToken(int64_t id, int64_t revoke_micros) = 0;
  virtual absl::Status TouchToken(int64_t id, int64_t last_used_micros) = 0;
  // Replaces the secret's hash of token `id` when it is still `old_sha256`; false when it is not
  // (another request replaced it first).
  virtual absl::StatusOr<bool> ReplaceTokenSecret(int64_t id, absl::string_view old_sha256,
                                                  absl::string_view new_sha256) = 0;

  virtual absl::Status PutAgent(const AgentRecord& agent) = 0;
  virtual absl::Status PutImportedFacts(const ImportedFactsRecord& facts) = 0;
  // Updates only last_seen_time and its seal (heartbeats); never moves it backwards.
  virtual absl::Status TouchAgent(int64_t device_id, int64_t last_seen_micros,
                                  absl::string_view seen_seal) = 0;
  virtual absl::StatusOr<int64_t> InsertEnrollmentToken(const EnrollmentTokenRecord& token) = 0;
  virtual absl::Status PutEnrollmentToken(const EnrollmentTokenRecord& token) = 0;
  // Stores a package and returns its new id. The store does not look for an equal package: the
  // caller keeps the index of what is stored (see PackageIndex) and asks only for new ones.
  virtual absl::StatusOr<int64_t> InsertPackage(const PackageRecord& package) = 0;
  virtual absl::Status PutDeviceSoftware(int64_t device_id, const DeviceSoftwareRecord& record) = 0;
  virtual absl::Status AppendSoftwareEvents(const std::vector<SoftwareEventRecord>& events) = 0;

  virtual absl::Status PutSetting(absl::string_view name, absl::string_view value) = 0;

  // Queues `record` (its id is ignored) and returns the new id; 0 when (key, recipient) was
  // queued before, which changes nothing.
  virtual absl::StatusOr<int64_t> InsertOutbox(const OutboxRecord& record) = 0;
  // Records an attempt's outcome: state, attempts, next_attempt, sent and last_error of
  // `record.id`.
  virtual absl::Status UpdateOutbox(const OutboxRecord& record) = 0;
  virtual absl::StatusOr<int64_t> InsertWebhook(const WebhookRecord& record) = 0;
  // False when `id` is no active webhook.
  virtual absl::StatusOr<bool> RemoveWebhook(int64_t id, int64_t remove_micros) = 0;
  virtual absl::StatusOr<int64_t> InsertCalendarLink(const CalendarLinkRecord& record) = 0;
  // Revokes every valid link of the person; returns how many.
  virtual absl::StatusOr<int> RevokeCalendarLinks(int64_t person_id, int64_t revoke_micros) = 0;

  // Inserts or replaces the connection of `record.application_id`.
  virtual absl::Status PutConnection(const ConnectionRecord& record) = 0;
  // False when the application had none.
  virtual absl::StatusOr<bool> DeleteConnection(int64_t application_id) = 0;
  virtual absl::Status PutConnectorRun(const ConnectorRunRecord& record) = 0;
  virtual absl::Status DeleteConnectorRun(int64_t task_id) = 0;

  // Runs `fn` in a savepoint: when it fails, only its changes are undone and the transaction
  // goes on.
  virtual absl::Status Nested(const std::function<absl::Status()>& fn) = 0;

  // Makes every change durable. Without Commit, destroying the transaction rolls it back.
  virtual absl::Status Commit() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual absl::StatusOr<std::unique_ptr<ReadTx>> BeginRead() = 0;
  // Blocks while another write transaction is open.
  virtual absl::StatusOr<std::unique_ptr<WriteTx>> BeginWrite() = 0;
  // UNAVAILABLE at once instead of waiting when another write transaction is open; for writes
  // that may be skipped (bookkeeping on read paths).
  virtual absl::StatusOr<std::unique_ptr<WriteTx>> TryBeginWrite() = 0;
  // Changes whenever a write transaction ends (committed or not): what was computed from the
  // store while it stays the same is still what the store holds.
  virtual uint64_t WriteGeneration() const = 0;
};

}  // namespace bestand
