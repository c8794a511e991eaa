// A SQLite connection with its cache of prepared statements, and Query, a statement in use
// that binds parameters, steps rows and resets itself. SQLite's errors become outpost Errors
// that keep SQLite's own text. Not thread-safe: one thread uses a connection at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace outpost::store::sqlite {

// Maps a SQLite result code to an outpost Error: UNIQUE and PRIMARY KEY violations are
// "conflict", other constraint violations "invalid_request", everything else
// "store.unavailable" (temporary when retrying can help: busy, locked, I/O, disk full).
Error sqliteError(sqlite3* db, int rc, std::string_view what);

class Connection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens (creating in read-write mode) the database at `path`.
  static Result<std::unique_ptr<Connection>> open(const std::string& path, Mode mode,
                                                  int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }
  // Runs statements without results (PRAGMA, BEGIN, COMMIT, migrations).
  Result<void> exec(const char* sql);
  // The cached prepared statement for `sql`, prepared on first use.
  Result<sqlite3_stmt*> prepare(std::string_view sql);
  // True while a transaction is open (SQLite may roll one back by itself on I/O errors).
  bool inTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// One execution of a cached statement. Binding indexes are 1-based, column indexes 0-based.
// Text binds are copied; bindStaticBlob is not, so its bytes must outlive the Query.
class Query {
 public:
  // Prepares (or finds) `sql` on `connection`. A statement that cannot be prepared makes
  // binds no-ops and step() return the preparation error.
  Query(Connection& connection, std::string_view sql);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Error error() const { return error_; }

  Query& bind(int index, std::int64_t value);
  Query& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Query& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value)); }
  Query& bind(int index, std::string_view text);
  Query& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Query& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Query& bind(int index, std::optional<std::int64_t> value);
  Query& bindNull(int index);
  Query& bindStaticBlob(int index, std::string_view bytes);

  // Steps once: true with a row, false when done.
  Result<bool> step();
  // Steps a statement that returns no rows.
  Result<void> run();
  // Makes the statement ready to run again (with new binds).
  void reset();
  // sqlite3_changes after run().
  int changes() const;
  std::int64_t lastInsertRowid() const;

  std::int64_t int64(int column) const;
  int integer(int column) const { return static_cast<int>(int64(column)); }
  bool boolean(int column) const { return int64(column) != 0; }
  std::string text(int column) const;
  std::string_view textView(int column) const;  // valid until the next step
  std::string_view blobView(int column) const;  // valid until the next step
  std::optional<std::int64_t> optionalInt64(int column) const;
  bool isNull(int column) const;

 private:
  Connection& connection_;
  sqlite3_stmt* stmt_ = nullptr;
  Error error_;
  int bind_rc_ = SQLITE_OK;
};

}  // namespace outpost::store::sqlite
