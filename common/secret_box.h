// Secrets kept at rest (webhook URLs and signing keys, connector passwords and tokens):
// AES-256-GCM under a key that lives outside the database (the data directory's secrets.key,
// mode 0600), so a copy of the database or of a backup of it holds no usable secret. Each
// sealed value is bound to a context (what it is, e.g. "webhooks/3 url"): a value copied into
// another row does not open there.
//
// Sealed form: "sb1." + URL-safe base64 of nonce (12 bytes) || ciphertext || tag (16 bytes).
// Thread safety: immutable after construction; safe for concurrent use.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace bestand {

class SecretBox {
 public:
  // `key`: 32 bytes (LoadOrCreateKeyFile, common/crypto.h).
  explicit SecretBox(std::string key);

  // `plaintext` sealed with a fresh random nonce: sealing twice gives different values.
  absl::StatusOr<std::string> Seal(absl::string_view plaintext, absl::string_view context) const;
  // The plaintext; DATA_LOSS when `sealed` is malformed, was sealed under another key or
  // context, or was changed.
  absl::StatusOr<std::string> Open(absl::string_view sealed, absl::string_view context) const;

 private:
  std::string key_;
};

}  // namespace bestand
