// Users, API keys and settings (sessions and the audit log are in sessions.cpp). E-mail addresses
// compare without case (the column's collation); names and prefixes are unique, and taken ones are
// reported as "conflict". Lookup arguments come from logins and API requests: they are only bound,
// never spliced.
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace outpost::store::sqlite {
namespace {

constexpr const char* kUserColumns = "SELECT id, email, role, password_hash, created_at FROM users";
constexpr const char* kApiKeyColumns =
    "SELECT id, name, user_id, scope, domains_json, prefix, secret_hash, created_at FROM api_keys";

User readUser(const Query& row) {
  User user;
  user.id = row.int64(0);
  user.email = row.text(1);
  // An unknown role reads as the least privileged one.
  user.role = parseRole(row.textView(2)).value_or(Role::kAuditor);
  user.password_hash = row.text(3);
  user.created_at = row.int64(4);
  return user;
}

Result<std::optional<User>> findUser(Connection& connection, const std::string& sql,
                                     const Bind& key) {
  Query find(connection, sql);
  std::visit([&](const auto& value) { find.bind(1, value); }, key);
  auto row = find.step();
  if (!row) return row.takeError();
  if (!*row) return std::optional<User>();
  return std::optional<User>(readUser(find));
}

std::string jsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string jsonArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += jsonString(items[i]);
  }
  return out + "]";
}

// Reads the key at the current row of `row` (columns kApiKeyColumns) with its domains.
Result<ApiKey> readApiKey(Connection& connection, const Query& row) {
  ApiKey key;
  key.id = row.int64(0);
  key.name = row.text(1);
  key.user_id = row.int64(2);
  key.scope = row.text(3);
  key.prefix = row.text(5);
  key.secret_hash = row.text(6);
  key.created_at = row.int64(7);
  Query domains(connection, "SELECT value FROM json_each(?) WHERE type = 'text'");
  domains.bind(1, row.textView(4));
  for (;;) {
    auto domain = domains.step();
    if (!domain) return domain.takeError();
    if (!*domain) break;
    key.domains.push_back(domains.text(0));
  }
  return key;
}

Result<std::optional<ApiKey>> findApiKey(Connection& connection, const char* column,
                                         std::string_view value) {
  Query find(connection, std::string(kApiKeyColumns) + " WHERE " + column + " = ?");
  find.bind(1, value);
  auto row = find.step();
  if (!row) return row.takeError();
  if (!*row) return std::optional<ApiKey>();
  auto key = readApiKey(connection, find);
  if (!key) return key.takeError();
  return std::optional<ApiKey>(std::move(*key));
}

// Runs a one-statement change and tells whether it changed a row.
template <class Bind>
Result<bool> changeOne(Writer& writer, const char* sql, Bind bind) {
  auto changed = changeRows(writer, sql, bind);
  if (!changed) return changed.takeError();
  return *changed > 0;
}

std::int64_t nowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<User> SqliteStore::createUser(const User& user) {
  User created = user;
  auto done = writer_->run([&](Connection& connection) -> Result<void> {
    Query insert(connection,
                 "INSERT INTO users(email, role, password_hash, created_at) VALUES (?, ?, ?, ?)");
    insert.bind(1, user.email)
        .bind(2, toString(user.role))
        .bind(3, user.password_hash)
        .bind(4, user.created_at);
    if (auto inserted = insert.run(); !inserted) {
      Error error = inserted.takeError();
      if (error.code == "conflict") error.message = "a user with e-mail " + user.email + " exists";
      return error;
    }
    created.id = insert.lastInsertRowid();
    return success();
  });
  if (!done) return done.takeError();
  return created;
}

Result<std::optional<User>> SqliteStore::findUserByEmail(std::string_view email) {
  return read([&](Connection& connection) {
    return findUser(connection, std::string(kUserColumns) + " WHERE email = ?", std::string(email));
  });
}

Result<std::optional<User>> SqliteStore::findUserById(std::int64_t id) {
  return read([&](Connection& connection) {
    return findUser(connection, std::string(kUserColumns) + " WHERE id = ?", id);
  });
}

Result<std::optional<User>> SqliteStore::firstSuperAdmin() {
  return read([&](Connection& connection) {
    return findUser(connection, std::string(kUserColumns) + " WHERE role = ? ORDER BY id LIMIT 1",
                    std::string(toString(Role::kSuperAdmin)));
  });
}

Result<std::vector<User>> SqliteStore::listUsers() {
  return read([&](Connection& connection) -> Result<std::vector<User>> {
    Query list(connection, std::string(kUserColumns) + " ORDER BY email");
    std::vector<User> users;
    for (;;) {
      auto row = list.step();
      if (!row) return row.takeError();
      if (!*row) break;
      users.push_back(readUser(list));
    }
    return users;
  });
}

Result<bool> SqliteStore::updateUser(const User& user) {
  return changeOne(
      *writer_, "UPDATE users SET role = ?, password_hash = ? WHERE id = ?", [&](Query& update) {
        update.bind(1, toString(user.role)).bind(2, user.password_hash).bind(3, user.id);
      });
}

Result<bool> SqliteStore::deleteUser(std::int64_t id) {
  // API keys and sessions go with it (ON DELETE CASCADE); messages keep their owner id.
  return changeOne(*writer_, "DELETE FROM users WHERE id = ?",
                   [&](Query& remove) { remove.bind(1, id); });
}

Result<std::vector<ApiKey>> SqliteStore::listApiKeys(std::optional<std::int64_t> user_id) {
  return read([&](Connection& connection) -> Result<std::vector<ApiKey>> {
    Query list(connection,
               std::string(kApiKeyColumns) + " WHERE ?1 IS NULL OR user_id = ?1 ORDER BY name");
    list.bind(1, user_id);
    std::vector<ApiKey> keys;
    for (;;) {
      auto row = list.step();
      if (!row) return row.takeError();
      if (!*row) break;
      auto key = readApiKey(connection, list);
      if (!key) return key.takeError();
      keys.push_back(std::move(*key));
    }
    return keys;
  });
}

Result<bool> SqliteStore::deleteApiKey(std::int64_t id) {
  return changeOne(*writer_, "DELETE FROM api_keys WHERE id = ?",
                   [&](Query& remove) { remove.bind(1, id); });
}

Result<ApiKey> SqliteStore::createApiKey(const ApiKey& key) {
  ApiKey created = key;
  auto done = writer_->run([&](Connection& connection) -> Result<void> {
    Query insert(connection,
                 "INSERT INTO api_keys(name, user_id, scope, domains_json, prefix, secret_hash,"
                 " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, key.name)
        .bind(2, key.user_id)
        .bind(3, key.scope)
        .bind(4, jsonArray(key.domains))
        .bind(5, key.prefix)
        .bind(6, key.secret_hash)
        .bind(7, key.created_at);
    if (auto inserted = insert.run(); !inserted) {
      Error error = inserted.takeError();
      if (error.code == "conflict") {
        error.message =
            "an API key named " + key.name + " (or with its prefix) exists: " + error.message;
      } else if (error.code == "invalid_request") {
        error.message = "no user " + std::to_string(key.user_id) + ": " + error.message;
      }
      return error;
    }
    created.id = insert.lastInsertRowid();
    return success();
  });
  if (!done) return done.takeError();
  return created;
}

Result<std::optional<ApiKey>> SqliteStore::findApiKeyByPrefix(std::string_view prefix) {
  return read([&](Connection& connection) { return findApiKey(connection, "prefix", prefix); });
}

Result<std::optional<ApiKey>> SqliteStore::findApiKeyByName(std::string_view name) {
  return read([&](Connection& connection) { return findApiKey(connection, "name", name); });
}

Result<std::optional<std::string>> SqliteStore::getSetting(std::string_view key) {
  return read([&](Connection& connection) -> Result<std::optional<std::string>> {
    Query get(connection, "SELECT value FROM settings WHERE key = ?");
    get.bind(1, key);
    auto row = get.step();
    if (!row) return row.takeError();
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>(get.text(0));
  });
}

Result<void> SqliteStore::putSetting(std::string_view key, std::string_view value) {
  std::int64_t now = nowMillis();
  return writer_->run([&](Connection& connection) -> Result<void> {
    Query put(connection,
              "INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?)"
              " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
              " updated_at = excluded.updated_at");
    put.bind(1, key).bind(2, value).bind(3, now);
    return put.run();
  });
}

Result<std::vector<std::pair<std::string, std::string>>> SqliteStore::listSettings(
    std::string_view prefix) {
  using Settings = std::vector<std::pair<std::string, std::string>>;
  return read([&](Connection& connection) -> Result<Settings> {
    // The range start walks the primary key; substr() keeps exactly the prefixed keys (no LIKE:
    // '_' and '%' are common in keys).
    Query list(connection,
               "SELECT key, value FROM settings WHERE key >= ?1"
               " AND substr(key, 1, length(?1)) = ?1 ORDER BY key");
    list.bind(1, prefix);
    Settings settings;
    while (true) {
      auto row = list.step();
      if (!row) return row.takeError();
      if (!*row) break;
      settings.emplace_back(list.text(0), list.text(1));
    }
    return settings;
  });
}

Result<bool> SqliteStore::deleteSetting(std::string_view key) {
  return changeOne(*writer_, "DELETE FROM settings WHERE key = ?",
                   [&](Query& remove) { remove.bind(1, key); });
}

}  // namespace outpost::store::sqlite
