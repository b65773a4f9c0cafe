// The server's own certificate authority: an ECDSA P-256 CA that signs the server certificate
// (and later the agents' client certificates). PEM in, PEM out; no files here.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace bestand {

struct KeyAndCert {
  std::string key_pem;   // PKCS#8 private key
  std::string cert_pem;  // X.509 certificate
};

// A self-signed CA certificate valid for `days` days.
absl::StatusOr<KeyAndCert> CreateCa(const std::string& common_name, int days = 3650);

// A TLS server certificate signed by `ca`, with subjectAltNames for every entry of `hosts`
// (IP addresses become iPAddress entries, everything else dNSName).
absl::StatusOr<KeyAndCert> IssueServerCert(const KeyAndCert& ca,
                                           const std::vector<std::string>& hosts, int days = 825);

}  // namespace bestand
