// Hashing and randomness from OpenSSL.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace bestand {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(absl::string_view data);

// `n` bytes from the OpenSSL CSPRNG, URL-safe base64 without padding.
absl::StatusOr<std::string> RandomToken(size_t n);

}  // namespace bestand
