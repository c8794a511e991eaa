// Tests for MemoryZone, the in-memory Resolver other modules' tests use.
#include "dns/memory_zone.h"

#include <gtest/gtest.h>

#include "dns/lookup_runner.h"

namespace outpost::dns {
namespace {

using testing::run;

TEST(MemoryZone, ReturnsMxSortedByPreference) {
  MemoryZone zone;
  zone.addMx("example.org", 20, "mx2.example.org");
  zone.addMx("example.org", 10, "mx1.example.org");
  auto mx = run(zone.lookupMx("example.org"));
  ASSERT_TRUE(mx.ok()) << mx.error().message;
  ASSERT_EQ(mx->records.size(), 2u);
  EXPECT_EQ(mx->records[0], (MxRecord{10, "mx1.example.org"}));
  EXPECT_EQ(mx->records[1], (MxRecord{20, "mx2.example.org"}));
}

TEST(MemoryZone, ComparesNamesCaseInsensitivelyAndIgnoresTrailingDot) {
  MemoryZone zone;
  zone.addA("Mail.Example.ORG.", "192.0.2.7");
  auto a = run(zone.lookupA("mail.example.org"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->records, std::vector<std::string>{"192.0.2.7"});
  EXPECT_TRUE(run(zone.lookupA("MAIL.example.org.")).ok());
}

TEST(MemoryZone, UnknownNameIsPermanentNxdomainNamingTheQuery) {
  MemoryZone zone;
  auto mx = run(zone.lookupMx("missing.example"));
  ASSERT_FALSE(mx.ok());
  EXPECT_EQ(mx.error().code, "dns.nxdomain");
  EXPECT_FALSE(mx.error().temporary);
  EXPECT_EQ(mx.error().message, "MX lookup for missing.example: no such domain (NXDOMAIN)");
}

TEST(MemoryZone, KnownNameWithoutTheTypeIsPermanentNodata) {
  MemoryZone zone;
  zone.addA("example.org", "192.0.2.1");
  auto aaaa = run(zone.lookupAaaa("example.org"));
  ASSERT_FALSE(aaaa.ok());
  EXPECT_EQ(aaaa.error().code, "dns.nodata");
  EXPECT_FALSE(aaaa.error().temporary);
  EXPECT_NE(aaaa.error().message.find("AAAA lookup for example.org"), std::string::npos);
}

TEST(MemoryZone, ConfiguredServfailAndTimeoutAreTemporary) {
  MemoryZone zone;
  zone.addTxt("broken.example", "v=spf1 -all");
  zone.failWithServfail("broken.example");
  zone.failWithTimeout("slow.example");
  auto txt = run(zone.lookupTxt("broken.example"));
  ASSERT_FALSE(txt.ok());
  EXPECT_EQ(txt.error().code, "dns.servfail");
  EXPECT_TRUE(txt.error().temporary);
  auto mx = run(zone.lookupMx("slow.example"));
  ASSERT_FALSE(mx.ok());
  EXPECT_EQ(mx.error().code, "dns.timeout");
  EXPECT_TRUE(mx.error().temporary);
  zone.clearFailure("broken.example");
  EXPECT_TRUE(run(zone.lookupTxt("broken.example")).ok());
}

TEST(MemoryZone, RepresentsNullMx) {
  MemoryZone zone;
  zone.addNullMx("nomail.example");
  auto mx = run(zone.lookupMx("nomail.example"));
  ASSERT_TRUE(mx.ok()) << mx.error().message;
  ASSERT_EQ(mx->records.size(), 1u);
  EXPECT_TRUE(mx->records[0].isNullMx());
  EXPECT_EQ(mx->records[0].exchange, ".");
}

TEST(MemoryZone, AnswersPtrForAnAddress) {
  MemoryZone zone;
  zone.addPtr("192.0.2.1", "Mail.Example.org.");
  zone.addPtr("2001:db8::1", "v6.example.org");
  auto v4 = run(zone.lookupPtr("192.0.2.1"));
  ASSERT_TRUE(v4.ok()) << v4.error().message;
  EXPECT_EQ(v4->records, std::vector<std::string>{"mail.example.org"});
  auto v6 = run(zone.lookupPtr("2001:db8::1"));
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  EXPECT_EQ(v6->records, std::vector<std::string>{"v6.example.org"});
  auto none = run(zone.lookupPtr("192.0.2.9"));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message, "PTR lookup for 192.0.2.9: no such domain (NXDOMAIN)");
}

TEST(MemoryZone, GivesRecordsTheDefaultTtlUnlessTold) {
  MemoryZone zone;
  zone.addA("example.org", "192.0.2.1");
  zone.addTxt("example.org", "v=spf1 -all", std::chrono::seconds(30));
  auto a = run(zone.lookupA("example.org"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->ttl, MemoryZone::kDefaultTtl);
  auto txt = run(zone.lookupTxt("example.org"));
  ASSERT_TRUE(txt.ok()) << txt.error().message;
  EXPECT_EQ(txt->ttl, std::chrono::seconds(30));
}

TEST(MemoryZone, AnRrsetReportsTheSmallestTtlOfItsRecords) {
  MemoryZone zone;
  zone.addMx("example.org", 10, "mx1.example.org", std::chrono::seconds(600));
  zone.addMx("example.org", 20, "mx2.example.org", std::chrono::seconds(60));
  zone.addMx("example.org", 30, "mx3.example.org", std::chrono::seconds(3600));
  auto mx = run(zone.lookupMx("example.org"));
  ASSERT_TRUE(mx.ok()) << mx.error().message;
  EXPECT_EQ(mx->ttl, std::chrono::seconds(60));
}

TEST(MemoryZone, ReportsTheNegativeTtlItWasGiven) {
  MemoryZone zone;
  EXPECT_EQ(zone.negativeTtl(RecordType::mx, "missing.example"), std::nullopt);
  zone.setNegativeTtl(std::chrono::seconds(900));
  EXPECT_FALSE(run(zone.lookupMx("missing.example")).ok());
  EXPECT_EQ(zone.negativeTtl(RecordType::mx, "missing.example"), std::chrono::seconds(900));
}

TEST(ReverseName, BuildsInAddrAndIp6ArpaNames) {
  EXPECT_EQ(reverseName("192.0.2.1"), "1.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverseName("2001:db8::1"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_EQ(reverseName("not an address"), "");
}

}  // namespace
}  // namespace outpost::dns
