#include "delivery/spf_checks.h"

#include <gtest/gtest.h>

#include "dns/memory_zone.h"
#include "support/run_async.h"

namespace outpost::delivery {
namespace {

namespace asio = boost::asio;
namespace spf = mailauth::spf;

class SpfChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.hostname = "outpost.example";
    zone_.addA("smtp.relay.test", "203.0.113.5");
    zone_.addTxt("_spf.relay.test", "v=spf1 ip4:203.0.113.0/24 -all");
  }

  SpfValidation validate(const std::string& domain) {
    return test::runAsync([&](auto) -> asio::awaitable<SpfValidation> {
      co_return co_await validateSpf(zone_, config_, setup_, domain);
    });
  }

  void useRelay() {
    RelaySettings relay;
    relay.host = "smtp.relay.test";
    setup_.default_relay = relay;
  }

  Config config_;
  SpfSetup setup_;
  dns::MemoryZone zone_;
};

TEST_F(SpfChecks, RelayPathPassesWithItsInclude) {
  useRelay();
  zone_.addTxt("example.com", "v=spf1 include:_spf.relay.test -all");
  auto validation = validate("example.com");
  EXPECT_EQ(validation.status, "ok") << validation.reason;
  ASSERT_EQ(validation.paths.size(), 1u);
  EXPECT_EQ(validation.paths[0].kind, "relay");
  ASSERT_TRUE(validation.paths[0].discovery.has_value());
  EXPECT_EQ(validation.paths[0].discovery->include, "_spf.relay.test");
  ASSERT_EQ(validation.domains.size(), 1u);
  EXPECT_TRUE(validation.domains[0].sending && validation.domains[0].mail_from);
  EXPECT_FALSE(validation.domains[0].recommendation.changed);
}

TEST_F(SpfChecks, MissingRecordRecommendsTheRelayInclude) {
  useRelay();
  auto validation = validate("example.com");
  EXPECT_EQ(validation.status, "missing");
  EXPECT_EQ(validation.domains[0].recommendation.record, "v=spf1 include:_spf.relay.test ~all");
  EXPECT_NE(validation.next_step.find("v=spf1 include:_spf.relay.test ~all"), std::string::npos);
}

TEST_F(SpfChecks, DirectDeliveryUsesPublicAddressesAndFailsWhenNotListed) {
  setup_.routing.default_route = Route{Route::Kind::kMx, ""};
  config_.delivery.public_addresses = {"198.51.100.7"};
  zone_.addTxt("example.com", "v=spf1 ip4:192.0.2.0/24 -all");
  auto validation = validate("example.com");
  ASSERT_EQ(validation.paths.size(), 1u);
  EXPECT_EQ(validation.paths[0].kind, "mx");
  EXPECT_EQ(validation.paths[0].address_source, "public_addresses");
  EXPECT_EQ(validation.status, "error");
  EXPECT_EQ(validation.domains[0].results[0].check.result, spf::SpfResult::kFail);
  EXPECT_EQ(validation.domains[0].recommendation.record,
            "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.7 -all");
}

TEST_F(SpfChecks, ReturnDomainIsTheMailFromDomain) {
  useRelay();
  config_.bounce.return_domain = "bounces.example.com";
  zone_.addTxt("bounces.example.com", "v=spf1 include:_spf.relay.test -all");
  zone_.addTxt("example.com", "v=spf1 include:_spf.relay.test ~all");
  auto validation = validate("example.com");
  EXPECT_EQ(validation.mail_from_domain, "bounces.example.com");
  ASSERT_EQ(validation.domains.size(), 2u);
  EXPECT_EQ(validation.domains[0].domain, "bounces.example.com");
  EXPECT_TRUE(validation.domains[0].mail_from);
  EXPECT_TRUE(validation.domains[1].sending);
  EXPECT_EQ(validation.status, "ok") << validation.reason;
}

TEST_F(SpfChecks, UnknownSetupChecksOnlyTheRecord) {
  setup_.known = false;
  setup_.unknown_reason = "no data folder";
  zone_.addTxt("example.com", "v=spf1 ip4:192.0.2.0/24 ?all");
  auto validation = validate("example.com");
  EXPECT_TRUE(validation.paths.empty());
  EXPECT_EQ(validation.status, "warning");
  EXPECT_EQ(validation.domains[0].recommendation.record, "v=spf1 ip4:192.0.2.0/24 ~all");
}

TEST_F(SpfChecks, TestInputDefaults) {
  auto input = spfTestInput("example.com", {"192.0.2.1", "", ""}, "outpost.example");
  EXPECT_EQ(input.sender, "postmaster@example.com");
  EXPECT_EQ(input.domain, "example.com");
  EXPECT_EQ(input.helo, "outpost.example");
  auto other = spfTestInput("example.com", {"192.0.2.1", "mail.x", "bob@other.example"}, "h");
  EXPECT_EQ(other.domain, "other.example");
  EXPECT_EQ(other.helo, "mail.x");
  auto bare = spfTestInput("example.com", {"192.0.2.1", "", "other.example"}, "h");
  EXPECT_EQ(bare.sender, "postmaster@other.example");
  auto json = spfTestJson(input, spf::CheckHostResult{});
  EXPECT_EQ(json.at("result").as_string(), "none");
  EXPECT_TRUE(json.contains("lookups"));
}

}  // namespace
}  // namespace outpost::delivery
