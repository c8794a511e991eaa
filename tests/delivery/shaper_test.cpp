#include "delivery/shaper.h"

#include <gtest/gtest.h>

namespace outpost::delivery {
namespace {

constexpr UnixMillis kStart = 1'700'000'000'000;
constexpr UnixMillis kMinute = 60'000;

DeliveryConfig backoffConfig() {
  DeliveryConfig config;
  config.backoff_initial = std::chrono::minutes(1);
  config.backoff_max = std::chrono::minutes(4);
  return config;
}

TEST(ThrottleReply, Code421AlwaysMeansSlowDown) {
  EXPECT_TRUE(isThrottleReply(421, "4.3.2 Service shutting down"));
}

TEST(ThrottleReply, RecognizesWhatLargeProvidersAnswer) {
  EXPECT_TRUE(isThrottleReply(450, "4.7.0 Too many connections from your IP"));
  EXPECT_TRUE(
      isThrottleReply(451, "4.7.28 Our system has detected an unusual rate ... rate limit"));
  EXPECT_TRUE(isThrottleReply(452, "Messages temporarily deferred due to unexpected volume"));
  EXPECT_TRUE(isThrottleReply(450, "Please try again later"));
}

TEST(ThrottleReply, OrdinaryTemporaryAndPermanentRepliesAreNot) {
  EXPECT_FALSE(isThrottleReply(450, "4.2.1 Mailbox busy"));
  EXPECT_FALSE(isThrottleReply(452, "4.2.2 Mailbox full"));
  EXPECT_FALSE(isThrottleReply(550, "5.7.1 Too many connections"));  // a refusal, not a pause
  EXPECT_FALSE(isThrottleReply(250, "OK"));
}

TEST(Shaper, LimitsConnectionsPerDestinationOnly) {
  const DeliveryConfig config;
  Shaper shaper(config);
  const ShapingLimits two{2, 0};
  shaper.connectionStarted("mx:a.example");
  EXPECT_TRUE(shaper.mayConnect("mx:a.example", two, kStart));
  shaper.connectionStarted("mx:a.example");
  EXPECT_FALSE(shaper.mayConnect("mx:a.example", two, kStart));
  EXPECT_TRUE(shaper.mayConnect("mx:b.example", two, kStart));
  shaper.connectionEnded("mx:a.example");
  EXPECT_TRUE(shaper.mayConnect("mx:a.example", two, kStart));
  EXPECT_EQ(shaper.connections("mx:a.example"), 1U);
}

TEST(Shaper, SpacesSendsEvenlyUnderAMessagesPerMinuteLimit) {
  const DeliveryConfig config;
  Shaper shaper(config);
  const ShapingLimits sixty{10, 60};
  EXPECT_EQ(shaper.reserveSendSlot("mx:a.example", sixty, kStart), kStart);
  EXPECT_EQ(shaper.reserveSendSlot("mx:a.example", sixty, kStart), kStart + 1000);
  EXPECT_EQ(shaper.reserveSendSlot("mx:a.example", sixty, kStart), kStart + 2000);
  // Another domain has its own clock.
  EXPECT_EQ(shaper.reserveSendSlot("mx:b.example", sixty, kStart), kStart);
  // Ten more waiting behind the three reserved: the estimate, without reserving.
  EXPECT_EQ(shaper.estimatedSlot("mx:a.example", sixty, kStart, 10), kStart + 13000);
  EXPECT_EQ(shaper.reserveSendSlot("mx:a.example", sixty, kStart), kStart + 3000);
}

TEST(Shaper, NoRateLimitMeansNoWait) {
  const DeliveryConfig config;
  Shaper shaper(config);
  const ShapingLimits unlimited{10, 0};
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(shaper.reserveSendSlot("mx:a.example", unlimited, kStart), kStart);
  }
}

TEST(Shaper, BackOffHoldsTheDestinationAndDoublesOnRepeat) {
  const DeliveryConfig config = backoffConfig();
  Shaper shaper(config);
  const ShapingLimits limits{5, 0};
  const UnixMillis first = shaper.throttled("mx:slow.example", kStart, "slow.example said 421");
  EXPECT_EQ(first, kStart + kMinute);
  EXPECT_FALSE(shaper.mayConnect("mx:slow.example", limits, kStart + 1000));
  EXPECT_TRUE(shaper.mayConnect("mx:fast.example", limits, kStart + 1000));
  EXPECT_EQ(shaper.backedOffUntil("mx:slow.example", kStart + 1000), first);
  EXPECT_EQ(shaper.backoffReason("mx:slow.example"), "slow.example said 421");
  // Reports from other connections during the back-off do not stretch it.
  EXPECT_EQ(shaper.throttled("mx:slow.example", kStart + 2000, "again"), first);

  const UnixMillis second = shaper.throttled("mx:slow.example", first, "again");
  EXPECT_EQ(second, first + 2 * kMinute);
  const UnixMillis third = shaper.throttled("mx:slow.example", second, "again");
  EXPECT_EQ(third, second + 4 * kMinute);
  const UnixMillis capped = shaper.throttled("mx:slow.example", third, "again");
  EXPECT_EQ(capped, third + 4 * kMinute);  // backoff_max
}

TEST(Shaper, AfterABackOffOneConnectionProbesUntilAMessageGoesThrough) {
  const DeliveryConfig config = backoffConfig();
  Shaper shaper(config);
  const ShapingLimits limits{5, 0};
  const UnixMillis until = shaper.throttled("mx:slow.example", kStart, "421");
  EXPECT_FALSE(shaper.backedOffUntil("mx:slow.example", until).has_value());
  EXPECT_TRUE(shaper.mayConnect("mx:slow.example", limits, until));
  shaper.connectionStarted("mx:slow.example");
  EXPECT_FALSE(shaper.mayConnect("mx:slow.example", limits, until));
  shaper.delivered("mx:slow.example");
  EXPECT_TRUE(shaper.mayConnect("mx:slow.example", limits, until));
  // And the level starts over.
  EXPECT_EQ(shaper.throttled("mx:slow.example", until + 1, "421"), until + 1 + kMinute);
}

TEST(Shaper, ClearingBackOffsByPrefixLeavesOtherDestinationsAlone) {
  const DeliveryConfig config = backoffConfig();
  Shaper shaper(config);
  shaper.throttled("relay:eu", kStart, "421");
  shaper.throttled("mx:slow.example", kStart, "421");
  shaper.clearBackoffs("relay:");
  EXPECT_FALSE(shaper.backedOffUntil("relay:eu", kStart + 1).has_value());
  EXPECT_TRUE(shaper.mayConnect("relay:eu", ShapingLimits{5, 0}, kStart + 1));
  EXPECT_TRUE(shaper.backedOffUntil("mx:slow.example", kStart + 1).has_value());
}

}  // namespace
}  // namespace outpost::delivery
