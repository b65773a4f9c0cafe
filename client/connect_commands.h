// bestand app connect|connection show|test|remove|sync, bestand connectors run|activate: which
// applications Bestand changes itself (LDAP, SCIM), running those changes now, enabling a
// newcomer's accounts on the first day, and reading the directories back into the inventory.
#pragma once

#include "absl/status/status.h"
#include "bestand/v1/connect.pb.h"
#include "client/context.h"

namespace bestand {

absl::Status AppConnect(Context& c);
absl::Status ConnectionShow(Context& c);
absl::Status ConnectionTest(Context& c);
absl::Status ConnectionRemove(Context& c);
absl::Status ConnectorsRun(Context& c);
absl::Status AppSync(Context& c);
absl::Status ConnectorsActivate(Context& c);
// A connector outcome's one-time password, if any, on a line of its own (table output).
void PrintOneTimePassword(Context& c, const v1::ConnectorOutcome& o);

}  // namespace bestand
