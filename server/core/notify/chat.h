// A chat message as the notifier hands it to a transport, and the transport's contract. The
// core composes and signs (core/notify/webhooks.h); a transport (server/mail/: libcurl's HTTP)
// delivers.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace bestand {

struct ChatPost {
  std::string url;                   // https:// (http:// only to this machine)
  std::string body;                  // JSON
  std::vector<std::string> headers;  // "Name: value", besides Content-Type
};

// Thread safety: Post is called from one thread at a time.
class ChatTransport {
 public:
  virtual ~ChatTransport() = default;
  // OK once the receiver answered 2xx. Any error leaves the message to be tried again; the
  // message says what the receiver answered or why it could not be reached (never the URL's
  // path, which is a secret of incoming webhooks).
  virtual absl::Status Post(const ChatPost& post) = 0;
};

}  // namespace bestand
