#include "server/pki/ca.h"

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/pki/openssl.h"
#include "common/status_macros.h"

namespace bestand {
namespace {

// A new certificate with a random 128-bit serial, the given subject CN and validity.
absl::StatusOr<X509Ptr> NewCert(const std::string& cn, int days, EVP_PKEY* pubkey) {
  X509Ptr cert(X509_new());
  if (!cert) return SslError("allocating a certificate");
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return SslError("drawing a serial number");
  serial[0] &= 0x7F;  // positive
  BigNumPtr bn(BN_bin2bn(serial, sizeof serial, nullptr));
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60 * 60);  // tolerate clock skew
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 24 * 60 * 60);
  X509_set_pubkey(cert.get(), pubkey);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Bestand"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

absl::Status AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return SslError(absl::StrCat("building extension ", OBJ_nid2sn(nid), "=", value));
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (!ok) return SslError("adding an extension");
  return absl::OkStatus();
}

bool IsIpAddress(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

absl::StatusOr<KeyAndCert> CreateCa(const std::string& common_name, int days) {
  BESTAND_ASSIGN_OR_RETURN(PKey key, NewP256Key());
  BESTAND_ASSIGN_OR_RETURN(X509Ptr cert, NewCert(common_name, days, key.get()));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  BESTAND_RETURN_IF_ERROR(
      AddExt(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  BESTAND_RETURN_IF_ERROR(
      AddExt(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  BESTAND_RETURN_IF_ERROR(AddExt(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  if (!X509_sign(cert.get(), key.get(), EVP_sha256())) return SslError("signing the CA");
  KeyAndCert out;
  BESTAND_ASSIGN_OR_RETURN(out.key_pem, KeyToPem(key.get()));
  BESTAND_ASSIGN_OR_RETURN(out.cert_pem, CertToPem(cert.get()));
  return out;
}

absl::StatusOr<KeyAndCert> IssueServerCert(const KeyAndCert& ca,
                                           const std::vector<std::string>& hosts, int days) {
  if (hosts.empty()) return absl::InvalidArgumentError("a server certificate needs a host name");
  BESTAND_ASSIGN_OR_RETURN(PKey ca_key, KeyFromPem(ca.key_pem));
  BESTAND_ASSIGN_OR_RETURN(X509Ptr ca_cert, CertFromPem(ca.cert_pem));
  BESTAND_ASSIGN_OR_RETURN(PKey key, NewP256Key());
  BESTAND_ASSIGN_OR_RETURN(X509Ptr cert, NewCert(hosts[0], days, key.get()));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  std::vector<std::string> sans;
  for (const std::string& h : hosts) {
    if (h.empty() || h.find_first_of(",:= \t") != std::string::npos) {
      if (!IsIpAddress(h)) {
        return absl::InvalidArgumentError(absl::StrCat("hostname: '", h, "' is not a host name"));
      }
    }
    sans.push_back(absl::StrCat(IsIpAddress(h) ? "IP:" : "DNS:", h));
  }
  BESTAND_RETURN_IF_ERROR(
      AddExt(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  BESTAND_RETURN_IF_ERROR(AddExt(cert.get(), ca_cert.get(), NID_key_usage,
                                 "critical,digitalSignature,keyEncipherment"));
  BESTAND_RETURN_IF_ERROR(AddExt(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth"));
  BESTAND_RETURN_IF_ERROR(
      AddExt(cert.get(), ca_cert.get(), NID_subject_alt_name, absl::StrJoin(sans, ",")));
  BESTAND_RETURN_IF_ERROR(
      AddExt(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always"));
  if (!X509_sign(cert.get(), ca_key.get(), EVP_sha256()))
    return SslError("signing the certificate");
  KeyAndCert out;
  BESTAND_ASSIGN_OR_RETURN(out.key_pem, KeyToPem(key.get()));
  BESTAND_ASSIGN_OR_RETURN(out.cert_pem, CertToPem(cert.get()));
  return out;
}

absl::StatusOr<IssuedCert> SignClientCsr(const KeyAndCert& ca, const std::string& csr_pem,
                                         const std::string& common_name, int days) {
  BioPtr bio(BIO_new_mem_buf(csr_pem.data(), static_cast<int>(csr_pem.size())));
  X509ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) return absl::InvalidArgumentError("csr_pem: not a PEM certificate signing request");
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req.get());
  if (pub == nullptr || X509_REQ_verify(req.get(), pub) != 1) {
    return absl::InvalidArgumentError("csr_pem: the request's signature does not verify");
  }
  char group[64] = {0};
  size_t group_len = 0;
  if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_EC ||
      !EVP_PKEY_get_utf8_string_param(pub, "group", group, sizeof group, &group_len) ||
      std::string(group) != "prime256v1") {
    return absl::InvalidArgumentError("csr_pem: the key must be ECDSA P-256");
  }
  BESTAND_ASSIGN_OR_RETURN(PKey ca_key, KeyFromPem(ca.key_pem));
  BESTAND_ASSIGN_OR_RETURN(X509Ptr ca_cert, CertFromPem(ca.cert_pem));
  BESTAND_ASSIGN_OR_RETURN(X509Ptr cert, NewCert(common_name, days, pub));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  BESTAND_RETURN_IF_ERROR(
      AddExt(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  BESTAND_RETURN_IF_ERROR(
      AddExt(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature"));
  BESTAND_RETURN_IF_ERROR(AddExt(cert.get(), ca_cert.get(), NID_ext_key_usage, "clientAuth"));
  BESTAND_RETURN_IF_ERROR(
      AddExt(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always"));
  if (!X509_sign(cert.get(), ca_key.get(), EVP_sha256()))
    return SslError("signing the certificate");
  IssuedCert out;
  BESTAND_ASSIGN_OR_RETURN(out.cert_pem, CertToPem(cert.get()));
  out.serial_hex = SerialHex(cert.get());
  return out;
}

}  // namespace bestand
