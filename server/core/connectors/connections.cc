// Connectors, the first half: connecting an application, showing, testing and removing its
// connection. The second half (connector_tasks.cc) acts on tasks.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "server/core/audit.h"
#include "server/core/audited_state.h"
#include "server/core/connectors/connectors.h"
#include "server/core/connectors/new_accounts.h"
#include "server/core/inventory.h"
#include "server/core/workflow_internal.h"

namespace bestand {
namespace {

constexpr size_t kMaxUrlBytes = 2048;
constexpr size_t kMaxDnBytes = 1024;
constexpr size_t kMaxCaBytes = 64 * 1024;
constexpr size_t kMaxSecretBytes = 4096;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return FieldError(absl::StatusCode::kInvalidArgument, absl::StrCat("connection.", field), why);
}

// Checks the URL for `protocol`: its scheme, a host, a port from 1 to 65535, no user or
// password, no spaces.
absl::Status CheckUrl(v1::Connection::Protocol protocol, absl::string_view url,
                      bool allow_plaintext) {
  if (url.empty()) return Invalid("url", "is required");
  if (url.size() > kMaxUrlBytes) {
    return Invalid("url", absl::StrCat(url.size(), " characters; at most ", kMaxUrlBytes));
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Invalid("url", "contains a space or a control character");
    }
  }
  absl::string_view rest = url;
  if (protocol == v1::Connection::LDAP) {
    if (!absl::ConsumePrefix(&rest, "ldaps://") && !absl::ConsumePrefix(&rest, "ldap://")) {
      return Invalid("url", "must start with ldaps:// (or ldap://, which uses StartTLS)");
    }
  } else {
    const bool https = absl::ConsumePrefix(&rest, "https://");
    if (!https && !absl::ConsumePrefix(&rest, "http://")) {
      return Invalid("url", "must start with https://");
    }
    if (!https && !allow_plaintext) {
      return Invalid("url",
                     "must use https:// (http:// sends the token readable; allow_plaintext "
                     "permits it)");
    }
  }
  const absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (protocol == v1::Connection::LDAP && authority.size() != rest.size() &&
      rest.substr(authority.size()) != "/") {
    return Invalid("url", "an LDAP URL is the server only (give the base DN as base_dn)");
  }
  if (absl::StrContains(authority, '@')) {
    return Invalid("url", "must not carry a user or password");
  }
  absl::string_view host = authority;
  if (absl::StartsWith(host, "[")) {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty() || host == "[]") return Invalid("url", "has no host");
  if (absl::string_view port = authority.substr(host.size()); !port.empty()) {
    int number = 0;
    if (!absl::ConsumePrefix(&port, ":") || !absl::SimpleAtoi(port, &number) || number < 1 ||
        number > 65535 || port.find_first_not_of("0123456789") != absl::string_view::npos) {
      return Invalid("url", "has a port that is not a number from 1 to 65535");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckNoControl(absl::string_view field, absl::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Invalid(field, "contains a control character");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDn(absl::string_view field, const std::string& dn, bool required) {
  if (dn.empty()) return required ? Invalid(field, "is required for LDAP") : absl::OkStatus();
  if (dn.size() > kMaxDnBytes) {
    return Invalid(field, absl::StrCat(dn.size(), " characters; at most ", kMaxDnBytes));
  }
  return CheckNoControl(field, dn);
}

// ATTR=VALUE: an attribute name (RFC 4512: a letter, then letters, digits and hyphens) and a
// value without control characters; OpenLDAP only (AD disables by userAccountControl).
absl::Status CheckLockAttribute(int flavor, const std::string& lock) {
  if (lock.empty()) return absl::OkStatus();
  constexpr absl::string_view kField = "lock_attribute";
  if (flavor != v1::Connection::OPENLDAP) {
    return Invalid(kField, "is for OpenLDAP only: Active Directory disables by userAccountControl");
  }
  if (lock.size() > 256) return Invalid(kField, absl::StrCat(lock.size(), " bytes; at most 256"));
  const size_t eq = lock.find('=');
  const absl::string_view attr = absl::string_view(lock).substr(0, eq);
  if (eq == std::string::npos || eq + 1 == lock.size() || attr.empty() ||
      !absl::ascii_isalpha(attr[0])) {
    return Invalid(kField, "must be ATTRIBUTE=VALUE, e.g. pwdAccountLockedTime=000001010000Z");
  }
  for (char c : attr) {
    if (!absl::ascii_isalnum(c) && c != '-') {
      return Invalid(kField, absl::StrCat("'", attr, "' is no attribute name"));
    }
  }
  return CheckNoControl(kField, lock);
}

// `in` checked and made a record (without application and secret).
absl::StatusOr<ConnectionRecord> RecordOf(const v1::Connection& in) {
  ConnectionRecord r;
  if (in.protocol() != v1::Connection::LDAP && in.protocol() != v1::Connection::SCIM) {
    return Invalid("protocol", "must be ldap or scim");
  }
  r.protocol = in.protocol();
  BESTAND_RETURN_IF_ERROR(CheckUrl(in.protocol(), in.url(), in.allow_plaintext()));
  r.url = in.url();
  r.allow_plaintext = in.allow_plaintext();
  if (in.protocol() == v1::Connection::LDAP) {
    r.flavor = in.flavor() == v1::Connection::FLAVOR_UNSPECIFIED ? v1::Connection::ACTIVE_DIRECTORY
                                                                 : in.flavor();
    if (!v1::Connection::Flavor_IsValid(r.flavor))
      return Invalid("flavor", "must be ad or openldap");
    BESTAND_RETURN_IF_ERROR(CheckDn("bind_dn", in.bind_dn(), true));
    BESTAND_RETURN_IF_ERROR(CheckDn("base_dn", in.base_dn(), true));
    BESTAND_RETURN_IF_ERROR(CheckDn("disabled_ou", in.disabled_ou(), false));
    BESTAND_RETURN_IF_ERROR(CheckLockAttribute(r.flavor, in.lock_attribute()));
    if (r.flavor == v1::Connection::OPENLDAP && in.disabled_ou().empty() &&
        in.lock_attribute().empty()) {
      return Invalid("disabled_ou",
                     "OpenLDAP needs a disabled OU (a disabled account is moved there) or a lock "
                     "attribute (e.g. pwdAccountLockedTime=000001010000Z)");
    }
    BESTAND_RETURN_IF_ERROR(CheckDn("users_ou", in.users_ou(), false));
    if (absl::Status s = CheckLoginPattern(in.login_pattern()); !s.ok()) {
      return Invalid("login_pattern", s.message());
    }
    r.bind_dn = in.bind_dn();
    r.base_dn = in.base_dn();
    r.disabled_ou = in.disabled_ou();
    r.users_ou = in.users_ou();
    r.login_pattern = in.login_pattern();
    r.lock_attribute = in.lock_attribute();
  } else if (!in.bind_dn().empty() || !in.base_dn().empty() || !in.disabled_ou().empty() ||
             !in.users_ou().empty() || !in.login_pattern().empty() ||
             !in.lock_attribute().empty() || in.flavor() != v1::Connection::FLAVOR_UNSPECIFIED) {
    return Invalid("bind_dn",
                   "bind DN, base DN, disabled OU, users OU, login pattern, lock attribute and "
                   "flavor are for LDAP only");
  }
  if (in.ca_pem().size() > kMaxCaBytes) {
    return Invalid("ca_pem", absl::StrCat(in.ca_pem().size(), " bytes; at most ", kMaxCaBytes));
  }
  if (!in.ca_pem().empty() && !absl::StrContains(in.ca_pem(), "-----BEGIN CERTIFICATE-----")) {
    return Invalid("ca_pem", "is no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  r.ca_pem = in.ca_pem();
  if (in.secret().empty()) {
    return FieldError(absl::StatusCode::kInvalidArgument, "connection.secret",
                      in.protocol() == v1::Connection::LDAP ? "the bind password is required"
                                                            : "the bearer token is required");
  }
  if (in.secret().size() > kMaxSecretBytes) {
    return FieldError(absl::StatusCode::kInvalidArgument, "connection.secret",
                      absl::StrCat(in.secret().size(), " bytes; at most ", kMaxSecretBytes));
  }
  return r;
}

// Sealing context: a sealed secret copied to another application's row does not open there.
std::string SecretContext(int64_t application_id) {
  return absl::StrCat(ConnectionName(application_id), " secret");
}

}  // namespace

Connectors::Connectors(Store* store, Workflow* workflow, std::shared_ptr<const SecretBox> box,
                       DirectoryFactory open, absl::TimeZone zone, Clock clock)
    : store_(store),
      workflow_(workflow),
      box_(std::move(box)),
      open_(std::move(open)),
      zone_(zone),
      clock_(std::move(clock)) {}

absl::StatusOr<v1::Connection> Connectors::Connect(absl::string_view actor,
                                                   const v1::ConnectRequest& r) {
  const v1::Connection& in = r.connection();
  if (in.application().empty()) return Invalid("application", "is required");
  BESTAND_ASSIGN_OR_RETURN(ConnectionRecord record, RecordOf(in));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(record.application_id,
                           ResolveName(*tx, Kind::kApplication, in.application()));
  BESTAND_ASSIGN_OR_RETURN(record.secret_sealed,
                           box_->Seal(in.secret(), SecretContext(record.application_id)));
  record.update_micros = absl::ToUnixMicros(clock_());
  BESTAND_ASSIGN_OR_RETURN(std::optional<ConnectionRecord> before,
                           tx->GetConnection(record.application_id));
  BESTAND_RETURN_IF_ERROR(tx->PutConnection(record));
  BESTAND_RETURN_IF_ERROR(
      RecordAudit(*tx, actor, before ? "update" : "create", ConnectionName(record.application_id),
                  before ? ConnectionAuditJson(*before) : "", ConnectionAuditJson(record)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return ConnectionFromRecord(record);
}

absl::StatusOr<ConnectionRecord> Connectors::ConnectionOf(const std::string& application) const {
  if (application.empty()) {
    return FieldError(absl::StatusCode::kInvalidArgument, "application", "is required");
  }
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(int64_t app, ResolveName(*tx, Kind::kApplication, application));
  BESTAND_ASSIGN_OR_RETURN(std::optional<ConnectionRecord> record, tx->GetConnection(app));
  if (!record) {
    return absl::NotFoundError(absl::StrCat("applications/", app, " has no connection"));
  }
  return *std::move(record);
}

absl::StatusOr<v1::Connection> Connectors::Get(const v1::GetConnectionRequest& r) const {
  BESTAND_ASSIGN_OR_RETURN(ConnectionRecord record, ConnectionOf(r.application()));
  return ConnectionFromRecord(record);
}

absl::StatusOr<v1::TestConnectionResponse> Connectors::Test(
    const v1::TestConnectionRequest& r) const {
  BESTAND_ASSIGN_OR_RETURN(ConnectionRecord record, ConnectionOf(r.application()));
  BESTAND_ASSIGN_OR_RETURN(DirectoryConfig config, ConfigOf(record));
  const absl::Time start = absl::Now();
  BESTAND_ASSIGN_OR_RETURN(std::unique_ptr<Directory> directory, open_(config));
  absl::StatusOr<std::string> detail = directory->Check();
  if (!detail.ok()) {
    // The directory refused, not Bestand: no status a client reads as its own server down or
    // its own token refused.
    return absl::FailedPreconditionError(detail.status().message());
  }
  v1::TestConnectionResponse out;
  out.set_detail(*std::move(detail));
  out.set_elapsed_ms(absl::ToInt64Milliseconds(absl::Now() - start));
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> Connectors::Connected() const {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(std::vector<ConnectionRecord> connections, tx->ListConnections());
  std::map<std::string, std::string> out;
  for (const ConnectionRecord& c : connections) {
    out[NameOf(Kind::kApplication, c.application_id)] = ProtocolLabel(c.protocol);
  }
  return out;
}

absl::Status Connectors::Remove(absl::string_view actor, const v1::RemoveConnectionRequest& r) {
  if (r.application().empty()) {
    return FieldError(absl::StatusCode::kInvalidArgument, "application", "is required");
  }
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(int64_t app, ResolveName(*tx, Kind::kApplication, r.application()));
  BESTAND_ASSIGN_OR_RETURN(std::optional<ConnectionRecord> before, tx->GetConnection(app));
  if (!before) return absl::OkStatus();  // removing twice changes nothing
  BESTAND_ASSIGN_OR_RETURN(bool removed, tx->DeleteConnection(app));
  if (removed) {
    BESTAND_RETURN_IF_ERROR(
        RecordAudit(*tx, actor, "delete", ConnectionName(app), ConnectionAuditJson(*before), ""));
  }
  // Its tasks go back to the provider: no connector error is left on them, none is retried.
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Task> tasks,
                           ListAll<v1::Task>(*tx, Kind::kTask, {{"application", app}}));
  for (const v1::Task& t : tasks) {
    if (t.connector_error().empty()) continue;
    BESTAND_RETURN_IF_ERROR(SetConnectorError(*tx, actor, IdOf(t.name()), ""));
    BESTAND_RETURN_IF_ERROR(tx->DeleteConnectorRun(IdOf(t.name())));
  }
  return tx->Commit();
}

absl::StatusOr<DirectoryConfig> Connectors::ConfigOf(const ConnectionRecord& record) const {
  DirectoryConfig c;
  c.protocol = static_cast<v1::Connection::Protocol>(record.protocol);
  c.url = record.url;
  c.flavor = static_cast<v1::Connection::Flavor>(record.flavor);
  c.bind_dn = record.bind_dn;
  c.base_dn = record.base_dn;
  c.disabled_ou = record.disabled_ou;
  c.users_ou = record.users_ou.empty() ? record.base_dn : record.users_ou;
  if (const size_t eq = record.lock_attribute.find('='); eq != std::string::npos) {
    c.lock_attribute = record.lock_attribute.substr(0, eq);
    c.lock_value = record.lock_attribute.substr(eq + 1);
  }
  c.ca_pem = record.ca_pem;
  c.allow_plaintext = record.allow_plaintext;
  absl::StatusOr<std::string> secret =
      box_->Open(record.secret_sealed, SecretContext(record.application_id));
  if (!secret.ok()) {
    return absl::DataLossError(absl::StrCat(
        "the secret of ", ConnectionName(record.application_id),
        " does not open with this data directory's secrets.key; connect the application again"));
  }
  c.secret = *std::move(secret);
  return c;
}

}  // namespace bestand
