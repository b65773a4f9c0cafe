// The server's own certificate authority: an ECDSA P-256 CA that signs the server certificate
// (and later the agents' client certificates). PEM in, PEM out; no files here.
#pragma once

#include <cstdint>
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

// A new P-256 key and a PKCS#10 request for it with subject CN `common_name` (agent side).
absl::StatusOr<KeyAndCert> CreateKeyAndCsr(const std::string& common_name);  // cert_pem = CSR

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

// Subject CN and lower-case hex serial of a PEM certificate.
absl::StatusOr<std::pair<std::string, std::string>> CertSubjectAndSerial(
    const std::string& cert_pem);

// The host names and IP addresses a PEM certificate is for (its subjectAltName entries).
absl::StatusOr<std::vector<std::string>> CertHosts(const std::string& cert_pem);

// When a PEM certificate expires (notAfter), in seconds since the Unix epoch.
absl::StatusOr<int64_t> CertExpirySeconds(const std::string& cert_pem);

}  // namespace bestand
