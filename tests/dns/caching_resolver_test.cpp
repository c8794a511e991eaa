// Tests for CachingResolver: answers are reused for their TTL (within the configured bounds) on
// an injected clock, NXDOMAIN/NODATA for the negative TTL of RFC 2308 §5, and temporary failures
// are asked again. First over MemoryZone, which counts the lookups that pass; then over c-ares
// and a real Knot DNS server, with a counting wrapper in between.
#include "dns/caching_resolver.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <stdexcept>

#include "dns/cares_resolver.h"
#include "dns/knot_server.h"
#include "dns/lookup_runner.h"
#include "dns/memory_zone.h"

namespace outpost::dns {
namespace {

using std::chrono::seconds;
using testing::run;

class ManualClock final : public Clock {
 public:
  UnixMillis now() const override { return now_; }
  void advance(std::chrono::milliseconds by) { now_ += by.count(); }

 private:
  UnixMillis now_ = 1'800'000'000'000;
};

class CachingResolverTest : public ::testing::Test {
 protected:
  CachingResolverTest() {
    zone_.addMx("example.org", 10, "mx.example.org", seconds(300));
    zone_.addA("example.org", "192.0.2.1", seconds(120));
  }
  MemoryZone zone_;
  ManualClock clock_;
  CachingResolver cache_{zone_, clock_, {.negative_ttl = seconds(60)}};
};

TEST_F(CachingResolverTest, AnswersRepeatedLookupsFromTheCacheUntilTheTtlEnds) {
  ASSERT_TRUE(run(cache_.lookupMx("example.org")).ok());
  clock_.advance(seconds(299));
  auto again = run(cache_.lookupMx("EXAMPLE.org."));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->records.at(0).exchange, "mx.example.org");
  EXPECT_EQ(zone_.lookupCount(), 1);

  clock_.advance(seconds(1));
  ASSERT_TRUE(run(cache_.lookupMx("example.org")).ok());
  EXPECT_EQ(zone_.lookupCount(), 2);
}

TEST_F(CachingResolverTest, EachAnswerLivesForItsOwnTtl) {
  ASSERT_TRUE(run(cache_.lookupMx("example.org")).ok());
  ASSERT_TRUE(run(cache_.lookupA("example.org")).ok());
  clock_.advance(seconds(121));
  ASSERT_TRUE(run(cache_.lookupMx("example.org")).ok());
  EXPECT_EQ(zone_.lookupCount(), 2);  // MX (300 s) still cached
  ASSERT_TRUE(run(cache_.lookupA("example.org")).ok());
  EXPECT_EQ(zone_.lookupCount(), 3);  // A (120 s) was not
}

TEST_F(CachingResolverTest, ReportsTheTimeLeftInTheCacheAsTtl) {
  auto first = run(cache_.lookupMx("example.org"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->ttl, seconds(300));
  clock_.advance(std::chrono::milliseconds(100'500));
  auto cached = run(cache_.lookupMx("example.org"));
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->ttl, seconds(200));  // 199.5 s left, rounded up
}

TEST_F(CachingResolverTest, KeepsAZeroTtlAnswerForTheMinimumTtl) {
  zone_.addTxt("volatile.example.org", "v=spf1 -all", seconds(0));
  ASSERT_TRUE(run(cache_.lookupTxt("volatile.example.org")).ok());
  clock_.advance(seconds(4));
  ASSERT_TRUE(run(cache_.lookupTxt("volatile.example.org")).ok());
  EXPECT_EQ(zone_.lookupCount(), 1);
  clock_.advance(seconds(1));
  ASSERT_TRUE(run(cache_.lookupTxt("volatile.example.org")).ok());
  EXPECT_EQ(zone_.lookupCount(), 2);
}

TEST_F(CachingResolverTest, CapsLongTtlsAtTheMaximum) {
  zone_.addMx("stable.example.org", 10, "mx.example.org", seconds(7 * 86400));
  CachingResolver cache(zone_, clock_, {.max_ttl = seconds(3600)});
  ASSERT_TRUE(run(cache.lookupMx("stable.example.org")).ok());
  clock_.advance(seconds(3599));
  ASSERT_TRUE(run(cache.lookupMx("stable.example.org")).ok());
  EXPECT_EQ(zone_.lookupCount(), 1);
  clock_.advance(seconds(1));
  ASSERT_TRUE(run(cache.lookupMx("stable.example.org")).ok());
  EXPECT_EQ(zone_.lookupCount(), 2);
}

TEST_F(CachingResolverTest, KeepsRecordTypesApart) {
  ASSERT_TRUE(run(cache_.lookupMx("example.org")).ok());
  auto a = run(cache_.lookupA("example.org"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->records, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(zone_.lookupCount(), 2);
}

TEST_F(CachingResolverTest, CachesNxdomainAndNodataForTheDefaultWhenThereIsNoSoa) {
  auto missing = run(cache_.lookupA("missing.example.org"));
  ASSERT_FALSE(missing.ok());
  auto nodata = run(cache_.lookupTxt("example.org"));
  ASSERT_FALSE(nodata.ok());
  EXPECT_EQ(zone_.lookupCount(), 2);

  clock_.advance(seconds(59));
  auto cached = run(cache_.lookupA("missing.example.org"));
  ASSERT_FALSE(cached.ok());
  EXPECT_EQ(cached.error().code, "dns.nxdomain");
  EXPECT_FALSE(cached.error().temporary);
  EXPECT_EQ(cached.error().message, missing.error().message);
  EXPECT_EQ(run(cache_.lookupTxt("example.org")).error().code, "dns.nodata");
  EXPECT_EQ(zone_.lookupCount(), 2);
  EXPECT_EQ(cache_.negativeTtl(RecordType::a, "missing.example.org"), seconds(1));

  // Once the negative TTL is over, a record added meanwhile is found.
  zone_.addTxt("example.org", "v=spf1 -all");
  clock_.advance(seconds(1));
  auto txt = run(cache_.lookupTxt("example.org"));
  ASSERT_TRUE(txt.ok()) << txt.error().message;
  EXPECT_EQ(txt->records, std::vector<std::string>{"v=spf1 -all"});
}

TEST_F(CachingResolverTest, CachesNegativeAnswersForTheSoaTtlTheResolverReports) {
  zone_.setNegativeTtl(seconds(600));
  ASSERT_FALSE(run(cache_.lookupA("missing.example.org")).ok());
  clock_.advance(seconds(599));
  ASSERT_FALSE(run(cache_.lookupA("missing.example.org")).ok());
  EXPECT_EQ(zone_.lookupCount(), 1);
  clock_.advance(seconds(1));
  ASSERT_FALSE(run(cache_.lookupA("missing.example.org")).ok());
  EXPECT_EQ(zone_.lookupCount(), 2);
}

TEST_F(CachingResolverTest, BoundsNegativeTtlsLikePositiveOnes) {
  CachingResolver cache(zone_, clock_, {.max_negative_ttl = seconds(3600)});
  zone_.setNegativeTtl(seconds(86400));
  ASSERT_FALSE(run(cache.lookupA("missing.example.org")).ok());
  clock_.advance(seconds(3600));
  ASSERT_FALSE(run(cache.lookupA("missing.example.org")).ok());
  EXPECT_EQ(zone_.lookupCount(), 2);

  zone_.setNegativeTtl(seconds(0));
  ASSERT_FALSE(run(cache.lookupA("gone.example.org")).ok());
  ASSERT_FALSE(run(cache.lookupA("gone.example.org")).ok());
  EXPECT_EQ(zone_.lookupCount(), 3);  // kept for the 5 s floor
}

TEST_F(CachingResolverTest, DoesNotCacheTemporaryFailures) {
  zone_.failWithServfail("example.org");
  auto failed = run(cache_.lookupMx("example.org"));
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.error().temporary);
  zone_.clearFailure("example.org");
  zone_.failWithTimeout("example.org");
  EXPECT_EQ(run(cache_.lookupMx("example.org")).error().code, "dns.timeout");

  zone_.clearFailure("example.org");
  auto mx = run(cache_.lookupMx("example.org"));
  ASSERT_TRUE(mx.ok()) << mx.error().message;
  EXPECT_EQ(zone_.lookupCount(), 3);
  EXPECT_EQ(cache_.size(), 1u);
}

TEST_F(CachingResolverTest, StaysWithinMaxEntries) {
  CachingResolver small(zone_, clock_, {.max_entries = 2});
  for (const char* name : {"a.example", "b.example", "c.example", "d.example"}) {
    EXPECT_FALSE(run(small.lookupA(name)).ok());
  }
  EXPECT_LE(small.size(), 2u);
}

// Passes lookups to another resolver and counts them: the cache tests' view of the wire.
class CountingResolver final : public Resolver {
 public:
  explicit CountingResolver(Resolver& inner) : inner_(inner) {}
  int count() const { return count_; }

  boost::asio::awaitable<Result<Answer<MxRecord>>> lookupMx(std::string name) override {
    ++count_;
    return inner_.lookupMx(std::move(name));
  }
  boost::asio::awaitable<Result<Answer<std::string>>> lookupA(std::string name) override {
    ++count_;
    return inner_.lookupA(std::move(name));
  }
  boost::asio::awaitable<Result<Answer<std::string>>> lookupAaaa(std::string name) override {
    ++count_;
    return inner_.lookupAaaa(std::move(name));
  }
  boost::asio::awaitable<Result<Answer<std::string>>> lookupTxt(std::string name) override {
    ++count_;
    return inner_.lookupTxt(std::move(name));
  }
  boost::asio::awaitable<Result<Answer<std::string>>> lookupPtr(std::string address) override {
    ++count_;
    return inner_.lookupPtr(std::move(address));
  }
  std::optional<std::chrono::seconds> negativeTtl(RecordType type,
                                                  std::string_view name) const override {
    return inner_.negativeTtl(type, name);
  }

 private:
  Resolver& inner_;
  int count_ = 0;
};

// The cache over c-ares over Knot: TTLs come from the zone in knot_server.h.
class CachingResolverOverKnot : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new testing::KnotServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static std::unique_ptr<CaresResolver> makeResolver(boost::asio::io_context& context) {
    auto created = CaresResolver::create(
        context.get_executor(),
        {.servers = server_->servers(), .timeout = std::chrono::milliseconds(2000), .tries = 1});
    if (!created) throw std::runtime_error(created.error().message);
    return std::move(*created);
  }

  template <class T>
  Result<T> runLookup(boost::asio::awaitable<Result<T>> lookup) {
    return testing::runOn(context_, std::move(lookup));
  }

  static testing::KnotServer* server_;
  boost::asio::io_context context_;
  std::unique_ptr<CaresResolver> cares_ = makeResolver(context_);
  CountingResolver counting_{*cares_};
  ManualClock clock_;
  CachingResolver cache_{counting_, clock_, {.negative_ttl = seconds(7)}};
};

testing::KnotServer* CachingResolverOverKnot::server_ = nullptr;

TEST_F(CachingResolverOverKnot, KeepsMxForTheZonesTtlThenAsksAgain) {
  ASSERT_TRUE(runLookup(cache_.lookupMx("example.test")).ok());
  clock_.advance(seconds(3599));
  auto cached = runLookup(cache_.lookupMx("example.test"));
  ASSERT_TRUE(cached.ok()) << cached.error().message;
  EXPECT_EQ(cached->records.size(), 3u);
  EXPECT_EQ(cached->ttl, seconds(1));
  EXPECT_EQ(counting_.count(), 1);
  clock_.advance(seconds(1));
  ASSERT_TRUE(runLookup(cache_.lookupMx("example.test")).ok());
  EXPECT_EQ(counting_.count(), 2);
}

TEST_F(CachingResolverOverKnot, KeepsTxtAndAForTheirOwnTtls) {
  ASSERT_TRUE(runLookup(cache_.lookupTxt("example.test")).ok());  // 600 s
  ASSERT_TRUE(runLookup(cache_.lookupA("example.test")).ok());    // 120 s
  clock_.advance(seconds(120));
  ASSERT_TRUE(runLookup(cache_.lookupTxt("example.test")).ok());
  EXPECT_EQ(counting_.count(), 2);
  ASSERT_TRUE(runLookup(cache_.lookupA("example.test")).ok());
  EXPECT_EQ(counting_.count(), 3);
  clock_.advance(seconds(480));
  ASSERT_TRUE(runLookup(cache_.lookupTxt("example.test")).ok());
  EXPECT_EQ(counting_.count(), 4);
}

TEST_F(CachingResolverOverKnot, KeepsNxdomainAndNodataForTheSoaMinimum) {
  ASSERT_EQ(runLookup(cache_.lookupMx("missing.example.test")).error().code, "dns.nxdomain");
  ASSERT_EQ(runLookup(cache_.lookupMx("onlya.example.test")).error().code, "dns.nodata");
  clock_.advance(seconds(119));
  auto nxdomain = runLookup(cache_.lookupMx("missing.example.test"));
  ASSERT_FALSE(nxdomain.ok());
  EXPECT_EQ(nxdomain.error().message,
            "MX lookup for missing.example.test: no such domain (NXDOMAIN)");
  EXPECT_EQ(runLookup(cache_.lookupMx("onlya.example.test")).error().code, "dns.nodata");
  EXPECT_EQ(counting_.count(), 2);
  clock_.advance(seconds(1));
  ASSERT_FALSE(runLookup(cache_.lookupMx("missing.example.test")).ok());
  ASSERT_FALSE(runLookup(cache_.lookupMx("onlya.example.test")).ok());
  EXPECT_EQ(counting_.count(), 4);
}

TEST_F(CachingResolverOverKnot, KeepsNegativeAnswersForTheSoaTtlWhenItIsBelowTheMinimum) {
  ASSERT_FALSE(runLookup(cache_.lookupTxt("shortsoa.test")).ok());
  clock_.advance(seconds(29));
  ASSERT_FALSE(runLookup(cache_.lookupTxt("shortsoa.test")).ok());
  EXPECT_EQ(counting_.count(), 1);
  clock_.advance(seconds(1));
  ASSERT_FALSE(runLookup(cache_.lookupTxt("shortsoa.test")).ok());
  EXPECT_EQ(counting_.count(), 2);
}

TEST_F(CachingResolverOverKnot, KeepsAZeroTtlRecordForTheFloorOnly) {
  ASSERT_TRUE(runLookup(cache_.lookupTxt("zero.example.test")).ok());
  clock_.advance(seconds(4));
  ASSERT_TRUE(runLookup(cache_.lookupTxt("zero.example.test")).ok());
  EXPECT_EQ(counting_.count(), 1);
  clock_.advance(seconds(1));
  ASSERT_TRUE(runLookup(cache_.lookupTxt("zero.example.test")).ok());
  EXPECT_EQ(counting_.count(), 2);
}

TEST_F(CachingResolverOverKnot, NeverKeepsServfail) {
  for (int i = 0; i < 2; ++i) {
    auto mx = runLookup(cache_.lookupMx("broken.test"));
    ASSERT_FALSE(mx.ok());
    EXPECT_EQ(mx.error().code, "dns.servfail");
    EXPECT_TRUE(mx.error().temporary);
  }
  EXPECT_EQ(counting_.count(), 2);
  EXPECT_EQ(cache_.size(), 0u);
}

}  // namespace
}  // namespace outpost::dns
