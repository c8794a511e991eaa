// MX resolution for direct delivery, against an in-memory zone: RFC 5321 §5.1 (order, equal
// preferences shuffled, implicit MX), RFC 7505 (null MX), and DNS failures that must never turn
// into "no MX, use the A record".
#include "delivery/mx_plan.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>

#include "dns/memory_zone.h"
#include "support/run_async.h"

namespace outpost::delivery {
namespace {

namespace asio = boost::asio;

class MxPlanTest : public ::testing::Test {
 protected:
  Result<MxPlan> plan(const std::string& domain, MxPlanOptions options = {}) {
    auto out = test::runAsync([&](auto) -> asio::awaitable<std::optional<Result<MxPlan>>> {
      co_return co_await planMxDelivery(zone_, domain, options, random_);
    });
    return std::move(*out);
  }

  static std::vector<std::string> hosts(const MxPlan& plan) {
    std::vector<std::string> names;
    for (const auto& candidate : plan.candidates) names.push_back(candidate.host);
    return names;
  }

  dns::MemoryZone zone_;
  std::mt19937 random_{12345};
};

TEST_F(MxPlanTest, TriesHostsInPreferenceOrderWithEachOfTheirAddresses) {
  zone_.addMx("example.org", 20, "mx2.example.org");
  zone_.addMx("example.org", 10, "mx1.example.org");
  zone_.addA("mx1.example.org", "127.0.0.2");
  zone_.addAaaa("mx1.example.org", "::1");
  zone_.addA("mx2.example.org", "127.0.0.3");
  auto result = plan("Example.ORG.");
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->candidates.size(), 3u);
  EXPECT_EQ(result->domain, "example.org");
  // IPv6 first within a host (RFC 6724's default preference), then IPv4, then the next host.
  EXPECT_EQ(result->candidates[0], (MxCandidate{"mx1.example.org", "::1", 10, false}));
  EXPECT_EQ(result->candidates[1], (MxCandidate{"mx1.example.org", "127.0.0.2", 10, false}));
  EXPECT_EQ(result->candidates[2], (MxCandidate{"mx2.example.org", "127.0.0.3", 20, false}));
}

TEST_F(MxPlanTest, ShufflesHostsOfEqualPreference) {
  for (const char* host : {"a.mx.test", "b.mx.test", "c.mx.test"}) {
    zone_.addMx("spread.test", 10, host);
    zone_.addA(host, "127.0.0.9");
  }
  zone_.addMx("spread.test", 5, "first.mx.test");
  zone_.addA("first.mx.test", "127.0.0.8");
  std::set<std::string> seconds;
  for (int i = 0; i < 60; ++i) {
    auto result = plan("spread.test");
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(result->candidates.size(), 4u);
    EXPECT_EQ(result->candidates[0].host, "first.mx.test");  // the lower preference stays first
    seconds.insert(result->candidates[1].host);
  }
  EXPECT_EQ(seconds.size(), 3u);  // every equal-preference host came second at some point
}

TEST_F(MxPlanTest, WithoutMxRecordsTheDomainItselfIsTheHost) {
  zone_.addA("nomx.test", "127.0.0.4");
  auto result = plan("nomx.test");
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->candidates.size(), 1u);
  EXPECT_EQ(result->candidates[0], (MxCandidate{"nomx.test", "127.0.0.4", 0, true}));
}

TEST_F(MxPlanTest, NullMxIsAPermanentFailure) {
  zone_.addNullMx("nomail.test");
  zone_.addA("nomail.test", "127.0.0.5");  // an address does not make it a mail domain
  auto result = plan("nomail.test");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "mx.null_mx");
  EXPECT_FALSE(result.error().temporary);
  EXPECT_NE(result.error().message.find("nomail.test"), std::string::npos);
  EXPECT_NE(result.error().message.find("null MX"), std::string::npos);
}

TEST_F(MxPlanTest, NonexistentDomainIsAPermanentFailure) {
  auto result = plan("no-such-domain.test");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, dns::kNxdomain);
  EXPECT_FALSE(result.error().temporary);
}

TEST_F(MxPlanTest, MxLookupFailureIsTemporaryAndNeverFallsBackToTheAddress) {
  zone_.addA("broken.test", "127.0.0.6");
  zone_.failWithServfail("broken.test");
  auto servfail = plan("broken.test");
  ASSERT_FALSE(servfail.ok());
  EXPECT_EQ(servfail.error().code, dns::kServfail);
  EXPECT_TRUE(servfail.error().temporary);

  zone_.clearFailure("broken.test");
  zone_.failWithTimeout("broken.test");
  auto timeout = plan("broken.test");
  ASSERT_FALSE(timeout.ok());
  EXPECT_EQ(timeout.error().code, dns::kTimeout);
  EXPECT_TRUE(timeout.error().temporary);
}

TEST_F(MxPlanTest, SkipsHostsWithoutAddressesAndSaysWhy) {
  zone_.addMx("partial.test", 10, "gone.partial.test");
  zone_.addMx("partial.test", 20, "ok.partial.test");
  zone_.addA("ok.partial.test", "127.0.0.7");
  auto result = plan("partial.test");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(hosts(*result), (std::vector<std::string>{"ok.partial.test"}));
  ASSERT_EQ(result->skipped.size(), 2u);  // its AAAA and its A lookups
  EXPECT_NE(result->skipped[0].find("gone.partial.test"), std::string::npos);
}

TEST_F(MxPlanTest, NoHostWithAnAddressIsPermanentUnlessALookupFailedTemporarily) {
  zone_.addMx("dangling.test", 10, "nowhere.dangling.test");
  auto dangling = plan("dangling.test");
  ASSERT_FALSE(dangling.ok());
  EXPECT_EQ(dangling.error().code, "mx.no_address");
  EXPECT_FALSE(dangling.error().temporary);

  zone_.addMx("flaky.test", 10, "mx.flaky.test");
  zone_.addA("mx.flaky.test", "127.0.0.8");
  zone_.failWithTimeout("mx.flaky.test");
  auto flaky = plan("flaky.test");
  ASSERT_FALSE(flaky.ok());
  EXPECT_EQ(flaky.error().code, "mx.no_address");
  EXPECT_TRUE(flaky.error().temporary);
}

TEST_F(MxPlanTest, StopsAtTheAddressLimit) {
  for (int i = 0; i < 8; ++i) {
    const std::string host = "mx" + std::to_string(i) + ".many.test";
    zone_.addMx("many.test", static_cast<std::uint16_t>(i), host);
    zone_.addA(host, "127.0.1." + std::to_string(i));
  }
  MxPlanOptions options;
  options.max_candidates = 3;
  auto result = plan("many.test", options);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(hosts(*result),
            (std::vector<std::string>{"mx0.many.test", "mx1.many.test", "mx2.many.test"}));
}

TEST_F(MxPlanTest, AnAddressLiteralIsItsOwnHostWithoutDns) {
  auto v4 = plan("[127.0.0.9]");
  ASSERT_TRUE(v4.ok()) << v4.error().message;
  EXPECT_EQ(v4->candidates, (std::vector<MxCandidate>{{"127.0.0.9", "127.0.0.9", 0, true}}));
  auto v6 = plan("[IPv6:::1]");
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  EXPECT_EQ(v6->candidates[0].ip, "::1");
  EXPECT_EQ(zone_.lookupCount(), 0);
  auto bad = plan("[999.1.1.1]");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "mx.invalid_domain");
  EXPECT_FALSE(bad.error().temporary);
}

TEST_F(MxPlanTest, LooksUpInternationalizedDomainsByTheirALabels) {
  zone_.addMx("xn--bcher-kva.example", 10, "mx.xn--bcher-kva.example");
  zone_.addA("mx.xn--bcher-kva.example", "127.0.0.10");
  auto result = plan("Bücher.example");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->domain, "xn--bcher-kva.example");
  EXPECT_EQ(hosts(*result), (std::vector<std::string>{"mx.xn--bcher-kva.example"}));
}

TEST_F(MxPlanTest, IgnoresARepeatedExchange) {
  zone_.addMx("twice.test", 10, "mx.twice.test");
  zone_.addMx("twice.test", 20, "MX.twice.test.");
  zone_.addA("mx.twice.test", "127.0.0.9");
  auto result = plan("twice.test");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->candidates.size(), 1u);
}

}  // namespace
}  // namespace outpost::delivery
