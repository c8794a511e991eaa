// DKIM keys as the API and the signer use them: generated or imported, sealed before they reach
// the store, pending until activated, and signers only for the active ones.
#include "delivery/dkim_keys.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace outpost::delivery {
namespace {

namespace dkim = mailauth::dkim;

class FixedClock final : public Clock {
 public:
  UnixMillis now() const override { return 1'796'000'000'000; }  // 2026-11
};

class DkimKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::openSqliteStore(store::SqliteOptions{dir_.path() + "/outpost.db"});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
  }

  test::TempDir dir_{"outpost-dkim-keys"};
  std::unique_ptr<store::Store> store_;
  SecretBox secrets_{std::string(32, 'm')};
  FixedClock clock_;
};

TEST_F(DkimKeysTest, ANewKeyIsPendingSealedAndSignsNothing) {
  DkimKeyRepository keys(*store_, secrets_, clock_);
  NewDkimKey request;
  request.domain = "Example.COM";
  request.algorithm = dkim::KeyAlgorithm::kEd25519Sha256;
  auto added = keys.add(request);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->domain, "example.com");
  EXPECT_EQ(added->selector, "op202611e");
  EXPECT_EQ(added->state, "pending");
  EXPECT_TRUE(added->sealed_private_key.empty());  // never handed out
  EXPECT_EQ(added->public_record.rfind("v=DKIM1; k=ed25519; p=", 0), 0U);

  auto stored = store_->findDkimKey("example.com", "op202611e");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->sealed_private_key.rfind("sb1:", 0), 0U);
  EXPECT_EQ((*stored)->sealed_private_key.find("PRIVATE KEY"), std::string::npos);

  auto signers = keys.activeSigners("example.com");
  ASSERT_TRUE(signers.ok());
  EXPECT_TRUE(signers->empty());
}

TEST_F(DkimKeysTest, ActiveKeysOfBothAlgorithmsGiveDualSigning) {
  DkimKeyRepository keys(*store_, secrets_, clock_);
  NewDkimKey rsa{"example.com", "", dkim::KeyAlgorithm::kRsaSha256, 2048, "", true};
  NewDkimKey ed{"example.com", "", dkim::KeyAlgorithm::kEd25519Sha256, 0, "", true};
  ASSERT_TRUE(keys.add(rsa).ok());
  ASSERT_TRUE(keys.add(ed).ok());
  auto signers = keys.activeSigners("example.com");
  ASSERT_TRUE(signers.ok()) << signers.error().message;
  ASSERT_EQ(signers->size(), 2U);
  const std::string message =
      "From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n";
  for (const auto& signer : *signers) {
    auto field = signer.sign(message, 1'796'000'000);
    ASSERT_TRUE(field.ok()) << field.error().message;
    EXPECT_NE(field->find("d=example.com"), std::string::npos);
  }
}

TEST_F(DkimKeysTest, ActivatingANewKeyRetiresTheOneItReplaces) {
  DkimKeyRepository keys(*store_, secrets_, clock_);
  ASSERT_TRUE(
      keys.add({"example.com", "first", dkim::KeyAlgorithm::kEd25519Sha256, 0, "", true}).ok());
  ASSERT_TRUE(
      keys.add({"example.com", "second", dkim::KeyAlgorithm::kEd25519Sha256, 0, "", false}).ok());
  EXPECT_EQ(keys.activeSigners("example.com")->front().options().selector, "first");
  ASSERT_TRUE(keys.activate("example.com", "second").ok());
  auto listed = keys.list("example.com");
  ASSERT_TRUE(listed.ok());
  for (const auto& key : *listed) {
    EXPECT_TRUE(key.sealed_private_key.empty());
    EXPECT_EQ(key.state, key.selector == "second" ? "active" : "retired") << key.selector;
  }
  ASSERT_EQ(keys.activeSigners("example.com")->size(), 1U);
  EXPECT_EQ(keys.activeSigners("example.com")->front().options().selector, "second");
}

TEST_F(DkimKeysTest, RefusesBadNamesWeakKeysAndTakenSelectors) {
  DkimKeyRepository keys(*store_, secrets_, clock_);
  auto bad_domain =
      keys.add({"exa mple.com", "s1", dkim::KeyAlgorithm::kEd25519Sha256, 0, "", false});
  ASSERT_FALSE(bad_domain.ok());
  EXPECT_EQ(bad_domain.error().code, "invalid_request");
  auto bad_selector =
      keys.add({"example.com", "-s1", dkim::KeyAlgorithm::kEd25519Sha256, 0, "", false});
  ASSERT_FALSE(bad_selector.ok());
  EXPECT_EQ(bad_selector.error().code, "invalid_request");
  auto weak = keys.add({"example.com", "s1", dkim::KeyAlgorithm::kRsaSha256, 1024, "", false});
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.error().code, dkim::kKeyRefused);
  ASSERT_TRUE(
      keys.add({"example.com", "s1", dkim::KeyAlgorithm::kEd25519Sha256, 0, "", false}).ok());
  auto taken = keys.add({"example.com", "S1", dkim::KeyAlgorithm::kEd25519Sha256, 0, "", false});
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, "conflict");
}

TEST_F(DkimKeysTest, ImportsAPemKeyUnderTheGivenSelector) {
  auto material = dkim::generateKey(dkim::KeyAlgorithm::kRsaSha256, 2048);
  ASSERT_TRUE(material.ok());
  DkimKeyRepository keys(*store_, secrets_, clock_);
  NewDkimKey request;
  request.domain = "example.com";
  request.selector = "imported";
  request.private_key_pem = material->private_pem;
  auto added = keys.add(request);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->algorithm, "rsa-sha256");
  EXPECT_EQ(added->bits, 2048);
  EXPECT_EQ(added->public_record, material->txt_record);
}

}  // namespace
}  // namespace outpost::delivery
