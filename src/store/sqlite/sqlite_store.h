// The SQLite implementation of the Store (the default, single-node store): WAL with
// synchronous=FULL, one writer thread that groups concurrent writes into one commit, and a
// small pool of read-only connections for the console and the API.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace outpost::store {

struct SqliteOptions {
  std::string path;  // the database file; created if missing (with its -wal and -shm files)
  int reader_connections = 4;
  int busy_timeout_ms = 5000;  // how long to wait for another process's write lock
};

// Opens (creating) the database, sets WAL + synchronous=FULL + foreign keys + busy_timeout,
// runs migrate().
Result<std::unique_ptr<Store>> openSqliteStore(const SqliteOptions& options);

// What the writer has done since the store was opened: `commits` below `write_jobs` shows
// that concurrent writes shared commits.
struct SqliteStats {
  std::uint64_t commits = 0;
  std::uint64_t write_jobs = 0;
};
// The statistics of a store made by openSqliteStore; nullopt for any other Store.
std::optional<SqliteStats> sqliteStats(const Store& store);

}  // namespace outpost::store
