// VERP return paths: they name the recipient, survive a change of case, and cannot be forged
// without the key.
#include "bounce/verp.h"

#include <gtest/gtest.h>

#include "core/secret_box.h"

namespace outpost::bounce {
namespace {

VerpCodec codec(const std::string& master = std::string(32, 'k')) {
  return VerpCodec(SecretBox(master).deriveKey("verp"), "Return.Example.COM");
}

TEST(Verp, EncodesTheRecipientIdWithATagOnTheReturnDomain) {
  const std::string address = codec().encode(12345);
  EXPECT_TRUE(address.starts_with("bounces+12345-")) << address;
  EXPECT_TRUE(address.ends_with("@return.example.com")) << address;
  EXPECT_EQ(address.size(), std::string("bounces+12345-").size() + 16 + 19);
  EXPECT_EQ(codec().decode(address), 12345);
}

TEST(Verp, DecodesWhateverTheCaseAnMtaGaveIt) {
  std::string address = codec().encode(7);
  for (char& c : address) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(codec().decode(address), 7);
}

TEST(Verp, RefusesForgedOrForeignAddresses) {
  const std::string address = codec().encode(42);
  std::string tampered = address;
  tampered[tampered.find('-') + 1] = tampered[tampered.find('-') + 1] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(codec().decode(tampered).has_value());
  // The same tag for another recipient.
  std::string other = address;
  other.replace(std::string("bounces+").size(), 2, "43");
  EXPECT_FALSE(codec().decode(other).has_value());
  // Made with another master key.
  EXPECT_FALSE(codec().decode(codec(std::string(32, 'x')).encode(42)).has_value());
  EXPECT_FALSE(codec().decode("bounces+42-0011223344556677@elsewhere.example").has_value());
  for (const char* text : {"postmaster@return.example.com", "bounces+@return.example.com",
                           "bounces+-00@return.example.com", "bounces+0-00@return.example.com",
                           "bounces+x1-00@return.example.com", "no-at-sign"}) {
    EXPECT_FALSE(codec().decode(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace outpost::bounce
