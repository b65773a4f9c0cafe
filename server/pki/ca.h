// The server's own certificate authority: an ECDSA P-256 CA that signs the server certificate and
// the agents' client certificates. Only the server links this. PEM in, PEM out; no files here.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/pki/cert.h"

namespace bestand {

// A self-signed CA certificate valid for `days` days.
absl::StatusOr<KeyAndCert> CreateCa(const std::string& common_name, int days = 3650);

// A TLS server certificate signed by `ca`, with subjectAltNames for every entry of `hosts`
// (IP addresses become iPAddress entries, everything else dNSName).
absl::StatusOr<KeyAndCert> IssueServerCert(const KeyAndCert& ca,
                                           const std::vector<std::string>& hosts, int days = 825);

struct IssuedCert {
  std::string cert_pem;
  // Serial number, lower-case hex: names the certificate for revocation.
  std::string serial_hex;
};

// Signs `csr_pem` as a TLS client certificate with subject CN `common_name` (the CSR's subject is
// ignored: the server decides who the certificate names). INVALID_ARGUMENT when the CSR does not
// parse, its signature does not verify or its key is not ECDSA P-256.
absl::StatusOr<IssuedCert> SignClientCsr(const KeyAndCert& ca, const std::string& csr_pem,
                                         const std::string& common_name, int days = 825);

}  // namespace bestand
