// Console sessions and the audit log. Session lookups happen on every console request, so
// they read one row by primary key; the writes (login, logout, an idle-time refresh at most
// once a minute per session) go through the grouped writer like every other change.
#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace outpost::store::sqlite {
namespace {

// Audit pages walk the log by id, newest first; the cursor is the last id shown.
std::optional<std::int64_t> parseAuditCursor(std::string_view cursor) {
  std::int64_t id = 0;
  auto [end, error] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), id);
  if (error != std::errc() || end != cursor.data() + cursor.size() || id <= 0) return std::nullopt;
  return id;
}

}  // namespace

Result<void> SqliteStore::createSession(const Session& session) {
  return writer_->run([&](Connection& connection) -> Result<void> {
    Query insert(connection,
                 "INSERT INTO sessions(token_hash, user_id, csrf_token, created_at, last_seen_at,"
                 " remote) VALUES (?, ?, ?, ?, ?, ?)");
    insert.bind(1, session.token_hash)
        .bind(2, session.user_id)
        .bind(3, session.csrf_token)
        .bind(4, session.created_at)
        .bind(5, session.last_seen_at)
        .bind(6, session.remote);
    return insert.run();
  });
}

Result<std::optional<Session>> SqliteStore::findSession(std::string_view token_hash) {
  return read([&](Connection& connection) -> Result<std::optional<Session>> {
    Query find(connection,
               "SELECT token_hash, user_id, csrf_token, created_at, last_seen_at, remote"
               " FROM sessions WHERE token_hash = ?");
    find.bind(1, token_hash);
    auto row = find.step();
    if (!row) return row.takeError();
    if (!*row) return std::optional<Session>();
    Session session;
    session.token_hash = find.text(0);
    session.user_id = find.int64(1);
    session.csrf_token = find.text(2);
    session.created_at = find.int64(3);
    session.last_seen_at = find.int64(4);
    session.remote = find.text(5);
    return std::optional<Session>(std::move(session));
  });
}

Result<void> SqliteStore::touchSession(std::string_view token_hash, UnixMillis at) {
  return writer_->run([&](Connection& connection) -> Result<void> {
    Query touch(connection, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?");
    touch.bind(1, at).bind(2, token_hash);
    return touch.run();
  });
}

Result<void> SqliteStore::deleteSession(std::string_view token_hash) {
  return writer_->run([&](Connection& connection) -> Result<void> {
    Query remove(connection, "DELETE FROM sessions WHERE token_hash = ?");
    remove.bind(1, token_hash);
    return remove.run();
  });
}

Result<int> SqliteStore::deleteUserSessions(std::int64_t user_id) {
  return changeRows(*writer_, "DELETE FROM sessions WHERE user_id = ?",
                    [&](Query& remove) { remove.bind(1, user_id); });
}

Result<int> SqliteStore::deleteExpiredSessions(UnixMillis idle_before, UnixMillis created_before) {
  return changeRows(*writer_, "DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?",
                    [&](Query& remove) { remove.bind(1, idle_before).bind(2, created_before); });
}

Result<void> SqliteStore::appendAudit(const AuditEntry& entry) {
  return writer_->run([&](Connection& connection) -> Result<void> {
    Query insert(connection,
                 "INSERT INTO audit_log(at, user_id, actor, action, target, detail)"
                 " VALUES (?, ?, ?, ?, ?, ?)");
    insert.bind(1, entry.at)
        .bind(2, entry.user_id)
        .bind(3, entry.actor)
        .bind(4, entry.action)
        .bind(5, entry.target)
        .bind(6, entry.detail);
    return insert.run();
  });
}

Result<AuditPage> SqliteStore::listAudit(const AuditQuery& query) {
  std::optional<std::int64_t> before;
  if (!query.cursor.empty()) {
    before = parseAuditCursor(query.cursor);
    if (!before) return Error::permanentFailure("invalid_request", "malformed cursor");
  }
  const int limit = std::clamp(query.limit, 1, 500);
  return read([&](Connection& connection) -> Result<AuditPage> {
    Query list(connection,
               "SELECT id, at, user_id, actor, action, target, detail FROM audit_log"
               " WHERE ?1 IS NULL OR id < ?1 ORDER BY id DESC LIMIT ?2");
    list.bind(1, before).bind(2, limit + 1);
    AuditPage page;
    for (;;) {
      auto row = list.step();
      if (!row) return row.takeError();
      if (!*row) break;
      AuditEntry entry;
      entry.id = list.int64(0);
      entry.at = list.int64(1);
      entry.user_id = list.int64(2);
      entry.actor = list.text(3);
      entry.action = list.text(4);
      entry.target = list.text(5);
      entry.detail = list.text(6);
      page.items.push_back(std::move(entry));
    }
    if (static_cast<int>(page.items.size()) > limit) {
      page.items.pop_back();
      page.next_cursor = std::to_string(page.items.back().id);
    }
    return page;
  });
}

}  // namespace outpost::store::sqlite
