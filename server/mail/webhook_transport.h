// Chat messages through libcurl's HTTP: one POST of JSON per message, certificates verified
// against the system's CAs or a given CA file, no redirects followed (a webhook that moved is a
// failure to see, not to chase), timeouts on connecting and on the whole request. A 2xx answer
// is success; anything else is an error naming the status and the start of the answer.
//
// Thread safety: one Post at a time (the notifier's thread); connections are kept.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/core/notify/chat.h"

namespace bestand {

struct WebhookTransportOptions {
  std::string ca_file;  // empty: the system's CAs
  long connect_timeout_seconds = 10;
  long timeout_seconds = 30;
};

absl::StatusOr<std::unique_ptr<ChatTransport>> NewWebhookTransport(
    const WebhookTransportOptions& options);

}  // namespace bestand
