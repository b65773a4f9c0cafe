// OpenSSL RAII holders and the PEM and key helpers the certificate code shares. OpenSSL errors
// become INTERNAL ("OpenSSL: <what> failed"); unreadable input INVALID_ARGUMENT.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace bestand {

template <typename T, void (*F)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OpenSslDeleter<X509_REQ, X509_REQ_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO, BIO_free_all>>;
using BigNumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BIGNUM, BN_free>>;

// INTERNAL "OpenSSL: <what> failed".
absl::Status SslError(absl::string_view what);
// A new ECDSA P-256 key.
absl::StatusOr<PKey> NewP256Key();
// The bytes written to a memory BIO.
std::string BioToString(BIO* bio);
absl::StatusOr<std::string> KeyToPem(EVP_PKEY* key);
absl::StatusOr<std::string> CertToPem(X509* cert);
// INVALID_ARGUMENT when `pem` holds no private key / certificate.
absl::StatusOr<PKey> KeyFromPem(const std::string& pem);
absl::StatusOr<X509Ptr> CertFromPem(const std::string& pem);
// A certificate's serial number, lower-case hex.
std::string SerialHex(X509* cert);

}  // namespace bestand
