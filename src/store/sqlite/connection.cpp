// SQLite connections, cached prepared statements and the mapping of SQLite errors.
// Database content is untrusted only as far as its text is concerned: columns may be NULL.
#include "store/sqlite/connection.h"

#include <mutex>
#include <string>

namespace outpost::store::sqlite {
namespace {

// Each write job of a group commit runs in a SAVEPOINT, and SQLite keeps the pages a savepoint
// changes in a statement journal so that one job can be undone alone. By default that journal
// spills to a temporary file past 64 KiB, which one accepted message nearly always passes: the
// benchmark counted 50 of the 70 pwrite calls per accepted message going to that file, which
// nothing reads unless a job fails. Kept in memory up to 120 KiB, it costs a page copy instead
// of two system calls per page (20-27 pwrite calls per message remain, 2,000 instead of 1,450
// messages/s). Larger jobs (bulk updates) still spill, so memory stays bounded. 120 KiB and not
// more: the journal spills in chunks of the threshold's size, and SQLite's unix VFS writes at
// most 128 KiB - 1 bytes per call (os_unix.c masks the length with 0x1ffff), so a larger
// threshold turns every spill into SQLITE_FULL (8 MiB failed the durability test that way). The
// statement journal is never part of what a commit makes durable.
constexpr int kStatementJournalSpillBytes = 120 << 10;

void configureLibrary() {
  static std::once_flag once;
  // SQLITE_MISUSE if SQLite was initialized already (by another user in the process): the
  // store then works as before, only with the default spill threshold.
  std::call_once(once,
                 [] { sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, kStatementJournalSpillBytes); });
}

}  // namespace

Error sqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  int extended = rc;
  if (db != nullptr) {
    message += sqlite3_errmsg(db);
    extended = sqlite3_extended_errcode(db);
    if ((extended & 0xff) != (rc & 0xff)) extended = rc;
  } else {
    message += sqlite3_errstr(rc);
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Error::permanentFailure("conflict", std::move(message));
      }
      return Error::permanentFailure("invalid_request", std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_INTERRUPT:
    case SQLITE_READONLY:
      return Error::temporaryFailure("store.unavailable", std::move(message));
    default:
      return Error::permanentFailure("store.unavailable", std::move(message));
  }
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, Mode mode,
                                                     int busy_timeout_ms) {
  configureLibrary();
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |=
      mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = sqliteError(db, rc, "cannot open database " + path);
    sqlite3_close_v2(db);
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<void> Connection::exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return success();
  std::string context = "SQL failed";
  if (message != nullptr) sqlite3_free(message);
  std::string_view text(sql);
  context += " (" + std::string(text.substr(0, 60)) + ")";
  return sqliteError(db_, rc, context);
}

Result<sqlite3_stmt*> Connection::prepare(std::string_view sql) {
  auto found = statements_.find(std::string(sql));
  if (found != statements_.end()) return found->second;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return sqliteError(db_, rc, "cannot prepare statement");
  statements_.emplace(std::string(sql), stmt);
  return stmt;
}

Query::Query(Connection& connection, std::string_view sql) : connection_(connection) {
  auto prepared = connection.prepare(sql);
  if (prepared) {
    stmt_ = *prepared;
  } else {
    error_ = prepared.takeError();
  }
}

Query::~Query() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::bind(int index, std::int64_t value) {
  if (stmt_ == nullptr) return *this;
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::bind(int index, std::string_view text) {
  if (stmt_ == nullptr) return *this;
  // A null pointer would bind NULL; an empty string_view may have one.
  const char* data = text.data() != nullptr ? text.data() : "";
  int rc = sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::bind(int index, std::optional<std::int64_t> value) {
  return value ? bind(index, *value) : bindNull(index);
}

Query& Query::bindNull(int index) {
  if (stmt_ == nullptr) return *this;
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::bindStaticBlob(int index, std::string_view bytes) {
  if (stmt_ == nullptr) return *this;
  // An empty blob must still be a blob, not NULL: give SQLite a valid pointer.
  static const char empty = 0;
  const char* data = bytes.empty() ? &empty : bytes.data();
  int rc = sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_STATIC);
  if (rc != SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> Query::step() {
  if (stmt_ == nullptr) return error_;
  if (bind_rc_ != SQLITE_OK) return sqliteError(connection_.handle(), bind_rc_, "cannot bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqliteError(connection_.handle(), rc, "statement failed");
}

Result<void> Query::run() {
  auto stepped = step();
  if (!stepped) return stepped.takeError();
  return success();
}

void Query::reset() {
  if (stmt_ != nullptr) sqlite3_reset(stmt_);
}

int Query::changes() const { return sqlite3_changes(connection_.handle()); }

std::int64_t Query::lastInsertRowid() const {
  return sqlite3_last_insert_rowid(connection_.handle());
}

std::int64_t Query::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view Query::textView(int column) const {
  const unsigned char* data = sqlite3_column_text(stmt_, column);
  if (data == nullptr) return {};
  int size = sqlite3_column_bytes(stmt_, column);
  return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

std::string_view Query::blobView(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  if (data == nullptr) return {};
  int size = sqlite3_column_bytes(stmt_, column);
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

std::string Query::text(int column) const { return std::string(textView(column)); }

std::optional<std::int64_t> Query::optionalInt64(int column) const {
  if (isNull(column)) return std::nullopt;
  return int64(column);
}

bool Query::isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

}  // namespace outpost::store::sqlite
