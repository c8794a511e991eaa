// Opening the SQLite store: the write connection and its pragmas (WAL, synchronous=FULL,
// foreign keys, busy timeout), migrations, the writer thread and the reader pool.
// The database file is trusted to be ours; a newer schema than we know is refused.
#include "store/sqlite/sqlite_store.h"

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace outpost::store {
namespace {

Result<void> configureWriter(sqlite::Connection& connection) {
  // WAL: readers never block the writer and a commit is one append + fsync of the log.
  {
    sqlite::Query mode(connection, "PRAGMA journal_mode = WAL");
    auto row = mode.step();
    if (!row) return row.takeError();
    if (!*row || mode.textView(0) != "wal") {
      return Error::permanentFailure(
          "store.unavailable",
          "cannot switch the database to WAL mode (journal_mode is " + mode.text(0) + ")");
    }
  }
  // FULL: a commit is on stable storage before we answer "250 OK" or 201.
  if (auto done = connection.exec("PRAGMA synchronous = FULL"); !done) return done;
  return connection.exec("PRAGMA foreign_keys = ON");
}

}  // namespace

Result<std::unique_ptr<Store>> openSqliteStore(const SqliteOptions& options) {
  if (options.path.empty() || options.path == ":memory:") {
    return Error::permanentFailure("invalid_request",
                                   "the SQLite store needs a database file path");
  }
  auto connection = sqlite::Connection::open(options.path, sqlite::Connection::Mode::kReadWrite,
                                             options.busy_timeout_ms);
  if (!connection) return connection.takeError();
  if (auto configured = configureWriter(**connection); !configured) {
    return configured.takeError();
  }
  // Migrate before the readers open, so that they see the whole schema.
  if (auto migrated = sqlite::applyMigrations(**connection, sqlite::embeddedMigrations());
      !migrated) {
    return migrated.takeError();
  }
  auto readers =
      sqlite::ReaderPool::open(options.path, options.reader_connections, options.busy_timeout_ms);
  if (!readers) return readers.takeError();
  auto writer = std::make_unique<sqlite::Writer>(std::move(*connection));
  return std::unique_ptr<Store>(
      std::make_unique<sqlite::SqliteStore>(std::move(writer), std::move(*readers)));
}

std::optional<SqliteStats> sqliteStats(const Store& store) {
  const auto* sqlite_store = dynamic_cast<const sqlite::SqliteStore*>(&store);
  if (sqlite_store == nullptr) return std::nullopt;
  return sqlite_store->stats();
}

namespace sqlite {

Result<void> SqliteStore::migrate() {
  return writer_->runAlone(
      [](Connection& connection) { return applyMigrations(connection, embeddedMigrations()); });
}

Result<void> SqliteStore::ping() {
  return read([](Connection& connection) -> Result<void> {
    Query one(connection, "SELECT 1");
    auto row = one.step();
    if (!row) return row.takeError();
    return success();
  });
}

}  // namespace sqlite
}  // namespace outpost::store
