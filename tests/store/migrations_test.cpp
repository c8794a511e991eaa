// Migrations: embedded, numbered, applied once each and recorded in schema_migrations.
#include "store/sqlite/migrations.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store_test_support.h"

namespace outpost::store {
namespace {

using testing::openStore;
using testing::TempDatabase;

std::vector<std::pair<int, std::int64_t>> appliedMigrations(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(
      sqlite3_prepare_v2(db, "SELECT version, applied_at FROM schema_migrations ORDER BY version",
                         -1, &stmt, nullptr),
      SQLITE_OK);
  std::vector<std::pair<int, std::int64_t>> rows;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    rows.emplace_back(sqlite3_column_int(stmt, 0), sqlite3_column_int64(stmt, 1));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

TEST(SqliteMigrations, EmbeddedMigrationsAreNumberedFromOneWithoutGaps) {
  auto migrations = sqlite::embeddedMigrations();
  ASSERT_FALSE(migrations.empty());
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1) << migrations[i].name;
  }
  EXPECT_STREQ(migrations[0].name, "0001_initial");
  EXPECT_NE(std::string(migrations[0].sql).find("CREATE TABLE messages"), std::string::npos);
}

TEST(SqliteMigrations, RunOnceAndAreRecorded) {
  TempDatabase db;
  {
    auto store = openStore(db.path());
    ASSERT_TRUE(store);
    // Migrating again (as app does at start) changes nothing.
    ASSERT_TRUE(store->migrate().ok());
  }
  auto first = appliedMigrations(db.path());
  ASSERT_EQ(first.size(), sqlite::embeddedMigrations().size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].first, static_cast<int>(i) + 1);
    EXPECT_GT(first[i].second, 0);
  }
  {
    auto reopened = openStore(db.path());
    ASSERT_TRUE(reopened);
  }
  EXPECT_EQ(appliedMigrations(db.path()), first);  // same rows, same applied_at
}

TEST(SqliteMigrations, BouncesMigrationKeepsTheRowsOfAVersion2Database) {
  TempDatabase db;
  {
    auto connection =
        sqlite::Connection::open(db.path(), sqlite::Connection::Mode::kReadWrite, 1000);
    ASSERT_TRUE(connection.ok());
    auto up_to_2 = sqlite::embeddedMigrations().first(2);
    ASSERT_EQ(up_to_2.back().version, 2);
    ASSERT_TRUE(sqlite::applyMigrations(**connection, up_to_2).ok());
    auto filled =
        (*connection)
            ->exec(
                "INSERT INTO messages(id, message_id, mail_from, from_header, subject, size_bytes,"
                " created_at, to_list) VALUES ('01JOLDMESSAGE0000000000000', '<old@example.com>',"
                " 'jobs@example.com', 'jobs@example.com', 'Before bounces', 9, 1000, "
                "'old@example.org');"
                "INSERT INTO message_bodies(message_id, raw)"
                " VALUES ('01JOLDMESSAGE0000000000000', 'Hi\r\n');"
                "INSERT INTO recipients(message_id, address, field, next_attempt_at)"
                " VALUES ('01JOLDMESSAGE0000000000000', 'old@example.org', 'to', 1000);");
    ASSERT_TRUE(filled.ok()) << filled.error().message;
  }
  auto store = openStore(db.path());
  ASSERT_TRUE(store);
  EXPECT_EQ(appliedMigrations(db.path()).size(), sqlite::embeddedMigrations().size());
  auto message = store->getMessage("01JOLDMESSAGE0000000000000");
  ASSERT_TRUE(message.ok()) << message.error().message;
  EXPECT_EQ(message->summary.subject, "Before bounces");
  EXPECT_TRUE(message->reports.empty());
  auto due = store->claimDue(2000, "node-a", 62'000, 10);
  ASSERT_TRUE(due.ok()) << due.error().message;
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].address, "old@example.org");
  EXPECT_EQ((*due)[0].notify, "");
  EXPECT_EQ((*due)[0].dsn_ret, "");
  EXPECT_FALSE((*due)[0].suppression);
}

TEST(SqliteMigrations, RefuseADatabaseFromANewerOutpost) {
  TempDatabase db;
  { ASSERT_TRUE(openStore(db.path())); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.path().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "INSERT INTO schema_migrations(version, name, applied_at)"
                         " VALUES (9999, '9999_future', 1)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto store = openSqliteStore(SqliteOptions{db.path()});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, "store.schema_too_new");
  EXPECT_NE(store.error().message.find("9999"), std::string::npos);
}

TEST(SqliteStoreOpen, SetsWalAndReportsUnopenablePaths) {
  TempDatabase db;
  { ASSERT_TRUE(openStore(db.path())); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.path().c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(raw);

  auto missing = openSqliteStore(SqliteOptions{db.path() + ".d/no/such/folder/outpost.db"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "store.unavailable");
  EXPECT_NE(missing.error().message.find("unable to open"), std::string::npos)
      << missing.error().message;
}

}  // namespace
}  // namespace outpost::store
