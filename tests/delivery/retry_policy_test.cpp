#include "delivery/retry_policy.h"

#include <gtest/gtest.h>

namespace outpost::delivery {
namespace {

constexpr UnixMillis kMinute = 60'000;

TEST(RetryPolicy, FollowsTheScheduleWithAtMostTenPercentJitter) {
  DeliveryConfig config;
  config.retry_schedule = {std::chrono::minutes(1), std::chrono::minutes(10)};
  const UnixMillis now = 1'000'000'000;
  for (int i = 0; i < 50; ++i) {
    const auto first = nextAttemptAt(config, 1, now, now);
    ASSERT_TRUE(first.has_value());
    EXPECT_GE(*first, now + kMinute);
    EXPECT_LE(*first, now + kMinute + kMinute / 10);
  }
  const auto second = nextAttemptAt(config, 2, now, now);
  ASSERT_TRUE(second.has_value());
  EXPECT_GE(*second, now + 10 * kMinute);
}

TEST(RetryPolicy, RepeatsTheLastStep) {
  DeliveryConfig config;
  config.retry_schedule = {std::chrono::minutes(1), std::chrono::minutes(10)};
  const UnixMillis now = 1'000'000'000;
  const auto tenth = nextAttemptAt(config, 10, now, now);
  ASSERT_TRUE(tenth.has_value());
  EXPECT_GE(*tenth, now + 10 * kMinute);
  EXPECT_LE(*tenth, now + 11 * kMinute);
}

TEST(RetryPolicy, GivesUpWhenTheNextAttemptFallsAfterTheLifetime) {
  DeliveryConfig config;
  config.retry_schedule = {std::chrono::hours(4)};
  config.max_lifetime = std::chrono::hours(24 * 5);
  const UnixMillis created = 1'000'000'000;
  EXPECT_TRUE(nextAttemptAt(config, 3, created, created + 4 * 24 * 60 * kMinute).has_value());
  EXPECT_FALSE(nextAttemptAt(config, 30, created, created + (5 * 24 - 2) * 60 * kMinute));
}

}  // namespace
}  // namespace outpost::delivery
