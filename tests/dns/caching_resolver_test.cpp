// Tests for CachingResolver: answers and NXDOMAIN/NODATA are reused until they expire on the
// injected clock; temporary failures are asked again. MemoryZone counts the lookups that pass.
#include "dns/caching_resolver.h"

#include <gtest/gtest.h>

#include "dns/lookup_runner.h"
#include "dns/memory_zone.h"

namespace outpost::dns {
namespace {

using testing::run;

class ManualClock final : public Clock {
 public:
  UnixMillis now() const override { return now_; }
  void advance(std::chrono::seconds by) { now_ += by.count() * 1000; }

 private:
  UnixMillis now_ = 1'800'000'000'000;
};

class CachingResolverTest : public ::testing::Test {
 protected:
  CachingResolverTest() {
    zone_.addMx("example.org", 10, "mx.example.org");
    zone_.addA("example.org", "192.0.2.1");
  }
  MemoryZone zone_;
  ManualClock clock_;
  CachingResolver cache_{
      zone_,
      clock_,
      {.positive_ttl = std::chrono::seconds(300), .negative_ttl = std::chrono::seconds(60)}};
};

TEST_F(CachingResolverTest, AnswersRepeatedLookupsFromTheCacheUntilTheTtlEnds) {
  ASSERT_TRUE(run(cache_.lookupMx("example.org")).ok());
  auto again = run(cache_.lookupMx("EXAMPLE.org."));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->at(0).exchange, "mx.example.org");
  EXPECT_EQ(zone_.lookupCount(), 1);

  clock_.advance(std::chrono::seconds(301));
  ASSERT_TRUE(run(cache_.lookupMx("example.org")).ok());
  EXPECT_EQ(zone_.lookupCount(), 2);
}

TEST_F(CachingResolverTest, KeepsRecordTypesApart) {
  ASSERT_TRUE(run(cache_.lookupMx("example.org")).ok());
  auto a = run(cache_.lookupA("example.org"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(*a, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(zone_.lookupCount(), 2);
}

TEST_F(CachingResolverTest, CachesNxdomainAndNodataForTheNegativeTtl) {
  auto missing = run(cache_.lookupA("missing.example.org"));
  ASSERT_FALSE(missing.ok());
  auto nodata = run(cache_.lookupTxt("example.org"));
  ASSERT_FALSE(nodata.ok());
  EXPECT_EQ(zone_.lookupCount(), 2);

  auto cached = run(cache_.lookupA("missing.example.org"));
  ASSERT_FALSE(cached.ok());
  EXPECT_EQ(cached.error().code, "dns.nxdomain");
  EXPECT_EQ(cached.error().message, missing.error().message);
  EXPECT_EQ(run(cache_.lookupTxt("example.org")).error().code, "dns.nodata");
  EXPECT_EQ(zone_.lookupCount(), 2);

  // Once the negative TTL is over, a record added meanwhile is found.
  zone_.addTxt("example.org", "v=spf1 -all");
  clock_.advance(std::chrono::seconds(61));
  auto txt = run(cache_.lookupTxt("example.org"));
  ASSERT_TRUE(txt.ok()) << txt.error().message;
  EXPECT_EQ(*txt, std::vector<std::string>{"v=spf1 -all"});
}

TEST_F(CachingResolverTest, DoesNotCacheTemporaryFailures) {
  zone_.failWithServfail("example.org");
  auto failed = run(cache_.lookupMx("example.org"));
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.error().temporary);

  zone_.clearFailure("example.org");
  auto mx = run(cache_.lookupMx("example.org"));
  ASSERT_TRUE(mx.ok()) << mx.error().message;
  EXPECT_EQ(zone_.lookupCount(), 2);
}

TEST_F(CachingResolverTest, StaysWithinMaxEntries) {
  CachingResolver small(zone_, clock_, {.max_entries = 2});
  for (const char* name : {"a.example", "b.example", "c.example", "d.example"}) {
    EXPECT_FALSE(run(small.lookupA(name)).ok());
  }
  EXPECT_LE(small.size(), 2u);
}

}  // namespace
}  // namespace outpost::dns
