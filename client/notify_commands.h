// bestand notify rules|set|list|preview|test: who hears what, the outbox, and what the rules
// would send on a given day.
#pragma once

#include "absl/status/status.h"
#include "client/context.h"

namespace bestand {

absl::Status NotifyRules(Context& c);
absl::Status NotifySet(Context& c);
absl::Status NotifyList(Context& c);
absl::Status NotifyPreview(Context& c);
absl::Status NotifyTest(Context& c);
absl::Status CalendarLink(Context& c);
absl::Status CalendarRevoke(Context& c);

}  // namespace bestand
