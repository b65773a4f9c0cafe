// Certificates as the agent and the server both need them: a P-256 key with its request (the
// agent's side of enrollment) and what a PEM certificate says. The CA's side (signing) is in
// server/pki/ca.h, which only the server links. PEM in, PEM out; no files here.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace bestand {

struct KeyAndCert {
  std::string key_pem;   // PKCS#8 private key
  std::string cert_pem;  // X.509 certificate (or a PKCS#10 request, see CreateKeyAndCsr)
};

// A new P-256 key and a PKCS#10 request for it with subject CN `common_name` (agent side).
absl::StatusOr<KeyAndCert> CreateKeyAndCsr(const std::string& common_name);  // cert_pem = CSR

// Subject CN and lower-case hex serial of a PEM certificate.
absl::StatusOr<std::pair<std::string, std::string>> CertSubjectAndSerial(
    const std::string& cert_pem);

// The host names and IP addresses a PEM certificate is for (its subjectAltName entries).
absl::StatusOr<std::vector<std::string>> CertHosts(const std::string& cert_pem);

// When a PEM certificate expires (notAfter), in seconds since the Unix epoch.
absl::StatusOr<int64_t> CertExpirySeconds(const std::string& cert_pem);

}  // namespace bestand
