#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "server/connectors/directories.h"

namespace bestand {

absl::StatusOr<std::unique_ptr<Directory>> OpenDirectory(const DirectoryConfig& config) {
  switch (config.protocol) {
    case v1::Connection::LDAP:
      return OpenLdapDirectory(config);
    case v1::Connection::SCIM:
      return OpenScimDirectory(config);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("no connector speaks protocol ", static_cast<int>(config.protocol)));
  }
}

std::string TrustedRoots(const std::string& ca_pem) {
  // Debian's bundle of the system's authorities (package ca-certificates).
  std::ifstream system("/etc/ssl/certs/ca-certificates.crt");
  std::ostringstream out;
  out << ca_pem << "\n" << system.rdbuf();
  return out.str();
}

}  // namespace bestand
