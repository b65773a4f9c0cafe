// What an account the connectors create is made of besides the person's name and email: its
// login name, from the connection's pattern, and its one-time password.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace bestand {

// A person's display name split for a directory: the last word is the family name, the words
// before it the given name ("Anna Maria Schmidt": "Anna Maria", "Schmidt"); one word is both.
struct SplitName {
  std::string first, last;
};
SplitName SplitDisplayName(absl::string_view display_name);

// `text` (valid UTF-8) as lower-case ASCII letters, digits, '.', '-' and '_': umlauts and ß
// spelled out (ä → ae, ß → ss), other Latin letters without their accents, everything else
// (spaces too) left out.
std::string FoldToLogin(absl::string_view text);

// OK when `pattern` (a connection's login_pattern) is at most 64 bytes of ASCII with only the
// placeholders {first}, {last}, {f} and {local}; otherwise INVALID_ARGUMENT saying what is wrong.
absl::Status CheckLoginPattern(absl::string_view pattern);

// The login name `pattern` (empty: "{local}") gives the person, folded (FoldToLogin) and at most
// `max_length` characters; INVALID_ARGUMENT when nothing is left.
absl::StatusOr<std::string> LoginName(absl::string_view pattern, absl::string_view display_name,
                                      absl::string_view email, size_t max_length);

// 20 random characters with upper- and lower-case letters, digits and symbols (what Active
// Directory's complexity rule asks for), none that reads like another (0/O, 1/l/I).
absl::StatusOr<std::string> OneTimePassword();

}  // namespace bestand
