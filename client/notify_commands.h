// bestand notify rules|set|list|preview|test|webhook: who hears what, the outbox, what the
// rules would send on a given day, and the chat webhooks; bestand calendar link|revoke.
#pragma once

#include "absl/status/status.h"
#include "client/context.h"

namespace bestand {

absl::Status NotifyRules(Context& c);
absl::Status NotifySet(Context& c);
absl::Status NotifyList(Context& c);
absl::Status NotifyPreview(Context& c);
absl::Status NotifyTest(Context& c);
absl::Status WebhookAdd(Context& c);
absl::Status WebhookList(Context& c);
absl::Status WebhookRemove(Context& c);
absl::Status CalendarLink(Context& c);
absl::Status CalendarRevoke(Context& c);

}  // namespace bestand
