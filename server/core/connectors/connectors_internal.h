// What the parts of the connectors (connections.cc, connector_tasks.cc, sync.cc, activation.cc)
// share besides connectors.h.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bestand/v1/inventory.pb.h"
#include "server/storage/store.h"

namespace bestand {

// `t` as evidence stamps it: 2026-12-04T17:00:00Z.
std::string Stamp(absl::Time t);

// `text` cut to what a task's notes hold.
std::string Fit(std::string text);

// Writes `after` over account `before` with an audit event (`action`: "update", "activate"),
// unless nothing differs; true when it wrote. (directory_state is output only: no request
// changes it.)
absl::StatusOr<bool> SaveAccount(WriteTx& tx, absl::string_view actor, const v1::Account& before,
                                 v1::Account after, absl::string_view action = "update");

}  // namespace bestand
