#include "core/clock.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

TEST(Rfc3339, FormatsMillisecondsInUtc) {
  EXPECT_EQ(formatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(formatRfc3339(1795941041123), "2026-11-29T08:30:41.123Z");
}

TEST(Rfc3339, ParsesZuluOffsetsAndFractions) {
  UnixMillis at = 0;
  ASSERT_TRUE(parseRfc3339("2026-11-29T08:30:41Z", at));
  EXPECT_EQ(at, 1795941041000);
  ASSERT_TRUE(parseRfc3339("2026-11-29T08:30:41.5Z", at));
  EXPECT_EQ(at, 1795941041500);
  ASSERT_TRUE(parseRfc3339("2026-11-29T09:30:41+01:00", at));
  EXPECT_EQ(at, 1795941041000);
  ASSERT_TRUE(parseRfc3339("1795941041", at));
  EXPECT_EQ(at, 1795941041000);
}

TEST(Rfc3339, RejectsMalformedTimes) {
  UnixMillis at = 0;
  for (const char* bad : {"", "yesterday", "2026-13-01T00:00:00Z", "2026-11-29 08:30:41Z",
                          "2026-11-29T08:30:41", "2026-11-29T08:30:41Zjunk"}) {
    EXPECT_FALSE(parseRfc3339(bad, at)) << bad;
  }
}

TEST(Rfc5322Date, UsesDayMonthNamesAndUtcOffset) {
  EXPECT_EQ(formatRfc5322Date(1795941041123), "Sun, 29 Nov 2026 08:30:41 +0000");
}

}  // namespace
}  // namespace outpost
