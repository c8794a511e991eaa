// DKIM keys per domain and selector, with their pending → active → retired states. Domains and
// selectors come from API users: they reach SQL only as binds, lowercased (DNS names are
// case-insensitive, so "Example.COM" and "example.com" are one domain).
#include <string>

#include "core/text.h"
#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace outpost::store::sqlite {
namespace {

constexpr const char* kColumns =
    "domain, selector, algorithm, bits, state, sealed_private_key, public_record, created_at,"
    " activated_at, retired_at, validated_at, last_validation";

DkimKey readKey(const Query& row) {
  DkimKey key;
  key.domain = row.text(0);
  key.selector = row.text(1);
  key.algorithm = row.text(2);
  key.bits = row.integer(3);
  key.state = row.text(4);
  key.sealed_private_key = row.text(5);
  key.public_record = row.text(6);
  key.created_at = row.int64(7);
  key.activated_at = row.optionalInt64(8);
  key.retired_at = row.optionalInt64(9);
  key.validated_at = row.optionalInt64(10);
  key.last_validation = row.text(11);
  return key;
}

Error noSuchKey(std::string_view domain, std::string_view selector) {
  return Error::permanentFailure(
      "not_found",
      "no DKIM key with selector \"" + std::string(selector) + "\" for " + std::string(domain));
}

}  // namespace

Result<void> SqliteStore::insertDkimKey(const DkimKey& key) {
  return writer_->run([&](Connection& connection) -> Result<void> {
    Query insert(connection,
                 "INSERT INTO dkim_keys(domain, selector, algorithm, bits, state,"
                 " sealed_private_key, public_record, created_at, activated_at)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, lowercase(key.domain))
        .bind(2, lowercase(key.selector))
        .bind(3, key.algorithm)
        .bind(4, key.bits)
        .bind(5, key.state)
        .bind(6, key.sealed_private_key)
        .bind(7, key.public_record)
        .bind(8, key.created_at)
        .bind(9, key.activated_at);
    if (auto inserted = insert.run(); !inserted) {
      Error error = inserted.takeError();
      if (error.code == "conflict") {
        error.message = key.domain + " already has a DKIM key with selector \"" + key.selector +
                        "\": choose another selector or delete that key first";
      }
      return error;
    }
    return success();
  });
}

Result<std::vector<DkimKey>> SqliteStore::listDkimKeys(std::string_view domain) {
  const std::string key_domain = lowercase(domain);
  return read([&](Connection& connection) -> Result<std::vector<DkimKey>> {
    Query list(connection, std::string("SELECT ") + kColumns +
                               " FROM dkim_keys WHERE ? = '' OR domain = ?"
                               " ORDER BY domain, created_at DESC, selector");
    list.bind(1, key_domain).bind(2, key_domain);
    std::vector<DkimKey> keys;
    for (;;) {
      auto row = list.step();
      if (!row) return row.takeError();
      if (!*row) break;
      keys.push_back(readKey(list));
    }
    return keys;
  });
}

Result<std::optional<DkimKey>> SqliteStore::findDkimKey(std::string_view domain,
                                                        std::string_view selector) {
  const std::string key_domain = lowercase(domain);
  const std::string key_selector = lowercase(selector);
  return read([&](Connection& connection) -> Result<std::optional<DkimKey>> {
    Query find(connection, std::string("SELECT ") + kColumns +
                               " FROM dkim_keys WHERE domain = ? AND selector = ?");
    find.bind(1, key_domain).bind(2, key_selector);
    auto row = find.step();
    if (!row) return row.takeError();
    if (!*row) return std::optional<DkimKey>();
    return std::optional<DkimKey>(readKey(find));
  });
}

Result<void> SqliteStore::activateDkimKey(std::string_view domain, std::string_view selector,
                                          UnixMillis now) {
  const std::string key_domain = lowercase(domain);
  const std::string key_selector = lowercase(selector);
  return writer_->run([&](Connection& connection) -> Result<void> {
    Query algorithm(connection,
                    "SELECT algorithm, state FROM dkim_keys WHERE domain = ? AND selector = ?");
    algorithm.bind(1, key_domain).bind(2, key_selector);
    auto row = algorithm.step();
    if (!row) return row.takeError();
    if (!*row) return noSuchKey(domain, selector);
    if (algorithm.text(1) == "active") return success();
    const std::string name = algorithm.text(0);
    Query retire(connection,
                 "UPDATE dkim_keys SET state = 'retired', retired_at = ?"
                 " WHERE domain = ? AND algorithm = ? AND state = 'active' AND selector <> ?");
    retire.bind(1, now).bind(2, key_domain).bind(3, name).bind(4, key_selector);
    if (auto retired = retire.run(); !retired) return retired;
    Query activate(connection,
                   "UPDATE dkim_keys SET state = 'active', activated_at = ?, retired_at = NULL"
                   " WHERE domain = ? AND selector = ?");
    activate.bind(1, now).bind(2, key_domain).bind(3, key_selector);
    return activate.run();
  });
}

Result<void> SqliteStore::recordDkimValidation(std::string_view domain, std::string_view selector,
                                               UnixMillis at, bool valid,
                                               std::string_view summary) {
  const std::string key_domain = lowercase(domain);
  const std::string key_selector = lowercase(selector);
  return writer_->run([&](Connection& connection) -> Result<void> {
    Query update(connection,
                 "UPDATE dkim_keys SET last_validation = ?,"
                 " validated_at = CASE WHEN ? THEN ? ELSE validated_at END"
                 " WHERE domain = ? AND selector = ?");
    update.bind(1, summary).bind(2, valid).bind(3, at).bind(4, key_domain).bind(5, key_selector);
    if (auto updated = update.run(); !updated) return updated;
    if (update.changes() == 0) return noSuchKey(domain, selector);
    return success();
  });
}

Result<bool> SqliteStore::deleteDkimKey(std::string_view domain, std::string_view selector) {
  const std::string key_domain = lowercase(domain);
  const std::string key_selector = lowercase(selector);
  bool removed = false;
  auto done = writer_->run([&](Connection& connection) -> Result<void> {
    Query remove(connection, "DELETE FROM dkim_keys WHERE domain = ? AND selector = ?");
    remove.bind(1, key_domain).bind(2, key_selector);
    if (auto deleted = remove.run(); !deleted) return deleted;
    removed = remove.changes() > 0;
    return success();
  });
  if (!done) return done.takeError();
  return removed;
}

}  // namespace outpost::store::sqlite
