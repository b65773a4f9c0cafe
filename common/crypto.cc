#include "common/crypto.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"

namespace bestand {

void InitOpenSslForProcess() { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr); }

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), len));
}

std::string HmacSha256Hex(absl::string_view key, absl::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(mac), len));
}

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    return absl::InternalError("the random number generator failed");
  }
  return bytes;
}

absl::StatusOr<std::string> RandomToken(size_t n) {
  absl::StatusOr<std::string> bytes = RandomBytes(n);
  if (!bytes.ok()) return bytes.status();
  return absl::WebSafeBase64Escape(*bytes);
}

absl::StatusOr<std::string> LoadOrCreateKeyFile(const std::string& path, bool* created) {
  *created = false;
  if (::access(path.c_str(), F_OK) == 0) {
    absl::StatusOr<std::string> text = ReadFileToString(path);
    if (!text.ok()) return text.status();
    const absl::string_view hex = absl::StripAsciiWhitespace(*text);
    if (hex.size() < 64 || hex.size() % 2 != 0 ||
        hex.find_first_not_of("0123456789abcdef") != absl::string_view::npos) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " holds no key; restore it from a backup of the data directory"));
    }
    return absl::HexStringToBytes(hex);
  }
  absl::StatusOr<std::string> key = RandomBytes(32);
  if (!key.ok()) return key.status();
  const std::string hex = absl::BytesToHexString(*key) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return absl::InternalError(absl::StrCat("cannot create ", path, ": ", strerror(errno)));
  const bool ok =
      ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return absl::InternalError(absl::StrCat("cannot write ", path));
  *created = true;
  return key;
}

}  // namespace bestand
