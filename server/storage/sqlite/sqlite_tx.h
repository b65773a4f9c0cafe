// A transaction on one SQLite connection: the Store's reads and writes as SQL with bound
// parameters.
#pragma once

#include <functional>
#include <memory>

#include "server/storage/sqlite/connection.h"
#include "server/storage/store.h"

namespace bestand::sqlite {

// A transaction on `conn`, which has already begun it (BEGIN or BEGIN IMMEDIATE; a ReadTx may
// use only the read half). Rolled back unless committed; `release` runs when it ends.
std::unique_ptr<WriteTx> NewTx(Connection* conn, std::function<void()> release);

}  // namespace bestand::sqlite
