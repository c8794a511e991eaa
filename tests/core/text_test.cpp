// ASCII case folding for domains, keywords and addresses.
#include "core/text.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

TEST(Text, LowercasesAsciiAndLeavesOtherOctetsAlone) {
  EXPECT_EQ(lowercase("User@Example.ORG"), "user@example.org");
  EXPECT_EQ(lowercase("J\xC3\x96RG"), "j\xC3\x96rg");  // UTF-8 is not folded
  EXPECT_EQ(lowercase(""), "");
}

TEST(Text, ComparesWithoutCase) {
  EXPECT_TRUE(equalsIgnoreCase("Bearer", "bEARER"));
  EXPECT_FALSE(equalsIgnoreCase("Bearer", "Bearer "));
  EXPECT_TRUE(equalsIgnoreCase("", ""));
}

}  // namespace
}  // namespace outpost
