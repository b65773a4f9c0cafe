#include "common/secret_box.h"

#include <openssl/evp.h>

#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace bestand {
namespace {

constexpr absl::string_view kPrefix = "sb1.";
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;
// Far above any secret Bestand keeps; bounds what Open decodes.
constexpr size_t kMaxSealedBytes = 64 * 1024;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status Broken(absl::string_view context) {
  return absl::DataLossError(absl::StrCat(
      "the stored secret (", context,
      ") does not open with the data directory's secrets.key: restore the key from the backup "
      "of the data directory, or set the secret again"));
}

}  // namespace

SecretBox::SecretBox(std::string key) : key_(std::move(key)) {}

absl::StatusOr<std::string> SecretBox::Seal(absl::string_view plaintext,
                                            absl::string_view context) const {
  if (key_.size() < 32) return absl::FailedPreconditionError("the secrets key is too short");
  absl::StatusOr<std::string> nonce = RandomBytes(kNonceBytes);
  if (!nonce.ok()) return nonce.status();
  std::string out = *nonce;
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  unsigned char* cipher = reinterpret_cast<unsigned char*>(out.data()) + kNonceBytes;
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0, final_len = 0;
  const bool ok =
      ctx &&
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), Bytes(*nonce)) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(context),
                        static_cast<int>(context.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), cipher, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), cipher + len, &final_len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, cipher + plaintext.size()) ==
          1;
  if (!ok) return absl::InternalError("sealing a secret failed (OpenSSL AES-256-GCM)");
  return absl::StrCat(kPrefix, absl::WebSafeBase64Escape(out));
}

absl::StatusOr<std::string> SecretBox::Open(absl::string_view sealed,
                                            absl::string_view context) const {
  std::string raw;
  if (sealed.size() > kMaxSealedBytes || !absl::StartsWith(sealed, kPrefix) ||
      !absl::WebSafeBase64Unescape(sealed.substr(kPrefix.size()), &raw) ||
      raw.size() < kNonceBytes + kTagBytes || key_.size() < 32) {
    return Broken(context);
  }
  const size_t n = raw.size() - kNonceBytes - kTagBytes;
  const absl::string_view nonce(raw.data(), kNonceBytes);
  const absl::string_view cipher(raw.data() + kNonceBytes, n);
  std::string tag = raw.substr(kNonceBytes + n);
  std::string plain(n, '\0');
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0, final_len = 0;
  const bool ok =
      ctx &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), Bytes(nonce)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(context),
                        static_cast<int>(context.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                        Bytes(cipher), static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len,
                          &final_len) == 1;
  if (!ok) return Broken(context);
  return plain;
}

}  // namespace bestand
