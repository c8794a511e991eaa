// Trusted networks: which client addresses may submit without AUTH.
#include "smtp/network_list.h"

#include <gtest/gtest.h>

namespace outpost::smtp {
namespace {

TEST(NetworkList, MatchesIpv4AndIpv6NetworksByPrefix) {
  auto list = NetworkList::parse("10.0.0.0/8, 192.0.2.7 2001:db8::/32,::1");
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_TRUE(list->contains("10.200.3.4"));
  EXPECT_FALSE(list->contains("11.0.0.1"));
  EXPECT_TRUE(list->contains("192.0.2.7"));
  EXPECT_FALSE(list->contains("192.0.2.8"));
  EXPECT_TRUE(list->contains("2001:db8:ffff::1"));
  EXPECT_FALSE(list->contains("2001:db9::1"));
  EXPECT_TRUE(list->contains("::1"));
  EXPECT_EQ(list->describe(), "10.0.0.0/8, 192.0.2.7/32, 2001:db8::/32, ::1/128");
}

TEST(NetworkList, SeesAnIpv4MappedClientAsItsIpv4Address) {
  auto list = NetworkList::parse("127.0.0.0/8");
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->contains("::ffff:127.0.0.1"));
  EXPECT_FALSE(list->contains("::ffff:128.0.0.1"));
}

TEST(NetworkList, AnEmptyListTrustsNobody) {
  auto list = NetworkList::parse("");
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
  EXPECT_FALSE(list->contains("127.0.0.1"));
  EXPECT_FALSE(list->contains("not an address"));
}

TEST(NetworkList, RefusesMalformedEntriesNamingThem) {
  for (const char* text :
       {"10.0.0.0/33", "10.0.0.0/", "example.com", "10.1.2.3/8", "::1/129", "10.0.0.0/8x"}) {
    auto list = NetworkList::parse(text);
    ASSERT_FALSE(list) << text;
    EXPECT_NE(list.error().message.find("trusted network"), std::string::npos) << text;
  }
  auto host_bits = NetworkList::parse("10.1.2.3/8");
  EXPECT_NE(host_bits.error().message.find("host bits"), std::string::npos);
}

TEST(NetworkList, AZeroPrefixTrustsTheWholeFamily) {
  auto list = NetworkList::parse("0.0.0.0/0");
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->contains("203.0.113.9"));
  EXPECT_FALSE(list->contains("2001:db8::1"));
}

}  // namespace
}  // namespace outpost::smtp
