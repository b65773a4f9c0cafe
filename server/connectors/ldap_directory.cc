// LDAP v3 through libldap: Active Directory (and Samba AD) and OpenLDAP; new accounts are AD
// users or inetOrgPersons. TLS is ldaps:// or StartTLS on ldap://; the certificate must verify
// (REQUIRE_CERT demand, the host checked against it); plaintext only with allow_plaintext.
#include <crypt.h>
#include <ldap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/connectors/directories.h"

namespace bestand {
namespace {

// The ACCOUNTDISABLE bit of userAccountControl.
constexpr long kAccountDisable = 0x2;

class LdapDirectory : public Directory {
 public:
  explicit LdapDirectory(DirectoryConfig config) : c_(std::move(config)) {}
  ~LdapDirectory() override {
    if (ld_) ldap_unbind_ext_s(ld_, nullptr, nullptr);
  }

  absl::StatusOr<std::string> Check() override {
    if (absl::Status s = Connect(); !s.ok()) return s;
    return absl::StrCat("bound as ", c_.bind_dn, " to ", c_.url);
  }

  absl::StatusOr<DirectoryAccount> Find(absl::string_view username) override {
    if (absl::Status s = Connect(); !s.ok()) return s;
    const std::string v = Escape(username);
    const bool ad = c_.flavor == v1::Connection::ACTIVE_DIRECTORY;
    const std::string filter =
        ad ? absl::StrCat("(&(objectCategory=person)(objectClass=user)(|(sAMAccountName=", v,
                          ")(userPrincipalName=", v, ")(mail=", v, ")))")
           : absl::StrCat("(&(objectClass=person)(|(uid=", v, ")(mail=", v, ")))");
    std::vector<std::string> bases = {c_.base_dn};
    if (!c_.disabled_ou.empty() && !Under(c_.disabled_ou, c_.base_dn)) {
      bases.push_back(c_.disabled_ou);
    }
    const char* state_attr = ad                          ? "userAccountControl"
                             : c_.lock_attribute.empty() ? "1.1"
                                                         : c_.lock_attribute.c_str();
    std::vector<Entry> found;
    for (const std::string& base : bases) {
      absl::StatusOr<std::vector<Entry>> entries =
          Search(base, LDAP_SCOPE_SUBTREE, filter, {state_attr});
      if (!entries.ok()) return entries.status();
      found.insert(found.end(), entries->begin(), entries->end());
    }
    if (found.empty()) {
      return absl::NotFoundError(absl::StrCat("no account '", username, "' under ", c_.base_dn));
    }
    if (found.size() > 1) {
      return absl::FailedPreconditionError(
          absl::StrCat(found.size(), " accounts answer to '", username, "' (", found[0].dn, ", ",
                       found[1].dn, "); give the account its unique login name"));
    }
    DirectoryAccount a;
    a.id = found[0].dn;
    if (ad) {
      long uac = 0;
      const std::string text = found[0].First();
      if (!absl::SimpleAtoi(text, &uac)) {
        return absl::FailedPreconditionError(
            absl::StrCat(a.id, " has no readable userAccountControl ('", text, "')"));
      }
      a.enabled = (uac & kAccountDisable) == 0;
      a.state = absl::StrCat("userAccountControl ", uac);
    } else {
      std::tie(a.enabled, a.state) = OpenLdapState(a.id, found[0].values);
    }
    return a;
  }

  absl::Status Create(const NewAccount& account) override {
    if (absl::Status s = Connect(); !s.ok()) return s;
    const bool ad = c_.flavor == v1::Connection::ACTIVE_DIRECTORY;
    const bool enabled = !account.password.empty();
    // The login name must be free: Find looked for the email only.
    const std::string v = Escape(account.login);
    absl::StatusOr<std::vector<Entry>> taken = Search(
        c_.base_dn, LDAP_SCOPE_SUBTREE,
        ad ? absl::StrCat("(sAMAccountName=", v, ")") : absl::StrCat("(uid=", v, ")"), {"1.1"});
    if (!taken.ok()) return taken.status();
    if (!taken->empty()) {
      return absl::AlreadyExistsError(absl::StrCat("the login name '", account.login,
                                                   "' is taken by ", (*taken)[0].dn,
                                                   "; give the connection another login pattern"));
    }
    std::vector<std::pair<const char*, std::vector<std::string>>> attrs = {
        {"cn", {account.display_name}},
        {"sn", {account.last_name}},
        {"givenName", {account.first_name}},
        {"displayName", {account.display_name}},
        {"mail", {account.email}}};
    absl::StatusOr<std::string> dn;
    if (ad) {
      dn = Dn("CN", account.display_name, c_.users_ou);
      const std::string domain = account.email.substr(account.email.find('@') + 1);
      attrs.push_back({"objectClass", {"top", "person", "organizationalPerson", "user"}});
      attrs.push_back({"sAMAccountName", {account.login}});
      attrs.push_back({"userPrincipalName", {absl::StrCat(account.login, "@", domain)}});
      // NORMAL_ACCOUNT, with ACCOUNTDISABLE until it has a password.
      attrs.push_back({"userAccountControl", {enabled ? "512" : "514"}});
      if (enabled) {
        attrs.push_back({"unicodePwd", {AdPassword(account.password)}});
        // Changed at the first login.
        attrs.push_back({"pwdLastSet", {"0"}});
      }
    } else {
      // A disabled account lives in the disabled OU, locked (see Find).
      dn = Dn("uid", account.login,
              enabled || c_.disabled_ou.empty() ? c_.users_ou : c_.disabled_ou);
      attrs.push_back({"objectClass", {"top", "person", "organizationalPerson", "inetOrgPerson"}});
      attrs.push_back({"uid", {account.login}});
      if (!enabled && !c_.lock_attribute.empty()) {
        attrs.push_back({c_.lock_attribute.c_str(), {c_.lock_value}});
      }
      if (enabled) {
        absl::StatusOr<std::string> hash = CryptHash(account.password);
        if (!hash.ok()) return hash.status();
        attrs.push_back({"userPassword", {*hash}});
      }
    }
    if (!dn.ok()) return dn.status();
    absl::Status added = Add(*dn, attrs);
    if (ad && absl::IsAlreadyExists(added)) {
      // Someone else has the name (CN is AD's RDN): the login name tells them apart.
      const std::string cn = absl::StrCat(account.display_name, " (", account.login, ")");
      dn = Dn("CN", cn, c_.users_ou);
      if (!dn.ok()) return dn.status();
      attrs[0].second = {cn};
      added = Add(*dn, attrs);
    }
    return added;
  }

  absl::Status Disable(const DirectoryAccount& account) override {
    if (absl::Status s = Connect(); !s.ok()) return s;
    std::string dn = account.id;
    if (c_.flavor == v1::Connection::ACTIVE_DIRECTORY) {
      absl::StatusOr<long> uac = AccountControl(dn);
      if (!uac.ok()) return uac.status();
      if ((*uac & kAccountDisable) == 0) {
        std::string value = absl::StrCat(*uac | kAccountDisable);
        if (absl::Status s = Modify(dn, LDAP_MOD_REPLACE, "userAccountControl", value); !s.ok()) {
          return s;
        }
      }
    } else if (!c_.lock_attribute.empty()) {
      absl::StatusOr<bool> locked = Locked(dn);
      if (!locked.ok()) return locked.status();
      if (!*locked) {
        absl::Status s = Modify(dn, LDAP_MOD_REPLACE, c_.lock_attribute.c_str(), c_.lock_value);
        if (!s.ok()) return s;
      }
    }
    if (!c_.disabled_ou.empty() && !Under(dn, c_.disabled_ou)) return Move(dn, c_.disabled_ou);
    return absl::OkStatus();
  }

  absl::Status Enable(const DirectoryAccount& account, const std::string& password) override {
    if (absl::Status s = Connect(); !s.ok()) return s;
    const std::string& dn = account.id;
    if (c_.flavor == v1::Connection::ACTIVE_DIRECTORY) {
      // The password first: AD refuses to enable an account whose password breaks its policy.
      if (absl::Status s = Modify(dn, LDAP_MOD_REPLACE, "unicodePwd", AdPassword(password));
          !s.ok()) {
        return s;
      }
      if (absl::Status s = Modify(dn, LDAP_MOD_REPLACE, "pwdLastSet", "0"); !s.ok()) return s;
      absl::StatusOr<long> uac = AccountControl(dn);
      if (!uac.ok()) return uac.status();
      if (*uac & kAccountDisable) {
        std::string value = absl::StrCat(*uac & ~kAccountDisable);
        if (absl::Status s = Modify(dn, LDAP_MOD_REPLACE, "userAccountControl", value); !s.ok()) {
          return s;
        }
      }
    } else {
      absl::StatusOr<std::string> hash = CryptHash(password);
      if (!hash.ok()) return hash.status();
      if (absl::Status s = Modify(dn, LDAP_MOD_REPLACE, "userPassword", *hash); !s.ok()) return s;
      if (!c_.lock_attribute.empty()) {
        absl::StatusOr<bool> locked = Locked(dn);
        if (!locked.ok()) return locked.status();
        if (*locked) {
          absl::Status s = Modify(dn, LDAP_MOD_DELETE, c_.lock_attribute.c_str(), c_.lock_value);
          if (!s.ok()) return s;
        }
      }
    }
    if (!c_.disabled_ou.empty() && Under(dn, c_.disabled_ou)) return Move(dn, c_.users_ou);
    return absl::OkStatus();
  }

  absl::StatusOr<DirectoryGroup> FindGroup(absl::string_view name) override {
    if (absl::Status s = Connect(); !s.ok()) return s;
    absl::StatusOr<std::vector<Entry>> found;
    if (absl::StrContains(name, '=')) {
      found = Search(std::string(name), LDAP_SCOPE_BASE, "(objectClass=*)", {"1.1"});
      if (!found.ok() && absl::IsNotFound(found.status())) found = std::vector<Entry>{};
    } else {
      const std::string v = Escape(name);
      const std::string filter =
          c_.flavor == v1::Connection::ACTIVE_DIRECTORY
              ? absl::StrCat("(&(objectClass=group)(|(cn=", v, ")(sAMAccountName=", v, ")))")
              : absl::StrCat(
                    "(&(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))(cn=", v, "))");
      found = Search(c_.base_dn, LDAP_SCOPE_SUBTREE, filter, {"1.1"});
    }
    if (!found.ok()) return found.status();
    if (found->empty()) {
      return absl::NotFoundError(absl::StrCat("no group '", name, "' under ", c_.base_dn));
    }
    if (found->size() > 1) {
      return absl::FailedPreconditionError(absl::StrCat(found->size(), " groups are named '", name,
                                                        "'; name the grant's role by its DN"));
    }
    return DirectoryGroup{(*found)[0].dn, std::string(name)};
  }

  absl::StatusOr<bool> IsMember(const DirectoryAccount& account,
                                const DirectoryGroup& group) override {
    if (absl::Status s = Connect(); !s.ok()) return s;
    absl::StatusOr<std::vector<Entry>> found = Search(
        group.id, LDAP_SCOPE_BASE, absl::StrCat("(member=", Escape(account.id), ")"), {"1.1"});
    if (!found.ok()) return found.status();
    return !found->empty();
  }

  absl::Status AddMember(const DirectoryAccount& account, const DirectoryGroup& group) override {
    absl::StatusOr<bool> member = IsMember(account, group);
    if (!member.ok()) return member.status();
    if (*member) return absl::OkStatus();
    return Modify(group.id, LDAP_MOD_ADD, "member", account.id);
  }

  absl::Status RemoveMember(const DirectoryAccount& account, const DirectoryGroup& group) override {
    if (absl::Status s = Connect(); !s.ok()) return s;
    absl::Status s = Modify(group.id, LDAP_MOD_DELETE, "member", account.id);
    // Not a member (any more): nothing to take out.
    if (absl::IsNotFound(s)) return absl::OkStatus();
    return s;
  }

  absl::StatusOr<DirectoryListing> List() override {
    if (absl::Status s = Connect(); !s.ok()) return s;
    const bool ad = c_.flavor == v1::Connection::ACTIVE_DIRECTORY;
    // Group names by member, the DN normalised.
    std::map<std::string, std::vector<std::string>> groups_of;
    DirectoryListing out;
    absl::StatusOr<std::vector<FullEntry>> groups =
        SearchPaged(c_.base_dn,
                    ad ? "(objectClass=group)"
                       : "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
                    {"cn", "sAMAccountName", "member", "uniqueMember"});
    if (!groups.ok()) return groups.status();
    for (FullEntry& g : *groups) {
      const std::string name = g.First("cn").empty() ? g.dn : g.First("cn");
      for (const std::string& alias : {name, g.First("samaccountname"), g.dn}) {
        if (!alias.empty()) out.groups[absl::AsciiStrToLower(alias)] = name;
      }
      for (const char* attr : {"member", "uniquemember"}) {
        for (const std::string& member : g.values[attr]) groups_of[Normal(member)].push_back(name);
      }
    }
    std::vector<std::string> bases = {c_.base_dn};
    if (!c_.disabled_ou.empty() && !Under(c_.disabled_ou, c_.base_dn)) {
      bases.push_back(c_.disabled_ou);
    }
    std::vector<const char*> openldap_attrs = {"uid", "mail"};
    if (!c_.lock_attribute.empty()) openldap_attrs.push_back(c_.lock_attribute.c_str());
    for (const std::string& base : bases) {
      absl::StatusOr<std::vector<FullEntry>> users =
          ad ? SearchPaged(base, "(&(objectCategory=person)(objectClass=user))",
                           {"sAMAccountName", "userPrincipalName", "mail", "userAccountControl",
                            "lastLogonTimestamp"})
             : SearchPaged(base, "(objectClass=person)", openldap_attrs);
      if (!users.ok()) return users.status();
      for (FullEntry& u : *users) {
        ListedAccount a;
        a.id = u.dn;
        a.email = u.First("mail");
        if (ad) {
          a.username = u.First("samaccountname");
          if (!u.First("userprincipalname").empty()) {
            a.aliases.push_back(u.First("userprincipalname"));
          }
          long uac = 0;
          if (!absl::SimpleAtoi(u.First("useraccountcontrol"), &uac)) continue;  // not readable
          a.enabled = (uac & kAccountDisable) == 0;
          a.state = absl::StrCat("userAccountControl ", uac);
          // 100-nanosecond intervals since 1601-01-01 (a FILETIME); 0 when never.
          int64_t filetime = 0;
          if (absl::SimpleAtoi(u.First("lastlogontimestamp"), &filetime) && filetime > 0) {
            constexpr int64_t kUnixEpochAsFiletime = 116444736000000000;
            a.last_activity = absl::FromUnixMicros((filetime - kUnixEpochAsFiletime) / 10);
          }
        } else {
          a.username = u.First("uid").empty() ? a.email : u.First("uid");
          std::tie(a.enabled, a.state) =
              OpenLdapState(a.id, u.values[absl::AsciiStrToLower(c_.lock_attribute)]);
        }
        if (a.username.empty()) continue;  // nothing logs in with it
        if (!a.email.empty()) a.aliases.push_back(a.email);
        a.groups = groups_of[Normal(a.id)];
        out.accounts.push_back(std::move(a));
        if (out.accounts.size() > kMaxListedAccounts) {
          return absl::ResourceExhaustedError(absl::StrCat(
              c_.url, " lists more than ", kMaxListedAccounts, " accounts under ", base));
        }
      }
    }
    return out;
  }

 private:
  struct Entry {
    std::string dn;
    std::vector<std::string> values;  // of the one attribute asked for
    std::string First() const { return values.empty() ? "" : values[0]; }
  };

  // Whether the OpenLDAP entry `dn` with `lock` (its lock attribute's values) is enabled —
  // outside the disabled OU and without the lock value, as far as the connection uses either —
  // and the values that say so.
  std::pair<bool, std::string> OpenLdapState(const std::string& dn,
                                             const std::vector<std::string>& lock) const {
    bool enabled = true;
    std::vector<std::string> state;
    if (!c_.disabled_ou.empty()) {
      const bool moved = Under(dn, c_.disabled_ou);
      enabled = !moved;
      state.push_back(moved ? absl::StrCat("in ", c_.disabled_ou) : "outside the disabled OU");
    }
    if (!c_.lock_attribute.empty()) {
      const bool locked = IsLockValue(lock);
      enabled = enabled && !locked;
      state.push_back(
          absl::StrCat(locked ? "" : "without ", c_.lock_attribute, "=", c_.lock_value));
    }
    return {enabled, absl::StrJoin(state, ", ")};
  }
  bool IsLockValue(const std::vector<std::string>& values) const {
    for (const std::string& v : values) {
      if (absl::EqualsIgnoreCase(v, c_.lock_value)) return true;
    }
    return false;
  }
  // AD: the userAccountControl of the entry `dn`.
  absl::StatusOr<long> AccountControl(const std::string& dn) {
    absl::StatusOr<std::vector<Entry>> e =
        Search(dn, LDAP_SCOPE_BASE, "(objectClass=*)", {"userAccountControl"});
    if (!e.ok()) return e.status();
    long uac = 0;
    if (e->size() != 1 || !absl::SimpleAtoi((*e)[0].First(), &uac)) {
      return absl::FailedPreconditionError(absl::StrCat(dn, " has no userAccountControl"));
    }
    return uac;
  }

  // True when the entry `dn` holds the lock value.
  absl::StatusOr<bool> Locked(const std::string& dn) {
    absl::StatusOr<std::vector<Entry>> e =
        Search(dn, LDAP_SCOPE_BASE, "(objectClass=*)", {c_.lock_attribute.c_str()});
    if (!e.ok()) return e.status();
    return !e->empty() && IsLockValue((*e)[0].values);
  }

  // Moves the entry `dn` below `parent`, keeping its RDN.
  absl::Status Move(const std::string& dn, const std::string& parent) {
    char** rdns = ldap_explode_dn(dn.c_str(), 0);
    if (rdns == nullptr || rdns[0] == nullptr) {
      ldap_memvfree(reinterpret_cast<void**>(rdns));
      return absl::InvalidArgumentError(absl::StrCat("'", dn, "' is no DN"));
    }
    const std::string rdn = rdns[0];
    ldap_memvfree(reinterpret_cast<void**>(rdns));
    const int rc = ldap_rename_s(ld_, dn.c_str(), rdn.c_str(), parent.c_str(), 1, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) return Error(rc, absl::StrCat("moving ", dn, " to ", parent));
    return absl::OkStatus();
  }

  // `password` as unicodePwd takes it: in double quotes, UTF-16LE (MS-ADTS 3.1.1.3.1.5); it is
  // ASCII.
  static std::string AdPassword(const std::string& password) {
    std::string quoted;
    for (char ch : absl::StrCat("\"", password, "\"")) {
      quoted += ch;
      quoted += '\0';
    }
    return quoted;
  }

  absl::Status Connect() {
    if (ld_) return absl::OkStatus();
    LDAP* ld = nullptr;
    if (ldap_initialize(&ld, c_.url.c_str()) != LDAP_SUCCESS || ld == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("'", c_.url, "' is no LDAP URL"));
    }
    ld_ = ld;
    const int version = LDAP_VERSION3;
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    timeval tv{static_cast<time_t>(absl::ToInt64Seconds(c_.timeout)), 0};
    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
    const int demand = LDAP_OPT_X_TLS_DEMAND;
    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    // libldap reads the authorities from a file: the connection's own CA with the system's,
    // written aside for as long as the TLS context is made.
    std::string ca_file;
    if (!c_.ca_pem.empty()) {
      char path[] = "/tmp/bestand-ldap-ca-XXXXXX";
      const int fd = mkstemp(path);
      if (fd < 0) return absl::InternalError("cannot write the CA certificate aside");
      const std::string roots = TrustedRoots(c_.ca_pem);
      const bool written = write(fd, roots.data(), roots.size()) == ssize_t(roots.size());
      close(fd);
      ca_file = path;
      if (!written) {
        unlink(path);
        return absl::InternalError("cannot write the CA certificate aside");
      }
      ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, ca_file.c_str());
    }
    const int server = 0;
    const int ctx = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &server);
    if (!ca_file.empty()) unlink(ca_file.c_str());
    if (ctx != LDAP_OPT_SUCCESS) {
      return absl::InvalidArgumentError("the CA certificate does not load into TLS");
    }
    if (absl::StartsWith(c_.url, "ldap://") && !c_.allow_plaintext) {
      const int rc = ldap_start_tls_s(ld, nullptr, nullptr);
      if (rc != LDAP_SUCCESS) return Error(rc, "StartTLS");
    }
    berval cred{static_cast<ber_len_t>(c_.secret.size()), c_.secret.data()};
    const int rc = ldap_sasl_bind_s(ld, c_.bind_dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr,
                                    nullptr, nullptr);
    if (rc != LDAP_SUCCESS) {
      absl::Status s = Error(rc, absl::StrCat("binding as ", c_.bind_dn));
      ldap_unbind_ext_s(ld_, nullptr, nullptr);
      ld_ = nullptr;
      return s;
    }
    return absl::OkStatus();
  }

  // `rc` as a status: what was done, libldap's words and the server's diagnostic.
  absl::Status Error(int rc, absl::string_view doing) {
    char* diag = nullptr;
    if (ld_) ldap_get_option(ld_, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
    std::string text = absl::StrCat(doing, " at ", c_.url, ": ", ldap_err2string(rc));
    // libldap's own placeholder when the server said nothing says nothing either.
    if (diag && *diag && std::string(diag) != "(unknown error code)") {
      absl::StrAppend(&text, " (", diag, ")");
    }
    if (diag) ldap_memfree(diag);
    switch (rc) {
      case LDAP_SERVER_DOWN:
      case LDAP_CONNECT_ERROR:
      case LDAP_TIMEOUT:
      case LDAP_UNAVAILABLE:
      case LDAP_BUSY:
        return absl::UnavailableError(absl::StrCat(
            text, "; the server is down, or its certificate is not trusted (give its CA)"));
      case LDAP_INVALID_CREDENTIALS:
      case LDAP_INAPPROPRIATE_AUTH:
        return absl::UnauthenticatedError(absl::StrCat(text, "; check the bind DN and password"));
      case LDAP_INSUFFICIENT_ACCESS:
      case LDAP_STRONG_AUTH_REQUIRED:
      case LDAP_CONFIDENTIALITY_REQUIRED:
        return absl::PermissionDeniedError(text);
      case LDAP_NO_SUCH_OBJECT:
      case LDAP_NO_SUCH_ATTRIBUTE:
        return absl::NotFoundError(text);
      default:
        return absl::FailedPreconditionError(text);
    }
  }

  absl::StatusOr<std::vector<Entry>> Search(const std::string& base, int scope,
                                            const std::string& filter,
                                            std::vector<const char*> attrs) {
    attrs.push_back(nullptr);
    timeval tv{static_cast<time_t>(absl::ToInt64Seconds(c_.timeout)), 0};
    LDAPMessage* res = nullptr;
    const int rc = ldap_search_ext_s(ld_, base.c_str(), scope, filter.c_str(),
                                     const_cast<char**>(attrs.data()), 0, nullptr, nullptr, &tv,
                                     kMaxEntries, &res);
    std::vector<Entry> out;
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
      if (res) ldap_msgfree(res);
      return Error(rc, absl::StrCat("searching ", base));
    }
    for (LDAPMessage* e = ldap_first_entry(ld_, res); e; e = ldap_next_entry(ld_, e)) {
      Entry entry;
      if (char* dn = ldap_get_dn(ld_, e)) {
        entry.dn = dn;
        ldap_memfree(dn);
      }
      if (attrs[0] && std::string(attrs[0]) != "1.1") {
        if (berval** values = ldap_get_values_len(ld_, e, attrs[0])) {
          for (size_t v = 0; values[v]; ++v) {
            entry.values.emplace_back(values[v]->bv_val, values[v]->bv_len);
          }
          ldap_value_free_len(values);
        }
      }
      out.push_back(std::move(entry));
    }
    ldap_msgfree(res);
    return out;
  }

  // An entry with every value of the attributes asked for, by lower-case name.
  struct FullEntry {
    std::string dn;
    std::map<std::string, std::vector<std::string>> values;
    std::string First(const std::string& attr) const {
      auto it = values.find(attr);
      return it == values.end() || it->second.empty() ? "" : it->second[0];
    }
  };

  // Every entry below `base` that `filter` matches, fetched in pages (RFC 2696; a server
  // without paging answers at once). RESOURCE_EXHAUSTED beyond kMaxListedAccounts entries.
  absl::StatusOr<std::vector<FullEntry>> SearchPaged(const std::string& base,
                                                     const std::string& filter,
                                                     std::vector<const char*> attrs) {
    attrs.push_back(nullptr);
    timeval tv{static_cast<time_t>(absl::ToInt64Seconds(c_.timeout)), 0};
    std::vector<FullEntry> out;
    berval cookie{0, nullptr};
    do {
      LDAPControl* page = nullptr;
      int rc = ldap_create_page_control(ld_, kPageSize, &cookie, 0, &page);
      ber_memfree(cookie.bv_val);
      cookie = berval{0, nullptr};
      if (rc != LDAP_SUCCESS) return Error(rc, "asking for pages");
      LDAPControl* controls[] = {page, nullptr};
      LDAPMessage* res = nullptr;
      rc = ldap_search_ext_s(ld_, base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(),
                             const_cast<char**>(attrs.data()), 0, controls, nullptr, &tv,
                             LDAP_NO_LIMIT, &res);
      ldap_control_free(page);
      if (rc != LDAP_SUCCESS) {
        if (res) ldap_msgfree(res);
        return Error(rc, absl::StrCat("listing ", base));
      }
      for (LDAPMessage* e = ldap_first_entry(ld_, res); e; e = ldap_next_entry(ld_, e)) {
        FullEntry entry;
        if (char* dn = ldap_get_dn(ld_, e)) {
          entry.dn = dn;
          ldap_memfree(dn);
        }
        for (size_t i = 0; attrs[i]; ++i) {
          berval** values = ldap_get_values_len(ld_, e, attrs[i]);
          if (values == nullptr) continue;
          std::vector<std::string>& into = entry.values[absl::AsciiStrToLower(attrs[i])];
          for (size_t v = 0; values[v]; ++v)
            into.emplace_back(values[v]->bv_val, values[v]->bv_len);
          ldap_value_free_len(values);
        }
        out.push_back(std::move(entry));
      }
      LDAPControl** answered = nullptr;
      int result = LDAP_SUCCESS;
      rc = ldap_parse_result(ld_, res, &result, nullptr, nullptr, nullptr, &answered, 1);
      if (rc == LDAP_SUCCESS && answered) {
        if (LDAPControl* next = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, answered, nullptr)) {
          ber_int_t estimate = 0;
          if (ldap_parse_pageresponse_control(ld_, next, &estimate, &cookie) != LDAP_SUCCESS) {
            cookie = berval{0, nullptr};
          }
        }
      }
      if (answered) ldap_controls_free(answered);
      if (out.size() > kMaxListedAccounts) {
        ber_memfree(cookie.bv_val);
        return absl::ResourceExhaustedError(
            absl::StrCat(c_.url, " lists more than ", kMaxListedAccounts, " entries under ", base));
      }
    } while (cookie.bv_len > 0);
    ber_memfree(cookie.bv_val);
    return out;
  }

  absl::Status Modify(const std::string& dn, int op, const char* attr, std::string value) {
    berval bv{static_cast<ber_len_t>(value.size()), value.data()};
    berval* values[] = {&bv, nullptr};
    LDAPMod mod{};
    mod.mod_op = op | LDAP_MOD_BVALUES;
    mod.mod_type = const_cast<char*>(attr);
    mod.mod_bvalues = values;
    LDAPMod* mods[] = {&mod, nullptr};
    const int rc = ldap_modify_ext_s(ld_, dn.c_str(), mods, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) return Error(rc, absl::StrCat("changing ", attr, " of ", dn));
    return absl::OkStatus();
  }

  absl::Status Add(const std::string& dn,
                   const std::vector<std::pair<const char*, std::vector<std::string>>>& attrs) {
    std::vector<std::vector<berval>> values(attrs.size());
    std::vector<std::vector<berval*>> pointers(attrs.size());
    std::vector<LDAPMod> mods(attrs.size());
    std::vector<LDAPMod*> list;
    for (size_t i = 0; i < attrs.size(); ++i) {
      for (const std::string& v : attrs[i].second) {
        values[i].push_back(berval{static_cast<ber_len_t>(v.size()), const_cast<char*>(v.data())});
      }
      for (berval& bv : values[i]) pointers[i].push_back(&bv);
      pointers[i].push_back(nullptr);
      mods[i].mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES;
      mods[i].mod_type = const_cast<char*>(attrs[i].first);
      mods[i].mod_bvalues = pointers[i].data();
      list.push_back(&mods[i]);
    }
    list.push_back(nullptr);
    const int rc = ldap_add_ext_s(ld_, dn.c_str(), list.data(), nullptr, nullptr);
    if (rc == LDAP_ALREADY_EXISTS) {
      return absl::AlreadyExistsError(absl::StrCat(dn, " exists already at ", c_.url));
    }
    if (rc != LDAP_SUCCESS) return Error(rc, absl::StrCat("creating ", dn));
    return absl::OkStatus();
  }

  // The DN `attr`=`value`,`parent`, the value escaped by libldap (RFC 4514).
  static absl::StatusOr<std::string> Dn(const char* attr, const std::string& value,
                                        const std::string& parent) {
    LDAPAVA ava{};
    ava.la_attr = berval{static_cast<ber_len_t>(strlen(attr)), const_cast<char*>(attr)};
    ava.la_value = berval{static_cast<ber_len_t>(value.size()), const_cast<char*>(value.data())};
    ava.la_flags = LDAP_AVA_STRING;
    LDAPAVA* rdn[] = {&ava, nullptr};
    berval out{};
    if (ldap_rdn2bv(rdn, &out, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || out.bv_val == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("'", value, "' does not make a DN"));
    }
    std::string dn = absl::StrCat(absl::string_view(out.bv_val, out.bv_len), ",", parent);
    ber_memfree(out.bv_val);
    return dn;
  }

  // `password` hashed for userPassword: {CRYPT} with SHA-512 crypt and a random salt.
  static absl::StatusOr<std::string> CryptHash(const std::string& password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (crypt_gensalt_rn("$6$", 0, nullptr, 0, salt, sizeof salt) == nullptr) {
      return absl::InternalError("cannot draw a salt for the password");
    }
    crypt_data data{};
    const char* hash = crypt_r(password.c_str(), salt, &data);
    if (hash == nullptr || hash[0] == '*') {
      return absl::InternalError("cannot hash the password");
    }
    return absl::StrCat("{CRYPT}", hash);
  }

  // `value` escaped for a search filter (RFC 4515).
  static std::string Escape(absl::string_view value) {
    std::string out;
    for (unsigned char ch : value) {
      if (ch == '*' || ch == '(' || ch == ')' || ch == '\\' || ch == 0) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "\\%02x", ch);
        out += buf;
      } else {
        out += static_cast<char>(ch);
      }
    }
    return out;
  }

  // True when `dn` is `parent` or below it (compared normalised, ignoring case).
  static bool Under(const std::string& dn, const std::string& parent) {
    const std::string d = Normal(dn), p = Normal(parent);
    return d == p ||
           (d.size() > p.size() && absl::EndsWith(d, p) && d[d.size() - p.size() - 1] == ',');
  }
  static std::string Normal(const std::string& dn) {
    char* out = nullptr;
    std::string n = dn;
    if (ldap_dn_normalize(dn.c_str(), LDAP_DN_FORMAT_LDAPV3, &out, LDAP_DN_FORMAT_LDAPV3) ==
            LDAP_SUCCESS &&
        out) {
      n = out;
    }
    if (out) ldap_memfree(out);
    return absl::AsciiStrToLower(n);
  }

  // Searches never need more: one account, one group.
  static constexpr int kMaxEntries = 10;
  // Entries per page of a listing (AD answers at most 1,000).
  static constexpr ber_int_t kPageSize = 500;

  DirectoryConfig c_;
  LDAP* ld_ = nullptr;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Directory>> OpenLdapDirectory(const DirectoryConfig& config) {
  if (config.protocol != v1::Connection::LDAP) {
    return absl::InvalidArgumentError("not an LDAP connection");
  }
  return std::make_unique<LdapDirectory>(config);
}

}  // namespace bestand
