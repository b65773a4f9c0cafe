// A mail as the notifier hands it to a transport, and the transport's contract. The core
// composes; a transport (server/mail/: libcurl's SMTP) delivers.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace bestand {

struct MailMessage {
  std::string from;                 // an address
  std::string to;                   // an address
  std::string subject, text, html;  // UTF-8
  std::string message_id;           // without angle brackets; the same on every attempt
  absl::Time date;
};

// Thread safety: Send is called from one thread at a time.
class MailTransport {
 public:
  virtual ~MailTransport() = default;
  // OK once the mail server has accepted the message for delivery. Any error leaves it to be
  // tried again; the message says what the server answered or why it could not be reached.
  virtual absl::Status Send(const MailMessage& message) = 0;
};

}  // namespace bestand
