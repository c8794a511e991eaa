#include "core/credentials.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

TEST(ApiKey, RoundTripsThroughItsText) {
  const ApiKeyToken token = generateApiKey();
  const auto parsed = parseApiKey(token.text());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->prefix, token.prefix);
  EXPECT_EQ(parsed->secret, token.secret);
}

TEST(ApiKey, RejectsMalformedText) {
  const std::string good = generateApiKey().text();
  EXPECT_FALSE(parseApiKey(""));
  EXPECT_FALSE(parseApiKey(good.substr(1)));
  EXPECT_FALSE(parseApiKey("xx" + good.substr(2)));
  std::string upper = good;
  upper[20] = 'Z';
  EXPECT_FALSE(parseApiKey(upper));
}

TEST(ApiKey, VerifiesOnlyTheRightSecret) {
  const ApiKeyToken token = generateApiKey();
  const std::string stored = hashApiKeySecret(token.secret);
  EXPECT_NE(stored, token.secret);
  EXPECT_TRUE(verifyApiKeySecret(token.secret, stored));
  EXPECT_FALSE(verifyApiKeySecret(generateApiKey().secret, stored));
}

TEST(Password, HashesWithArgon2idAndVerifies) {
  const auto hashed = hashPassword("correct horse");
  ASSERT_TRUE(hashed.ok());
  EXPECT_EQ(hashed->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verifyPassword("correct horse", *hashed));
  EXPECT_FALSE(verifyPassword("correct horse!", *hashed));
}

TEST(Password, GeneratedPasswordsDiffer) {
  EXPECT_EQ(generatePassword().size(), 20u);
  EXPECT_NE(generatePassword(), generatePassword());
}

}  // namespace
}  // namespace outpost
