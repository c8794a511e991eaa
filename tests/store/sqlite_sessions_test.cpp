// Console accounts in the SQLite store: listing and changing users and keys, sessions and
// their expiry, and the audit log.
#include <gtest/gtest.h>

#include "store_test_support.h"

namespace outpost::store {
namespace {

class SqliteStoreConsoleAccounts : public testing::StoreTest {
 protected:
  ApiKey createKey(const User& owner, std::string name) {
    ApiKey key;
    key.name = name;
    key.user_id = owner.id;
    key.scope = "send";
    key.domains = {"example.org"};
    key.prefix = "p" + name;
    key.secret_hash = "hash";
    key.created_at = 2000;
    auto created = store_->createApiKey(key);
    EXPECT_TRUE(created.ok());
    return created.ok() ? *created : ApiKey{};
  }

  Session session(const User& user, std::string token_hash, UnixMillis created, UnixMillis seen) {
    Session session;
    session.token_hash = std::move(token_hash);
    session.user_id = user.id;
    session.csrf_token = "csrf-" + session.token_hash;
    session.created_at = created;
    session.last_seen_at = seen;
    session.remote = "127.0.0.1";
    return session;
  }
};

TEST_F(SqliteStoreConsoleAccounts, ListsUsersByEmail) {
  createUser("zoe@example.org", Role::kUser);
  createUser("anna@example.org", Role::kAuditor);
  auto users = store_->listUsers();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].email, "anna@example.org");
  EXPECT_EQ((*users)[0].role, Role::kAuditor);
  EXPECT_EQ((*users)[1].email, "zoe@example.org");
}

TEST_F(SqliteStoreConsoleAccounts, UpdatesRoleAndPasswordOfAUser) {
  User user = createUser("ops@example.org", Role::kUser);
  user.role = Role::kAdmin;
  user.password_hash = "new-hash";
  auto updated = store_->updateUser(user);
  ASSERT_TRUE(updated.ok());
  EXPECT_TRUE(*updated);
  auto found = store_->findUserById(user.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->role, Role::kAdmin);
  EXPECT_EQ((*found)->password_hash, "new-hash");

  User missing = user;
  missing.id = 999;
  auto none = store_->updateUser(missing);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
}

TEST_F(SqliteStoreConsoleAccounts, DeletingAUserDeletesItsKeysAndSessions) {
  User user = createUser("gone@example.org", Role::kUser);
  User other = createUser("stays@example.org", Role::kUser);
  createKey(user, "gone-key");
  createKey(other, "other-key");
  ASSERT_TRUE(store_->createSession(session(user, "h1", 10, 10)).ok());

  auto deleted = store_->deleteUser(user.id);
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  auto keys = store_->listApiKeys(std::nullopt);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].name, "other-key");
  auto found = store_->findSession("h1");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  auto again = store_->deleteUser(user.id);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
}

TEST_F(SqliteStoreConsoleAccounts, ListsEveryKeyOrOneUsersKeysWithTheirDomains) {
  User anna = createUser("anna@example.org", Role::kAdmin);
  User bob = createUser("bob@example.org", Role::kUser);
  createKey(bob, "b-key");
  createKey(anna, "a-key");
  auto all = store_->listApiKeys(std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "a-key");
  EXPECT_EQ((*all)[0].domains, std::vector<std::string>{"example.org"});
  auto bobs = store_->listApiKeys(bob.id);
  ASSERT_TRUE(bobs.ok());
  ASSERT_EQ(bobs->size(), 1u);
  EXPECT_EQ((*bobs)[0].name, "b-key");

  auto deleted = store_->deleteApiKey((*bobs)[0].id);
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  auto found = store_->findApiKeyByName("b-key");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_F(SqliteStoreConsoleAccounts, FindsTouchesAndEndsASession) {
  User user = createUser("ops@example.org", Role::kAdmin);
  ASSERT_TRUE(store_->createSession(session(user, "hash-a", 100, 100)).ok());
  ASSERT_TRUE(store_->touchSession("hash-a", 500).ok());
  auto found = store_->findSession("hash-a");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->user_id, user.id);
  EXPECT_EQ((*found)->csrf_token, "csrf-hash-a");
  EXPECT_EQ((*found)->created_at, 100);
  EXPECT_EQ((*found)->last_seen_at, 500);

  ASSERT_TRUE(store_->deleteSession("hash-a").ok());
  auto gone = store_->findSession("hash-a");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
}

TEST_F(SqliteStoreConsoleAccounts, ExpiresIdleAndOldSessionsOnly) {
  User user = createUser("ops@example.org", Role::kAdmin);
  ASSERT_TRUE(store_->createSession(session(user, "idle", 1000, 1000)).ok());
  ASSERT_TRUE(store_->createSession(session(user, "old", 10, 9000)).ok());
  ASSERT_TRUE(store_->createSession(session(user, "fresh", 5000, 9000)).ok());
  auto expired = store_->deleteExpiredSessions(/*idle_before=*/2000, /*created_before=*/100);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 2);
  auto fresh = store_->findSession("fresh");
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(fresh->has_value());
}

TEST_F(SqliteStoreConsoleAccounts, EndsEverySessionOfOneUser) {
  User anna = createUser("anna@example.org", Role::kAdmin);
  User bob = createUser("bob@example.org", Role::kUser);
  ASSERT_TRUE(store_->createSession(session(anna, "a1", 1, 1)).ok());
  ASSERT_TRUE(store_->createSession(session(anna, "a2", 1, 1)).ok());
  ASSERT_TRUE(store_->createSession(session(bob, "b1", 1, 1)).ok());
  auto ended = store_->deleteUserSessions(anna.id);
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(*ended, 2);
  auto bobs = store_->findSession("b1");
  ASSERT_TRUE(bobs.ok());
  EXPECT_TRUE(bobs->has_value());
}

TEST_F(SqliteStoreConsoleAccounts, PagesTheAuditLogNewestFirst) {
  for (int i = 1; i <= 5; ++i) {
    AuditEntry entry;
    entry.at = i * 1000;
    entry.user_id = 1;
    entry.actor = "admin@example.org";
    entry.action = "smtp.update";
    entry.target = "relay" + std::to_string(i);
    entry.detail = "host changed";
    ASSERT_TRUE(store_->appendAudit(entry).ok());
  }
  AuditQuery query;
  query.limit = 2;
  auto first = store_->listAudit(query);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].target, "relay5");
  EXPECT_EQ(first->items[1].target, "relay4");
  ASSERT_TRUE(first->next_cursor.has_value());

  query.cursor = *first->next_cursor;
  query.limit = 10;
  auto rest = store_->listAudit(query);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->items.size(), 3u);
  EXPECT_EQ(rest->items[0].target, "relay3");
  EXPECT_EQ(rest->items[2].target, "relay1");
  EXPECT_EQ(rest->items[2].actor, "admin@example.org");
  EXPECT_FALSE(rest->next_cursor.has_value());

  query.cursor = "not-a-cursor";
  auto bad = store_->listAudit(query);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_request");
}

}  // namespace
}  // namespace outpost::store
