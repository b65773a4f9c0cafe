// The connectors' protocols (server/core/connectors/directory.h): LDAP for Active Directory and
// OpenLDAP (libldap), SCIM 2.0 for SaaS (libcurl). Every connection verifies the server's
// certificate (the system's authorities and the connection's own CA), and every request has a
// timeout.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "server/core/connectors/directory.h"

namespace bestand {

absl::StatusOr<std::unique_ptr<Directory>> OpenLdapDirectory(const DirectoryConfig& config);
absl::StatusOr<std::unique_ptr<Directory>> OpenScimDirectory(const DirectoryConfig& config);
// The one for `config.protocol` (a DirectoryFactory).
absl::StatusOr<std::unique_ptr<Directory>> OpenDirectory(const DirectoryConfig& config);

// The PEM bundle a connection trusts: `ca_pem` and the system's authorities.
std::string TrustedRoots(const std::string& ca_pem);

}  // namespace bestand
