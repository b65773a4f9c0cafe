// bestand app connect|connection show|test|remove|sync, bestand connectors run: which
// applications Bestand changes itself (LDAP, SCIM), running those changes now, and reading the
// directories back into the inventory.
#pragma once

#include "absl/status/status.h"
#include "client/context.h"

namespace bestand {

absl::Status AppConnect(Context& c);
absl::Status ConnectionShow(Context& c);
absl::Status ConnectionTest(Context& c);
absl::Status ConnectionRemove(Context& c);
absl::Status ConnectorsRun(Context& c);
absl::Status AppSync(Context& c);

}  // namespace bestand
