// DKIM keys in the SQLite store: one per domain and selector, pending → active → retired, with
// the replaced key retired in the same commit that activates its successor.
#include <gtest/gtest.h>

#include "store/store.h"
#include "store_test_support.h"

namespace outpost::store {
namespace {

using testing::openStore;
using testing::TempDatabase;

DkimKey key(std::string domain, std::string selector, std::string algorithm, UnixMillis at) {
  DkimKey made;
  made.domain = std::move(domain);
  made.selector = std::move(selector);
  made.algorithm = std::move(algorithm);
  made.bits = made.algorithm == "rsa-sha256" ? 2048 : 256;
  made.sealed_private_key = "sealed:" + made.selector;
  made.public_record = "v=DKIM1; k=rsa; p=AAAA";
  made.created_at = at;
  return made;
}

class SqliteStoreDkimKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = openStore(db_.path());
    ASSERT_TRUE(store_);
  }

  std::string stateOf(const std::string& domain, const std::string& selector) {
    auto found = store_->findDkimKey(domain, selector);
    EXPECT_TRUE(found.ok() && found->has_value());
    return found.ok() && found->has_value() ? (*found)->state : "";
  }

  TempDatabase db_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreDkimKeys, KeepsAKeyAsGivenAndFindsItWithoutCase) {
  ASSERT_TRUE(store_->insertDkimKey(key("Example.COM", "OP202611r", "rsa-sha256", 1000)).ok());
  auto found = store_->findDkimKey("example.com", "op202611R");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  const DkimKey& stored = **found;
  EXPECT_EQ(stored.domain, "example.com");
  EXPECT_EQ(stored.selector, "op202611r");
  EXPECT_EQ(stored.state, "pending");
  EXPECT_EQ(stored.bits, 2048);
  EXPECT_EQ(stored.sealed_private_key, "sealed:OP202611r");
  EXPECT_EQ(stored.created_at, 1000);
  EXPECT_FALSE(stored.activated_at.has_value());
  EXPECT_FALSE(store_->findDkimKey("example.com", "other")->has_value());
}

TEST_F(SqliteStoreDkimKeys, ASecondKeyWithTheSameSelectorIsAConflict) {
  ASSERT_TRUE(store_->insertDkimKey(key("example.com", "s1", "rsa-sha256", 1)).ok());
  auto again = store_->insertDkimKey(key("example.com", "S1", "ed25519-sha256", 2));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "conflict");
  EXPECT_NE(again.error().message.find("selector \"S1\""), std::string::npos);
  // Another domain may use the same selector.
  EXPECT_TRUE(store_->insertDkimKey(key("example.org", "s1", "rsa-sha256", 3)).ok());
}

TEST_F(SqliteStoreDkimKeys, ActivatingRetiresTheActiveKeyOfTheSameAlgorithmOnly) {
  ASSERT_TRUE(store_->insertDkimKey(key("example.com", "old-rsa", "rsa-sha256", 1)).ok());
  ASSERT_TRUE(store_->insertDkimKey(key("example.com", "ed", "ed25519-sha256", 2)).ok());
  ASSERT_TRUE(store_->activateDkimKey("example.com", "old-rsa", 10).ok());
  ASSERT_TRUE(store_->activateDkimKey("example.com", "ed", 11).ok());
  ASSERT_TRUE(store_->insertDkimKey(key("example.com", "new-rsa", "rsa-sha256", 20)).ok());
  // Until the new key is activated, the old one keeps signing.
  EXPECT_EQ(stateOf("example.com", "old-rsa"), "active");
  EXPECT_EQ(stateOf("example.com", "new-rsa"), "pending");

  ASSERT_TRUE(store_->activateDkimKey("example.com", "new-rsa", 30).ok());
  EXPECT_EQ(stateOf("example.com", "new-rsa"), "active");
  EXPECT_EQ(stateOf("example.com", "old-rsa"), "retired");
  EXPECT_EQ(stateOf("example.com", "ed"), "active");  // dual signing stays
  auto old = store_->findDkimKey("example.com", "old-rsa");
  EXPECT_EQ((*old)->retired_at, 30);
  auto fresh = store_->findDkimKey("example.com", "new-rsa");
  EXPECT_EQ((*fresh)->activated_at, 30);

  // A rollback: the retired key becomes active again and retires its successor.
  ASSERT_TRUE(store_->activateDkimKey("example.com", "old-rsa", 40).ok());
  EXPECT_EQ(stateOf("example.com", "old-rsa"), "active");
  EXPECT_EQ(stateOf("example.com", "new-rsa"), "retired");
  EXPECT_FALSE((*store_->findDkimKey("example.com", "old-rsa"))->retired_at.has_value());

  auto missing = store_->activateDkimKey("example.com", "nope", 50);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
}

TEST_F(SqliteStoreDkimKeys, ListsKeysPerDomainNewestFirstAndDeletes) {
  ASSERT_TRUE(store_->insertDkimKey(key("b.example", "s1", "rsa-sha256", 1)).ok());
  ASSERT_TRUE(store_->insertDkimKey(key("a.example", "s1", "rsa-sha256", 1)).ok());
  ASSERT_TRUE(store_->insertDkimKey(key("a.example", "s2", "ed25519-sha256", 5)).ok());
  auto all = store_->listDkimKeys("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3U);
  EXPECT_EQ((*all)[0].domain, "a.example");
  EXPECT_EQ((*all)[0].selector, "s2");  // newest first within a domain
  EXPECT_EQ((*all)[2].domain, "b.example");
  auto one = store_->listDkimKeys("A.example");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 2U);

  auto removed = store_->deleteDkimKey("a.example", "S1");
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(*store_->deleteDkimKey("a.example", "s1"));
  EXPECT_EQ(store_->listDkimKeys("a.example")->size(), 1U);
}

TEST_F(SqliteStoreDkimKeys, RecordsWhatTheLastValidationSaid) {
  ASSERT_TRUE(store_->insertDkimKey(key("example.com", "s1", "rsa-sha256", 1)).ok());
  ASSERT_TRUE(store_->recordDkimValidation("example.com", "s1", 100, true, "published").ok());
  ASSERT_TRUE(
      store_->recordDkimValidation("example.com", "s1", 200, false, "t=y is still set").ok());
  auto found = store_->findDkimKey("example.com", "s1");
  EXPECT_EQ((*found)->validated_at, 100);  // the last good one
  EXPECT_EQ((*found)->last_validation, "t=y is still set");
  auto missing = store_->recordDkimValidation("example.com", "s9", 300, true, "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
}

}  // namespace
}  // namespace outpost::store
