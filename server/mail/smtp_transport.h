// Mail through libcurl's SMTP: STARTTLS (required on smtp:// unless plaintext is allowed
// explicitly) or SMTPS (smtps://), AUTH when a user is given, certificates verified against the
// system's CAs or a given CA file. Each message is multipart/alternative plain text and HTML in
// UTF-8 (quoted-printable), with an RFC 2047 subject, Date, Message-ID and Auto-Submitted.
//
// Thread safety: one Send at a time (the notifier's thread); the connection is kept between
// messages.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/core/notify/mail.h"

namespace bestand {

struct SmtpOptions {
  std::string url;               // smtp://HOST:PORT or smtps://HOST:PORT
  std::string user, password;    // AUTH when user is set
  std::string ca_file;           // empty: the system's CAs
  bool allow_plaintext = false;  // smtp:// without STARTTLS (a mail server on this machine)
  long connect_timeout_seconds = 10;
  long timeout_seconds = 60;  // for one message, from connecting to the server's answer
};

// INVALID_ARGUMENT naming what is wrong with the URL or the options.
absl::StatusOr<std::unique_ptr<MailTransport>> NewSmtpTransport(const SmtpOptions& options);

// The subject as a header value: unchanged when it is printable ASCII, else RFC 2047 encoded
// words (UTF-8, base64), never splitting a character. Exposed for tests.
std::string EncodeHeaderText(const std::string& text);

}  // namespace bestand
