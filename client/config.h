// Where the CLI finds its server, CA and token: flags, then the environment (BESTAND_SERVER,
// BESTAND_CA, BESTAND_TOKEN), then the config file `bestand login` writes, then the defaults.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "client/client.h"
#include "common/args.h"

namespace bestand {

// The config file: $BESTAND_CONFIG, else $XDG_CONFIG_HOME/bestand/config, else
// $HOME/.config/bestand/config; empty when none of them is set.
std::string ConfigPath();

// The configuration for `args` (--server, --ca, --token, --insecure, --timeout). A missing or
// unreadable config file counts as empty. A usage error (usage.h) for a --timeout outside 1..3600.
absl::StatusOr<ClientConfig> ResolveConfig(const Args& args);

}  // namespace bestand
