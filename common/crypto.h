// Hashing, randomness and key files from OpenSSL.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace bestand {

// Call first in main(). Without it OpenSSL frees its per-thread state in an exit handler while
// gRPC's threads, which outlive main, still hold theirs; their thread-exit destructors then free
// it a second time (an ASan double free seen when the CLI exits). The process's end reclaims it.
void InitOpenSslForProcess();

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(absl::string_view data);

// Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string HmacSha256Hex(absl::string_view key, absl::string_view data);

// `n` bytes from the OpenSSL CSPRNG.
absl::StatusOr<std::string> RandomBytes(size_t n);

// `n` bytes from the OpenSSL CSPRNG, URL-safe base64 without padding.
absl::StatusOr<std::string> RandomToken(size_t n);

// The 32-byte (or longer) key in `path` (hex), created with a new random key (mode 0600) when
// the file is missing; `*created` says which. FAILED_PRECONDITION when the file holds no key.
absl::StatusOr<std::string> LoadOrCreateKeyFile(const std::string& path, bool* created);

}  // namespace bestand
