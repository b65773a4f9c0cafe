#include "common/pki/cert.h"

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "common/pki/openssl.h"
#include "common/status_macros.h"

namespace bestand {

absl::StatusOr<KeyAndCert> CreateKeyAndCsr(const std::string& common_name) {
  BESTAND_ASSIGN_OR_RETURN(PKey key, NewP256Key());
  X509ReqPtr req(X509_REQ_new());
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
