#include "server/core/seal.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace bestand {
namespace {

// An HMAC-SHA256 computed over several pieces, each prefixed with its length so that no two
// different inputs give the same bytes.
class Mac {
 public:
  explicit Mac(absl::string_view key) {
    static EVP_MAC* const kHmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    ctx_.reset(EVP_MAC_CTX_new(kHmac));
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    EVP_MAC_init(ctx_.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                 params);
  }
  Mac& Add(absl::string_view bytes) {
    const uint64_t n = bytes.size();
    Raw(&n, sizeof n);
    Raw(bytes.data(), bytes.size());
    return *this;
  }
  Mac& Add(int64_t v) {
    Raw(&v, sizeof v);
    return *this;
  }
  template <typename T>
  Mac& AddVector(const std::vector<T>& v) {
    const uint64_t n = v.size();
    Raw(&n, sizeof n);
    Raw(v.data(), v.size() * sizeof(T));
    return *this;
  }
  std::string Hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t len = 0;
    EVP_MAC_final(ctx_.get(), out, &len, sizeof out);
    return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(out), len));
  }

 private:
  void Raw(const void* p, size_t n) {
    EVP_MAC_update(ctx_.get(), static_cast<const unsigned char*>(p), n);
  }
  struct Free {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
  };
  std::unique_ptr<EVP_MAC_CTX, Free> ctx_;
};

// Domain separation: a seal of one kind never verifies as another.
constexpr absl::string_view kSoftware = "bestand software v1";
constexpr absl::string_view kEvent = "bestand software event v1";
constexpr absl::string_view kAgent = "bestand agent v1";
constexpr absl::string_view kSeen = "bestand seen v1";

}  // namespace

Sealer::Sealer(std::string key) : key_(std::move(key)) {}

std::string Sealer::Software(int64_t device_id, const DeviceSoftwareRecord& r) const {
  // Times in whole seconds: what the store keeps of them.
  auto seconds = [](const std::vector<int64_t>& micros) {
    std::vector<int64_t> out(micros.size());
    for (size_t i = 0; i < micros.size(); ++i) out[i] = std::max<int64_t>(0, micros[i] / 1000000);
    return out;
  };
  return Mac(key_)
      .Add(kSoftware)
      .Add(device_id)
      .AddVector(r.package_ids)
      .AddVector(seconds(r.install_micros))
      .AddVector(seconds(r.first_seen_micros))
      .Add(r.events_head)
      .Hex();
}

std::string Sealer::NextHead(absl::string_view head, const SoftwareEventRecord& e) const {
  return Mac(key_)
      .Add(kEvent)
      .Add(head)
      .Add(e.device_id)
      .Add(e.micros)
      .Add(int64_t{e.kind})
      .Add(e.package_id)
      .Add(e.previous_package_id)
      .Hex();
}

std::string Sealer::Agent(const AgentRecord& a, absl::string_view software_seal) const {
  return Mac(key_)
      .Add(kAgent)
      .Add(a.device_id)
      .Add(a.cert_serial)
      .Add(a.previous_cert_serial)
      .Add(a.enroll_micros)
      .Add(a.revoke_micros)
      .Add(a.last_report_micros)
      .Add(a.report_hash)
      .Add(a.facts)
      .Add(software_seal)
      .Hex();
}

std::string Sealer::Seen(int64_t device_id, int64_t last_seen_micros) const {
  return Mac(key_).Add(kSeen).Add(device_id).Add(last_seen_micros).Hex();
}

}  // namespace bestand
