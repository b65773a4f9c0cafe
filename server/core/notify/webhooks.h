// Chat webhooks (proto/bestand/v1/notify.proto, Webhook): where they are, which rules they
// follow, and each outbox message for one as a signed POST. URL and signing secret are sealed
// at rest (common/secret_box.h) and never returned: an incoming-webhook URL is itself a
// credential. Adding and removing is audited ("webhooks/{id}"), without either secret.
//
// Thread safety: safe from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bestand/v1/notify.pb.h"
#include "common/i18n/catalog.h"
#include "common/secret_box.h"
#include "common/time.h"
#include "server/core/notify/chat.h"
#include "server/storage/store.h"

namespace bestand {

// Outbox recipients that are webhooks are named like them.
inline constexpr absl::string_view kWebhookPrefix = "webhooks/";

// A webhook as the rules address it.
struct Channel {
  std::string recipient;  // "webhooks/{id}"
  Lang lang = Lang::kDe;
  std::vector<int> rules;  // empty: the default set
  bool Follows(v1::NotificationRule rule) const;
};

// Checks a webhook URL: https:// with a host and no credentials (http:// only to 127.0.0.1,
// [::1] or localhost), at most 2,048 characters. Returns what may be shown of it
// ("https://host:port/…"); INVALID_ARGUMENT naming what is wrong.
absl::StatusOr<std::string> CheckWebhookUrl(absl::string_view url);

class Webhooks {
 public:
  // `store` must outlive this; `box` seals URLs and secrets.
  Webhooks(Store* store, std::shared_ptr<const SecretBox> box, Clock clock);

  absl::StatusOr<v1::AddWebhookResponse> Add(absl::string_view actor,
                                             const v1::AddWebhookRequest& r);
  absl::StatusOr<v1::ListWebhooksResponse> List() const;
  absl::Status Remove(absl::string_view actor, const v1::RemoveWebhookRequest& r);

  // The active webhooks, in their language or `fallback`.
  static std::vector<Channel> ChannelsOf(const std::vector<WebhookRecord>& records, Lang fallback);
  // The webhook `name` ("webhooks/{id}") when it is active; NOT_FOUND otherwise.
  absl::StatusOr<WebhookRecord> Active(ReadTx& tx, absl::string_view name) const;
  // The signed POST of outbox message `m` to its webhook at `now`. NOT_FOUND when the webhook
  // was removed; DATA_LOSS when its secrets do not open.
  absl::StatusOr<ChatPost> Compose(const OutboxRecord& m, absl::Time now) const;

 private:
  Store* store_;
  std::shared_ptr<const SecretBox> box_;
  Clock clock_;
};

// The X-Bestand-Signature value of `body` sent at `unix_seconds`: "sha256=" + hex
// HMAC-SHA256(secret, "<unix_seconds>.<body>").
std::string WebhookSignature(absl::string_view secret, int64_t unix_seconds,
                             absl::string_view body);

}  // namespace bestand
