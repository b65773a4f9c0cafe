// The inventory nouns' generic commands (add, list, show, update, remove, fields: one handler
// for every noun, driven by its resource kind) and a license's seats (assign, unassign, seats).
#pragma once

#include "absl/status/status.h"
#include "client/context.h"

namespace bestand {

// NOUN add --FIELD VALUE ...: creates the resource; prints it.
absl::Status NounAdd(Context& c);
// NOUN list [--FILTER VALUE ...] [--limit N]: every page, or the first N.
absl::Status NounList(Context& c);
// NOUN show NAME; `device show DEVICE --software` and `template show TEMPLATE` (all its items)
// as well.
absl::Status NounShow(Context& c);
// NOUN update NAME --FIELD VALUE ... [--force]: changes the fields given.
absl::Status NounUpdate(Context& c);
// NOUN remove NAME.
absl::Status NounRemove(Context& c);
// NOUN fields: every field with what it takes.
absl::Status NounFields(Context& c);

// license assign LICENSE --person P|--device D [--assign-date DATE] [--notes TEXT].
absl::Status LicenseAssign(Context& c);
// license unassign LICENSE --person P|--device D; NOT_FOUND when the holder has no seat.
absl::Status LicenseUnassign(Context& c);
// license seats LICENSE: its assignments.
absl::Status LicenseSeats(Context& c);

}  // namespace bestand
