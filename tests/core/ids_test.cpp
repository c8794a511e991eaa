#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace outpost {
namespace {

TEST(MessageId, IsTwentySixUrlSafeCharacters) {
  const std::string id = newMessageId(1795941041123);
  ASSERT_EQ(id.size(), 26u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdefghjkmnpqrstvwxyz"), std::string::npos);
}

TEST(MessageId, SortsByCreationTime) {
  EXPECT_LT(newMessageId(1000), newMessageId(1001));
  EXPECT_LT(newMessageId(1795941041123), newMessageId(1795941041124));
}

TEST(MessageId, IsUniqueWithinTheSameMillisecond) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(newMessageId(42));
  EXPECT_EQ(ids.size(), 10000u);
}

}  // namespace
}  // namespace outpost
