// bestand app connect|connection show|test|remove, bestand connectors run: which applications
// Bestand changes itself (LDAP, SCIM) and running those changes now.
#pragma once

#include "absl/status/status.h"
#include "client/context.h"

namespace bestand {

absl::Status AppConnect(Context& c);
absl::Status ConnectionShow(Context& c);
absl::Status ConnectionTest(Context& c);
absl::Status ConnectionRemove(Context& c);
absl::Status ConnectorsRun(Context& c);

}  // namespace bestand
