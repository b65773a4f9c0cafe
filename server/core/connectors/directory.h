// The contract every connector implements: one directory of accounts that Bestand creates and
// changes itself (an LDAP server — Active Directory, OpenLDAP —, a SCIM 2.0 service; later
// Microsoft Graph and Google's Directory API). The core decides what to change and checks each
// change by reading it back; an implementation only speaks its protocol (server/connectors/).
//
// Thread safety: a Directory is used by one thread at a time; a factory from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bestand/v1/connect.pb.h"

namespace bestand {

// Where a directory is and how Bestand authenticates there (v1::Connection with its secret
// opened).
struct DirectoryConfig {
  v1::Connection::Protocol protocol = v1::Connection::PROTOCOL_UNSPECIFIED;
  std::string url;
  v1::Connection::Flavor flavor = v1::Connection::ACTIVE_DIRECTORY;
  std::string bind_dn, base_dn, disabled_ou;
  // OpenLDAP: the attribute set to lock_value on a disabled account (empty: none).
  std::string lock_attribute, lock_value;
  // LDAP: where new accounts go (the base DN unless the connection names another).
  std::string users_ou;
  // Trusted besides the system's certificate authorities; empty: the system's only.
  std::string ca_pem;
  bool allow_plaintext = false;
  std::string secret;
  // For connecting and for each request.
  absl::Duration timeout = absl::Seconds(10);
};

// An account as the directory has it.
struct DirectoryAccount {
  // What the directory identifies it by: the DN, the SCIM id.
  std::string id;
  bool enabled = false;
  // The values that say whether it is enabled, as the directory shows them
  // ("userAccountControl=512", "active=true", "in ou=people,dc=example,dc=com").
  std::string state;
};

// An account to create for a person.
struct NewAccount {
  // LDAP: sAMAccountName (with userPrincipalName LOGIN@ the email's domain) or uid.
  std::string login;
  // SCIM: the userName; LDAP: mail. How Find finds the account again.
  std::string email;
  std::string display_name, first_name, last_name;
  // Empty: created disabled, without a password. Otherwise enabled with this password, which
  // must be changed at the first login where the directory can say so.
  std::string password;
};

// An account as a listing shows it.
struct ListedAccount {
  std::string id;  // the DN, the SCIM id
  // The login name (sAMAccountName, uid, userName), and the other names it answers to
  // (userPrincipalName, mail, emails).
  std::string username;
  std::vector<std::string> aliases;
  std::string email;  // empty when it has none
  bool enabled = false;
  std::string state;  // as DirectoryAccount::state
  // The names of the groups it is a member of.
  std::vector<std::string> groups;
  // The last logon the directory keeps (AD: lastLogonTimestamp); InfinitePast when none.
  absl::Time last_activity = absl::InfinitePast();
};

// Every account of a directory (enabled or disabled) and all its groups.
struct DirectoryListing {
  std::vector<ListedAccount> accounts;
  // Each group's name by every name it answers to, lower-case (AD: cn and sAMAccountName).
  std::map<std::string, std::string> groups;
};

// A directory with more accounts (or groups) than this is not listed (RESOURCE_EXHAUSTED).
inline constexpr size_t kMaxListedAccounts = 20000;

// A group (or role) accounts are members of.
struct DirectoryGroup {
  std::string id;  // the DN, the SCIM id
  std::string name;
};

class Directory {
 public:
  virtual ~Directory() = default;

  // Connects and authenticates (the connection is kept for the calls that follow); returns
  // what was reached ("bound as … to ldaps://host:636"). UNAVAILABLE when the server cannot be
  // reached or its certificate is not trusted; UNAUTHENTICATED when it refuses the
  // credentials; either with what it said. Every other call connects first when needed.
  virtual absl::StatusOr<std::string> Check() = 0;
  // The account with login name `username` (LDAP: sAMAccountName, userPrincipalName, uid or
  // mail; SCIM: userName). NOT_FOUND when there is none, FAILED_PRECONDITION when several.
  virtual absl::StatusOr<DirectoryAccount> Find(absl::string_view username) = 0;
  // Creates `account` (nothing else has its email: Find it first). ALREADY_EXISTS when its login
  // name is taken. (AD: a CN someone else has becomes "NAME (LOGIN)".)
  virtual absl::Status Create(const NewAccount& account) = 0;
  // Disables `account`, never deletes it. Disabling a disabled account changes nothing.
  virtual absl::Status Disable(const DirectoryAccount& account) = 0;
  // Enables the disabled `account` with `password` (which must be changed at the first login
  // where the directory can say so): what Disable and a disabled Create did, undone.
  virtual absl::Status Enable(const DirectoryAccount& account, const std::string& password) = 0;
  // The group named `name` (its name or its id); NOT_FOUND when there is none.
  virtual absl::StatusOr<DirectoryGroup> FindGroup(absl::string_view name) = 0;
  virtual absl::StatusOr<bool> IsMember(const DirectoryAccount& account,
                                        const DirectoryGroup& group) = 0;
  // Puts `account` into `group`; when it is a member, changes nothing.
  virtual absl::Status AddMember(const DirectoryAccount& account, const DirectoryGroup& group) = 0;
  // Takes `account` out of `group`; when it is no member, changes nothing.
  virtual absl::Status RemoveMember(const DirectoryAccount& account,
                                    const DirectoryGroup& group) = 0;
  // Every account with its groups, page by page; RESOURCE_EXHAUSTED beyond kMaxListedAccounts.
  virtual absl::StatusOr<DirectoryListing> List() = 0;
};

// Opens (without connecting yet) the directory `config` describes; INVALID_ARGUMENT when no
// implementation speaks its protocol.
using DirectoryFactory =
    std::function<absl::StatusOr<std::unique_ptr<Directory>>(const DirectoryConfig& config)>;

}  // namespace bestand
