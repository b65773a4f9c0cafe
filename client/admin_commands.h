// Administration: logging in (and saving the configuration), API tokens, the audit trail and the
// company's settings.
#pragma once

#include "absl/status/status.h"
#include "client/context.h"

namespace bestand {

// login: checks server, CA and token with WhoAmI, then writes them to the config file (mode
// 0600, via a temporary file).
absl::Status Login(Context& c);
// whoami: the token in use.
absl::Status WhoAmI(Context& c);

// token create --role ROLE --name NAME [--vendor VENDOR]: prints the secret (shown only now) on
// stdout, what it is on stderr.
absl::Status TokenCreate(Context& c);
absl::Status TokenLink(Context& c);
absl::Status TokenList(Context& c);
absl::Status TokenRevoke(Context& c);

// audit list [--resource NAME] [--actor ACTOR] [--limit N]: the newest events (default 100).
absl::Status AuditList(Context& c);
// audit verify [--anchor SEQUENCE:HASH ...]: DATA_LOSS when the trail does not match.
absl::Status AuditVerify(Context& c);

absl::Status SettingsShow(Context& c);
// settings set --holiday-region REGION.
absl::Status SettingsSet(Context& c);

}  // namespace bestand
