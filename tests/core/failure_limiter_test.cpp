// Failed logins per key (a client address): five in ten minutes, then refused until they age out.
#include "core/failure_limiter.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

class ManualClock final : public Clock {
 public:
  UnixMillis now() const override { return now_; }
  void advance(UnixMillis millis) { now_ += millis; }

 private:
  UnixMillis now_ = 1'800'000'000'000;
};

TEST(FailureLimiter, BlocksAnAddressAfterFiveFailuresInTheWindow) {
  ManualClock clock;
  FailureLimiter limiter(5, std::chrono::minutes(10), clock);
  for (int i = 0; i < 4; ++i) {
    limiter.recordFailure("192.0.2.1");
    clock.advance(1000);
  }
  EXPECT_EQ(limiter.blockedFor("192.0.2.1"), 0);
  limiter.recordFailure("192.0.2.1");
  // Free again once the first failure is ten minutes old.
  EXPECT_EQ(limiter.blockedFor("192.0.2.1"), 600'000 - 4000);
  EXPECT_EQ(limiter.blockedFor("192.0.2.2"), 0);  // other clients are not affected
}

TEST(FailureLimiter, FailuresAgeOutOfTheWindow) {
  ManualClock clock;
  FailureLimiter limiter(5, std::chrono::minutes(10), clock);
  for (int i = 0; i < 5; ++i) limiter.recordFailure("2001:db8::1");
  EXPECT_GT(limiter.blockedFor("2001:db8::1"), 0);
  clock.advance(600'000);
  EXPECT_EQ(limiter.blockedFor("2001:db8::1"), 0);
}

TEST(FailureLimiter, AGuesserWhoKeepsTryingStaysBlocked) {
  ManualClock clock;
  FailureLimiter limiter(5, std::chrono::minutes(10), clock);
  for (int i = 0; i < 50; ++i) {
    limiter.recordFailure("198.51.100.9");
    clock.advance(60'000);
  }
  // Each new failure counts, so the block lasts until the most recent five have aged out.
  EXPECT_GT(limiter.blockedFor("198.51.100.9"), 0);
}

}  // namespace
}  // namespace outpost
