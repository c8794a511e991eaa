// Users, API keys and settings in the SQLite store.
#include <gtest/gtest.h>

#include "store_test_support.h"

namespace outpost::store {
namespace {

class SqliteStoreAccounts : public testing::StoreTest {};

TEST(Roles, RoundTripThroughTheirNames) {
  for (auto role : {Role::kSuperAdmin, Role::kAdmin, Role::kUser, Role::kAuditor}) {
    EXPECT_EQ(parseRole(toString(role)), role);
  }
  EXPECT_EQ(toString(Role::kSuperAdmin), "superadmin");
  EXPECT_FALSE(parseRole("root"));
  EXPECT_FALSE(parseRole(""));
}

TEST_F(SqliteStoreAccounts, UsersAreFoundByEmailWithoutCaseAndById) {
  auto paula = createUser("Paula@Example.com", Role::kAdmin);
  EXPECT_GT(paula.id, 0);
  auto found = store_->findUserByEmail("paula@example.COM");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(*found);
  EXPECT_EQ((*found)->id, paula.id);
  EXPECT_EQ((*found)->email, "Paula@Example.com");
  EXPECT_EQ((*found)->role, Role::kAdmin);
  EXPECT_EQ((*found)->password_hash, paula.password_hash);
  EXPECT_EQ((*found)->created_at, 1000);
  auto by_id = store_->findUserById(paula.id);
  ASSERT_TRUE(by_id.ok() && *by_id);
  EXPECT_EQ((*by_id)->email, "Paula@Example.com");
  auto missing = store_->findUserByEmail("nobody@example.com");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(*missing);
}

TEST_F(SqliteStoreAccounts, TakenEmailIsAConflict) {
  createUser("paula@example.com", Role::kUser);
  User again;
  again.email = "PAULA@example.com";
  again.created_at = 2000;
  auto conflict = store_->createUser(again);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, "conflict");
}

TEST_F(SqliteStoreAccounts, FirstSuperAdminIsTheOldest) {
  auto none = store_->firstSuperAdmin();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
  createUser("user@example.com", Role::kUser);
  auto first = createUser("first@example.com", Role::kSuperAdmin);
  createUser("second@example.com", Role::kSuperAdmin);
  auto found = store_->firstSuperAdmin();
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ((*found)->id, first.id);
}

TEST_F(SqliteStoreAccounts, ApiKeysAreFoundByPrefixAndNameWithTheirDomains) {
  auto owner = createUser("owner@example.com", Role::kAdmin);
  ApiKey key;
  key.name = "crm";
  key.user_id = owner.id;
  key.scope = "send";
  key.domains = {"example.com", "jobs.example.com", "we\"ird\\.example"};
  key.prefix = "op_live_abc123";
  key.secret_hash = "hash";
  key.created_at = 5000;
  auto created = store_->createApiKey(key);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_GT(created->id, 0);

  for (auto found :
       {store_->findApiKeyByPrefix("op_live_abc123"), store_->findApiKeyByName("crm")}) {
    ASSERT_TRUE(found.ok() && *found);
    EXPECT_EQ((*found)->id, created->id);
    EXPECT_EQ((*found)->name, "crm");
    EXPECT_EQ((*found)->user_id, owner.id);
    EXPECT_EQ((*found)->scope, "send");
    EXPECT_EQ((*found)->domains, key.domains);
    EXPECT_EQ((*found)->secret_hash, "hash");
    EXPECT_EQ((*found)->created_at, 5000);
  }
  auto missing = store_->findApiKeyByName("erp");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(*missing);

  ApiKey same_name = key;
  same_name.prefix = "op_live_other";
  auto conflict = store_->createApiKey(same_name);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, "conflict");

  ApiKey no_owner = key;
  no_owner.name = "orphan";
  no_owner.prefix = "op_live_orphan";
  no_owner.user_id = 999;
  auto orphan = store_->createApiKey(no_owner);
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, "invalid_request");
}

TEST_F(SqliteStoreAccounts, SettingsAreReplacedByKey) {
  auto missing = store_->getSetting("smtp");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(*missing);
  ASSERT_TRUE(store_->putSetting("smtp", R"({"host":"relay.example.com"})").ok());
  ASSERT_TRUE(store_->putSetting("smtp", R"({"host":"relay2.example.com"})").ok());
  auto found = store_->getSetting("smtp");
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ(**found, R"({"host":"relay2.example.com"})");
  EXPECT_TRUE(store_->ping().ok());
}

TEST_F(SqliteStoreAccounts, SettingsAreListedByPrefixInKeyOrder) {
  // '_' and '%' are LIKE wildcards: a prefix must match them literally.
  for (const char* key : {"relay:us", "relay:eu", "relay:eu_2", "relays", "relax", "smtp",
                          "relay_x", "relay%y", "relay:"}) {
    ASSERT_TRUE(store_->putSetting(key, std::string("{\"key\":\"") + key + "\"}").ok());
  }
  auto relays = store_->listSettings("relay:");
  ASSERT_TRUE(relays.ok()) << relays.error().message;
  std::vector<std::string> keys;
  for (const auto& [key, value] : *relays) {
    keys.push_back(key);
    EXPECT_EQ(value, "{\"key\":\"" + key + "\"}");
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"relay:", "relay:eu", "relay:eu_2", "relay:us"}));

  auto underscore = store_->listSettings("relay_");
  ASSERT_TRUE(underscore.ok());
  ASSERT_EQ(underscore->size(), 1u);
  EXPECT_EQ(underscore->front().first, "relay_x");

  auto none = store_->listSettings("dkim:");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto all = store_->listSettings("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 9u);
}

TEST_F(SqliteStoreAccounts, DeletingASettingSaysWhetherItExisted) {
  ASSERT_TRUE(store_->putSetting("relay:eu", "{}").ok());
  ASSERT_TRUE(store_->putSetting("relay:us", "{}").ok());
  auto deleted = store_->deleteSetting("relay:eu");
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_TRUE(*deleted);
  auto again = store_->deleteSetting("relay:eu");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto gone = store_->getSetting("relay:eu");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(*gone);
  auto kept = store_->getSetting("relay:us");
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(*kept);
}

}  // namespace
}  // namespace outpost::store
