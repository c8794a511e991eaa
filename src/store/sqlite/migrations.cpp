// Applies the embedded, numbered SQL migrations (see migrations.h).
#include "store/sqlite/migrations.h"

#include <chrono>
#include <string>
#include <vector>

#include "store/embedded_migrations.h"

namespace outpost::store::sqlite {
namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

std::int64_t nowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Result<void> applyOne(Connection& connection, const Migration& migration) {
  if (auto begun = connection.exec("BEGIN IMMEDIATE"); !begun) return begun;
  auto rollback = [&](Error error) -> Result<void> {
    if (connection.inTransaction()) (void)connection.exec("ROLLBACK");
    error.message = std::string("migration ") + migration.name + ": " + error.message;
    return error;
  };
  // Another process may have applied it meanwhile; the write lock is ours from here on.
  {
    Query applied(connection, "SELECT 1 FROM schema_migrations WHERE version = ?");
    applied.bind(1, migration.version);
    auto found = applied.step();
    if (!found) return rollback(found.takeError());
    if (*found) {
      (void)connection.exec("ROLLBACK");
      return success();
    }
  }
  if (auto done = connection.exec(migration.sql); !done) return rollback(done.takeError());
  {
    Query record(connection,
                 "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)");
    record.bind(1, migration.version).bind(2, migration.name).bind(3, nowMillis());
    if (auto done = record.run(); !done) return rollback(done.takeError());
  }
  if (auto committed = connection.exec("COMMIT"); !committed) {
    return rollback(committed.takeError());
  }
  return success();
}

}  // namespace

std::span<const Migration> embeddedMigrations() {
  static const std::vector<Migration> migrations = [] {
    std::vector<Migration> list;
    for (const auto& embedded : kEmbeddedMigrations) {
      list.push_back({embedded.version, embedded.name, embedded.sql});
    }
    return list;
  }();
  return migrations;
}

Result<void> applyMigrations(Connection& connection, std::span<const Migration> migrations) {
  if (auto created = connection.exec(kCreateTable); !created) return created;
  int current = 0;
  {
    Query latest(connection, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    auto row = latest.step();
    if (!row) return row.takeError();
    current = latest.integer(0);
  }
  int newest_known = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest_known) {
    return Error::permanentFailure("store.schema_too_new",
                                   "the database has schema version " + std::to_string(current) +
                                       " but this outpost knows versions up to " +
                                       std::to_string(newest_known) + "; run a newer outpost");
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    if (auto applied = applyOne(connection, migration); !applied) return applied;
  }
  return success();
}

}  // namespace outpost::store::sqlite
