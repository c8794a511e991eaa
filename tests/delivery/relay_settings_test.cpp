// Relay settings in a real SQLite store: the default relay and named relays, their sealed
// passwords, and fallback chains.
#include "delivery/relay_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_test_support.h"

namespace outpost::delivery {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

RelaySettings namedRelay(std::string name, std::string host, std::string fallback = "") {
  RelaySettings relay;
  relay.name = std::move(name);
  relay.host = std::move(host);
  relay.port = 2525;
  relay.tls = "starttls";
  relay.username = "outpost";
  relay.password = "s3cret-" + relay.name;
  relay.fallback = std::move(fallback);
  relay.max_connections = 4;
  return relay;
}

class RelaySettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::openStore(db_.path());
    ASSERT_TRUE(store_);
    repository_.emplace(*store_, secrets_);
  }

  store::testing::TempDatabase db_;
  std::unique_ptr<store::Store> store_;
  SecretBox secrets_{std::string(32, 'k')};
  std::optional<RelaySettingsRepository> repository_;
};

TEST_F(RelaySettingsTest, NamedRelaysRoundTripWithEveryField) {
  RelaySettings eu = namedRelay("eu", "smtp.eu.example", "mx");
  eu.verify_certificate = false;
  eu.helo_name = "out.example.com";
  ASSERT_TRUE(repository_->saveNamed(eu));
  auto loaded = repository_->loadNamed("eu");
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_TRUE(loaded->has_value());
  const RelaySettings& relay = **loaded;
  EXPECT_EQ(relay.name, "eu");
  EXPECT_EQ(relay.host, "smtp.eu.example");
  EXPECT_EQ(relay.port, 2525);
  EXPECT_EQ(relay.tls, "starttls");
  EXPECT_FALSE(relay.verify_certificate);
  EXPECT_EQ(relay.username, "outpost");
  EXPECT_EQ(relay.password, "s3cret-eu");
  EXPECT_EQ(relay.helo_name, "out.example.com");
  EXPECT_EQ(relay.fallback, "mx");
  EXPECT_EQ(relay.max_connections, 4u);
}

TEST_F(RelaySettingsTest, ThePasswordIsSealedInTheStore) {
  ASSERT_TRUE(repository_->saveNamed(namedRelay("eu", "smtp.eu.example")));
  auto stored = store_->getSetting("relay:eu");
  ASSERT_TRUE(stored);
  ASSERT_TRUE(stored->has_value());
  EXPECT_THAT(**stored, Not(HasSubstr("s3cret")));
  EXPECT_THAT(**stored, HasSubstr("password_sealed"));
  EXPECT_THAT(**stored, Not(HasSubstr("\"name\"")));  // the key says it
}

TEST_F(RelaySettingsTest, NamedRelaysAreListedByNameApartFromTheDefaultRelay) {
  RelaySettings main_relay = namedRelay("", "smtp.example.com");
  ASSERT_TRUE(repository_->save(main_relay));
  ASSERT_TRUE(repository_->saveNamed(namedRelay("us", "smtp.us.example")));
  ASSERT_TRUE(repository_->saveNamed(namedRelay("eu", "smtp.eu.example")));
  auto relays = repository_->listNamed();
  ASSERT_TRUE(relays) << relays.error().message;
  ASSERT_EQ(relays->size(), 2u);
  EXPECT_EQ((*relays)[0].name, "eu");
  EXPECT_EQ((*relays)[0].password, "s3cret-eu");
  EXPECT_EQ((*relays)[1].name, "us");

  auto by_default = repository_->loadByName("");
  ASSERT_TRUE(by_default && by_default->has_value());
  EXPECT_EQ((*by_default)->host, "smtp.example.com");
  EXPECT_EQ((*by_default)->name, "");
  auto by_name = repository_->loadByName("us");
  ASSERT_TRUE(by_name && by_name->has_value());
  EXPECT_EQ((*by_name)->host, "smtp.us.example");
}

TEST_F(RelaySettingsTest, SavingAgainReplacesAndRemovingSaysWhetherItExisted) {
  ASSERT_TRUE(repository_->saveNamed(namedRelay("eu", "smtp.eu.example")));
  ASSERT_TRUE(repository_->saveNamed(namedRelay("eu", "smtp2.eu.example")));
  auto loaded = repository_->loadNamed("eu");
  ASSERT_TRUE(loaded && loaded->has_value());
  EXPECT_EQ((*loaded)->host, "smtp2.eu.example");

  auto removed = repository_->removeNamed("eu");
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  auto again = repository_->removeNamed("eu");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  auto gone = repository_->loadNamed("eu");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
}

TEST_F(RelaySettingsTest, RefusesInvalidNames) {
  auto saved = repository_->saveNamed(namedRelay("EU west", "smtp.eu.example"));
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().code, "invalid_request");
  auto unnamed = repository_->saveNamed(namedRelay("", "smtp.eu.example"));
  EXPECT_FALSE(unnamed);
  auto loaded = repository_->loadNamed("../smtp");
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(loaded->has_value());
}

TEST_F(RelaySettingsTest, AnUnsealablePasswordIsAnError) {
  ASSERT_TRUE(
      store_->putSetting("relay:eu", R"({"host":"x.example","password_sealed":"sb1:AAAA"})").ok());
  auto relays = repository_->listNamed();
  EXPECT_FALSE(relays);
}

TEST(FallbackLoop, FollowsTheChainUntilItEndsOrRepeats) {
  std::vector<RelaySettings> relays = {namedRelay("eu", "a", "relay:us"),
                                       namedRelay("us", "b", "relay:asia"),
                                       namedRelay("asia", "c", "mx")};
  EXPECT_EQ(fallbackLoop("eu", relays), "");
  relays[2].fallback = "relay:eu";
  EXPECT_EQ(fallbackLoop("eu", relays), "eu → us → asia → eu");
  EXPECT_EQ(fallbackLoop("us", relays), "us → asia → eu → us");
  relays[2].fallback = "relay:us";  // a loop further down the chain
  EXPECT_EQ(fallbackLoop("eu", relays), "eu → us → asia → us");
  relays[2].fallback = "relay:missing";
  EXPECT_EQ(fallbackLoop("eu", relays), "");
  relays[2].fallback = "relay";
  EXPECT_EQ(fallbackLoop("eu", relays), "");
}

}  // namespace
}  // namespace outpost::delivery
