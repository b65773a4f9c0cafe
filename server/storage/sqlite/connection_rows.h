// The connectors' records (store.h: connections, connector runs) in SQL: what SqliteTx's methods
// for them run on its connection.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/storage/sqlite/connection.h"
#include "server/storage/store.h"

namespace bestand::sqlite {

absl::StatusOr<std::optional<ConnectionRecord>> GetConnection(Connection& conn,
                                                              int64_t application_id);
absl::StatusOr<std::vector<ConnectionRecord>> ListConnections(Connection& conn);
absl::Status PutConnection(Connection& conn, const ConnectionRecord& r);
absl::StatusOr<bool> DeleteConnection(Connection& conn, int64_t application_id);

absl::StatusOr<std::optional<ConnectorRunRecord>> GetConnectorRun(Connection& conn,
                                                                  int64_t task_id);
absl::Status PutConnectorRun(Connection& conn, const ConnectorRunRecord& r);
absl::Status DeleteConnectorRun(Connection& conn, int64_t task_id);

}  // namespace bestand::sqlite
