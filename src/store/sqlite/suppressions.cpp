// The suppression list: addresses mail is no longer sent to (hard bounces, or put there by a
// person), keyed by the lowercased address so that claimDue finds them with one index probe.
// Addresses, search text and cursors come from API users: they reach SQL only as binds.
#include <string>

#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace outpost::store::sqlite {
namespace {

Suppression readSuppression(const Query& row) {
  return Suppression{row.text(0), row.text(1), row.text(2), row.text(3), row.int64(4)};
}

}  // namespace

Result<void> upsertSuppression(Connection& connection, const Suppression& suppression) {
  if (suppression.address.empty()) {
    return Error::permanentFailure("invalid_request", "a suppression needs an address");
  }
  Query upsert(connection,
               "INSERT INTO suppressions(address, reason, source, message_id, created_at)"
               " VALUES (?, ?, ?, ?, ?) ON CONFLICT(address) DO UPDATE SET"
               " reason = excluded.reason, source = excluded.source,"
               " message_id = excluded.message_id, created_at = excluded.created_at");
  upsert.bind(1, lowercaseAddress(suppression.address))
      .bind(2, suppression.reason)
      .bind(3, suppression.source)
      .bind(4, suppression.message_id)
      .bind(5, suppression.created_at);
  return upsert.run();
}

Result<void> SqliteStore::addSuppression(const Suppression& suppression) {
  return writer_->run(
      [&](Connection& connection) { return upsertSuppression(connection, suppression); });
}

Result<bool> SqliteStore::removeSuppression(std::string_view address) {
  bool removed = false;
  std::string key = lowercaseAddress(address);
  auto done = writer_->run([&](Connection& connection) -> Result<void> {
    Query remove(connection, "DELETE FROM suppressions WHERE address = ?");
    remove.bind(1, key);
    if (auto deleted = remove.run(); !deleted) return deleted;
    removed = remove.changes() > 0;
    return success();
  });
  if (!done) return done.takeError();
  return removed;
}

Result<std::optional<Suppression>> SqliteStore::findSuppression(std::string_view address) {
  std::string key = lowercaseAddress(address);
  return read([&](Connection& connection) -> Result<std::optional<Suppression>> {
    Query find(connection,
               "SELECT address, reason, source, message_id, created_at FROM suppressions"
               " WHERE address = ?");
    find.bind(1, key);
    auto row = find.step();
    if (!row) return row.takeError();
    if (!*row) return std::optional<Suppression>();
    return std::optional<Suppression>(readSuppression(find));
  });
}

Result<SuppressionPage> SqliteStore::listSuppressions(const SuppressionQuery& query) {
  auto built = buildSuppressionQuery(query);
  if (!built) return built.takeError();
  return read([&](Connection& connection) -> Result<SuppressionPage> {
    Query list(connection, built->sql);
    int index = 1;
    for (const auto& bind : built->binds) {
      std::visit([&](const auto& value) { list.bind(index, value); }, bind);
      ++index;
    }
    SuppressionPage page;
    for (;;) {
      auto row = list.step();
      if (!row) return row.takeError();
      if (!*row) break;
      page.items.push_back(readSuppression(list));
    }
    if (static_cast<int>(page.items.size()) > built->limit) {
      page.items.resize(built->limit);
      const auto& last = page.items.back();
      page.next_cursor = encodeSuppressionCursor(last.created_at, last.address);
    }
    return page;
  });
}

}  // namespace outpost::store::sqlite
