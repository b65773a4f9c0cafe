#include "server/core/ca.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <ctime>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/common/status_macros.h"

namespace bestand {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

absl::Status SslError(absl::string_view what) {
  return absl::InternalError(absl::StrCat("OpenSSL: ", what, " failed"));
}

absl::StatusOr<PKey> NewP256Key() {
  PKey key(EVP_EC_gen("P-256"));
  if (!key) return SslError("generating a P-256 key");
  return key;
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<std::string> KeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) {
    return SslError("writing a private key");
  }
  return BioToString(bio.get());
}

absl::StatusOr<std::string> CertToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(bio.get(), cert)) return SslError("writing a certificate");
  return BioToString(bio.get());
}

absl::StatusOr<PKey> KeyFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return absl::InvalidArgumentError("the CA key is not a PEM private key");
  return key;
}

absl::StatusOr<X509Ptr> CertFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return absl::InvalidArgumentError("the CA certificate is not PEM");
  return cert;
}

// A new certificate with a random 128-bit serial, the given subject CN and validity.
absl::StatusOr<X509Ptr> NewCert(const std::string& cn, int days, EVP_PKEY* pubkey) {
  X509Ptr cert(X509_new());
  if (!cert) return SslError("allocating a certificate");
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return SslError("drawing a serial number");
  serial[0] &= 0x7F;  // positive
  std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> bn(BN_bin2bn(serial, sizeof serial, nullptr));
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

std::string SerialHex(X509* cert) {
  std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> bn(
      ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr));
  char* hex = BN_bn2hex(bn.get());
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
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

}  // namespace bestand

namespace bestand {

absl::StatusOr<KeyAndCert> CreateKeyAndCsr(const std::string& common_name) {
  BESTAND_ASSIGN_OR_RETURN(PKey key, NewP256Key());
  std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>> req(X509_REQ_new());
  X509_REQ_set_version(req.get(), 0);
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_REQ_set_pubkey(req.get(), key.get());
  if (!X509_REQ_sign(req.get(), key.get(), EVP_sha256())) return SslError("signing the request");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509_REQ(bio.get(), req.get())) return SslError("writing the request");
  KeyAndCert out;
  BESTAND_ASSIGN_OR_RETURN(out.key_pem, KeyToPem(key.get()));
  out.cert_pem = BioToString(bio.get());
  return out;
}

absl::StatusOr<IssuedCert> SignClientCsr(const KeyAndCert& ca, const std::string& csr_pem,
                                         const std::string& common_name, int days) {
  BioPtr bio(BIO_new_mem_buf(csr_pem.data(), static_cast<int>(csr_pem.size())));
  std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>> req(
      PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
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

absl::StatusOr<std::pair<std::string, std::string>> CertSubjectAndSerial(
    const std::string& cert_pem) {
  BESTAND_ASSIGN_OR_RETURN(X509Ptr cert, CertFromPem(cert_pem));
  char cn[256] = {0};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn) <
      0) {
    return absl::InvalidArgumentError("the certificate has no common name");
  }
  return std::make_pair(std::string(cn), SerialHex(cert.get()));
}

absl::StatusOr<std::vector<std::string>> CertHosts(const std::string& cert_pem) {
  BESTAND_ASSIGN_OR_RETURN(X509Ptr cert, CertFromPem(cert_pem));
  std::unique_ptr<GENERAL_NAMES, decltype(&GENERAL_NAMES_free)> names(
      static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)),
      GENERAL_NAMES_free);
  std::vector<std::string> hosts;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      hosts.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                         ASN1_STRING_length(dns));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {};
      int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
      if (inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof text)) hosts.push_back(text);
    }
  }
  return hosts;
}

absl::StatusOr<int64_t> CertExpirySeconds(const std::string& cert_pem) {
  BESTAND_ASSIGN_OR_RETURN(X509Ptr cert, CertFromPem(cert_pem));
  struct tm t = {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &t) != 1) {
    return absl::InvalidArgumentError("the certificate has an unreadable expiry date");
  }
  return static_cast<int64_t>(timegm(&t));
}

}  // namespace bestand
