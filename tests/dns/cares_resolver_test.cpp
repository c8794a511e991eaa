// Tests for CaresResolver against a real authoritative server (Knot DNS, see knot_server.h) that
// the tests start on a free 127.0.0.1 port: records, their TTLs, and the error of each failure.
#include "dns/cares_resolver.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <stdexcept>

#include "dns/knot_server.h"
#include "dns/lookup_runner.h"
#include "support/run_async.h"

namespace outpost::dns {
namespace {

namespace asio = boost::asio;
using std::chrono::seconds;
using testing::KnotServer;
using testing::runOn;

class CaresResolverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new KnotServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  CaresResolverTest() {
    auto created = CaresResolver::create(context_.get_executor(), options());
    if (!created) throw std::runtime_error(created.error().message);
    resolver_ = std::move(*created);
  }

  static CaresOptions options() {
    return {.servers = server_->servers(), .timeout = std::chrono::milliseconds(2000), .tries = 2};
  }

  static KnotServer* server_;
  asio::io_context context_;
  std::unique_ptr<CaresResolver> resolver_;
};

KnotServer* CaresResolverTest::server_ = nullptr;

TEST_F(CaresResolverTest, ReturnsMxSortedByPreference) {
  auto mx = runOn(context_, resolver_->lookupMx("example.test"));
  ASSERT_TRUE(mx.ok()) << mx.error().message;
  ASSERT_EQ(mx->records.size(), 3u);
  EXPECT_EQ(mx->records[0], (MxRecord{10, "mx1.example.test"}));
  EXPECT_EQ(mx->records[1], (MxRecord{20, "mx2.example.test"}));
  EXPECT_EQ(mx->records[2], (MxRecord{30, "mx3.example.test"}));
}

TEST_F(CaresResolverTest, ReturnsNullMxAsExchangeDot) {
  auto mx = runOn(context_, resolver_->lookupMx("nomail.example.test"));
  ASSERT_TRUE(mx.ok()) << mx.error().message;
  ASSERT_EQ(mx->records.size(), 1u);
  EXPECT_EQ(mx->records[0].exchange, ".");
  EXPECT_TRUE(mx->records[0].isNullMx());
}

TEST_F(CaresResolverTest, ReturnsAAndAaaaAddressesAsText) {
  auto a = runOn(context_, resolver_->lookupA("EXAMPLE.test"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  std::vector<std::string> addresses = a->records;
  std::sort(addresses.begin(), addresses.end());
  EXPECT_EQ(addresses, (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
  auto aaaa = runOn(context_, resolver_->lookupAaaa("example.test"));
  ASSERT_TRUE(aaaa.ok()) << aaaa.error().message;
  EXPECT_EQ(aaaa->records, std::vector<std::string>{"2001:db8::1"});
}

TEST_F(CaresResolverTest, JoinsTheStringsOfEachTxtRecord) {
  auto txt = runOn(context_, resolver_->lookupTxt("example.test"));
  ASSERT_TRUE(txt.ok()) << txt.error().message;
  std::vector<std::string> records = txt->records;
  std::sort(records.begin(), records.end());
  EXPECT_EQ(records, (std::vector<std::string>{"second record", "v=spf1 ip4:192.0.2.0/24 -all"}));
}

TEST_F(CaresResolverTest, ReturnsPtrNamesForAnAddress) {
  auto ptr = runOn(context_, resolver_->lookupPtr("192.0.2.1"));
  ASSERT_TRUE(ptr.ok()) << ptr.error().message;
  EXPECT_EQ(ptr->records, std::vector<std::string>{"mail.example.test"});
}

TEST_F(CaresResolverTest, ReportsTheTtlOfEachRecordTypeAsTheZoneSetsIt) {
  auto mx = runOn(context_, resolver_->lookupMx("example.test"));
  ASSERT_TRUE(mx.ok()) << mx.error().message;
  EXPECT_EQ(mx->ttl, seconds(3600));
  auto txt = runOn(context_, resolver_->lookupTxt("example.test"));
  ASSERT_TRUE(txt.ok()) << txt.error().message;
  EXPECT_EQ(txt->ttl, seconds(600));
  auto a = runOn(context_, resolver_->lookupA("example.test"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->ttl, seconds(120));
  auto aaaa = runOn(context_, resolver_->lookupAaaa("example.test"));
  ASSERT_TRUE(aaaa.ok()) << aaaa.error().message;
  EXPECT_EQ(aaaa->ttl, seconds(240));
  auto ptr = runOn(context_, resolver_->lookupPtr("192.0.2.1"));
  ASSERT_TRUE(ptr.ok()) << ptr.error().message;
  EXPECT_EQ(ptr->ttl, seconds(900));
}

TEST_F(CaresResolverTest, ReportsZeroTtlAsIs) {
  auto txt = runOn(context_, resolver_->lookupTxt("zero.example.test"));
  ASSERT_TRUE(txt.ok()) << txt.error().message;
  EXPECT_EQ(txt->ttl, seconds(0));
}

TEST_F(CaresResolverTest, AnswerThroughACnameLastsNoLongerThanTheCname) {
  auto mx = runOn(context_, resolver_->lookupMx("alias.example.test"));
  ASSERT_TRUE(mx.ok()) << mx.error().message;
  EXPECT_EQ(mx->records.size(), 3u);
  EXPECT_EQ(mx->ttl, seconds(60));
  auto a = runOn(context_, resolver_->lookupA("alias.example.test"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->ttl, seconds(60));
}

TEST_F(CaresResolverTest, NxdomainIsPermanentNamesTheQueryAndCarriesTheSoaMinimum) {
  auto mx = runOn(context_, resolver_->lookupMx("missing.example.test"));
  ASSERT_FALSE(mx.ok());
  EXPECT_EQ(mx.error().code, "dns.nxdomain");
  EXPECT_FALSE(mx.error().temporary);
  EXPECT_EQ(mx.error().message, "MX lookup for missing.example.test: no such domain (NXDOMAIN)");
  EXPECT_EQ(resolver_->negativeTtl(RecordType::mx, "Missing.Example.Test."), seconds(120));
  // Only for the lookup that gave it.
  EXPECT_EQ(resolver_->negativeTtl(RecordType::a, "missing.example.test"), std::nullopt);
  EXPECT_EQ(resolver_->negativeTtl(RecordType::mx, "other.example.test"), std::nullopt);
}

TEST_F(CaresResolverTest, NodataIsPermanentNamesTheQueryAndCarriesTheSoaMinimum) {
  auto mx = runOn(context_, resolver_->lookupMx("onlya.example.test"));
  ASSERT_FALSE(mx.ok());
  EXPECT_EQ(mx.error().code, "dns.nodata");
  EXPECT_FALSE(mx.error().temporary);
  EXPECT_EQ(mx.error().message, "MX lookup for onlya.example.test: no MX records (NODATA)");
  EXPECT_EQ(resolver_->negativeTtl(RecordType::mx, "onlya.example.test"), seconds(120));

  auto aaaa = runOn(context_, resolver_->lookupAaaa("onlya.example.test"));
  ASSERT_FALSE(aaaa.ok());
  EXPECT_EQ(aaaa.error().code, "dns.nodata");
  EXPECT_EQ(resolver_->negativeTtl(RecordType::aaaa, "onlya.example.test"), seconds(120));
}

TEST_F(CaresResolverTest, AnswerWithOnlyACnameIsNodata) {
  auto mx = runOn(context_, resolver_->lookupMx("outside.example.test"));
  ASSERT_FALSE(mx.ok());
  EXPECT_EQ(mx.error().code, "dns.nodata");
  EXPECT_FALSE(mx.error().temporary);
  // The reply is a positive one (a CNAME) without an SOA: the cache uses its default.
  EXPECT_EQ(resolver_->negativeTtl(RecordType::mx, "outside.example.test"), std::nullopt);
}

TEST_F(CaresResolverTest, NegativeTtlIsTheSoaTtlWhenBelowItsMinimum) {
  auto txt = runOn(context_, resolver_->lookupTxt("shortsoa.test"));
  ASSERT_FALSE(txt.ok());
  EXPECT_EQ(txt.error().code, "dns.nodata");
  EXPECT_EQ(resolver_->negativeTtl(RecordType::txt, "shortsoa.test"), seconds(30));
  auto a = runOn(context_, resolver_->lookupA("nowhere.shortsoa.test"));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, "dns.nxdomain");
  EXPECT_EQ(resolver_->negativeTtl(RecordType::a, "nowhere.shortsoa.test"), seconds(30));
}

TEST_F(CaresResolverTest, PtrNxdomainNamesTheAddress) {
  auto ptr = runOn(context_, resolver_->lookupPtr("192.0.2.77"));
  ASSERT_FALSE(ptr.ok());
  EXPECT_EQ(ptr.error().code, "dns.nxdomain");
  EXPECT_EQ(ptr.error().message, "PTR lookup for 192.0.2.77: no such domain (NXDOMAIN)");
  EXPECT_EQ(resolver_->negativeTtl(RecordType::ptr, "192.0.2.77"), seconds(300));
}

TEST_F(CaresResolverTest, ServfailIsTemporaryAndNamesTheQuery) {
  auto mx = runOn(context_, resolver_->lookupMx("broken.test"));
  ASSERT_FALSE(mx.ok());
  EXPECT_EQ(mx.error().code, "dns.servfail");
  EXPECT_TRUE(mx.error().temporary);
  EXPECT_EQ(mx.error().message, "MX lookup for broken.test: server failure (SERVFAIL)");
  EXPECT_EQ(resolver_->negativeTtl(RecordType::mx, "broken.test"), std::nullopt);
  auto a = runOn(context_, resolver_->lookupA("mx.broken.test"));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, "dns.servfail");
  EXPECT_EQ(a.error().message, "A lookup for mx.broken.test: server failure (SERVFAIL)");
}

TEST_F(CaresResolverTest, RefusedIsTemporaryAndNamesTheQuery) {
  auto mx = runOn(context_, resolver_->lookupMx("not-served.test"));  // Knot has no such zone
  ASSERT_FALSE(mx.ok());
  EXPECT_EQ(mx.error().code, "dns.refused");
  EXPECT_TRUE(mx.error().temporary);
  EXPECT_EQ(mx.error().message, "MX lookup for not-served.test: refused by the DNS server");
}

TEST_F(CaresResolverTest, RunsConcurrentLookupsOnOneResolver) {
  std::optional<Result<Answer<MxRecord>>> mx;
  std::optional<Result<Answer<std::string>>> txt;
  auto rethrow = [](const std::exception_ptr& error) {
    if (error) std::rethrow_exception(error);
  };
  // Two coroutines on one resolver: both queries are in flight before either answer arrives.
  asio::co_spawn(
      context_,
      [&]() -> asio::awaitable<void> { mx = co_await resolver_->lookupMx("example.test"); },
      rethrow);
  asio::co_spawn(
      context_,
      [&]() -> asio::awaitable<void> { txt = co_await resolver_->lookupTxt("example.test"); },
      rethrow);
  context_.run();
  ASSERT_TRUE(mx.has_value() && txt.has_value());
  EXPECT_TRUE(mx->ok());
  ASSERT_TRUE(txt->ok());
  EXPECT_EQ(txt->value().records.size(), 2u);
}

// A UDP socket on 127.0.0.1 that receives queries and never answers them.
class SilentUdpPort {
 public:
  SilentUdpPort() : fd_(socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot bind a UDP socket");
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentUdpPort() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

TEST(CaresResolverTimeout, NoAnswerIsATemporaryTimeout) {
  SilentUdpPort silent;
  using Outcome = Result<Answer<MxRecord>>;
  auto mx = test::runAsync([&](auto executor) -> asio::awaitable<std::optional<Outcome>> {
    auto resolver =
        CaresResolver::create(executor, {.servers = "127.0.0.1:" + std::to_string(silent.port()),
                                         .timeout = std::chrono::milliseconds(100),
                                         .tries = 1});
    if (!resolver) co_return Outcome(resolver.takeError());
    co_return co_await (*resolver)->lookupMx("example.test");
  });
  ASSERT_TRUE(mx.has_value());
  ASSERT_FALSE(mx->ok());
  EXPECT_EQ(mx->error().code, "dns.timeout");
  EXPECT_TRUE(mx->error().temporary);
  EXPECT_EQ(mx->error().message, "MX lookup for example.test: timed out waiting for an answer");
}

TEST(CaresResolverUnreachable, ClosedServerPortIsTemporary) {
  int closed_port = test::freePort();  // nothing listens: the kernel answers ICMP unreachable
  using Outcome = Result<Answer<std::string>>;
  auto a = test::runAsync([&](auto executor) -> asio::awaitable<std::optional<Outcome>> {
    auto resolver =
        CaresResolver::create(executor, {.servers = "127.0.0.1:" + std::to_string(closed_port),
                                         .timeout = std::chrono::milliseconds(500),
                                         .tries = 1});
    if (!resolver) co_return Outcome(resolver.takeError());
    co_return co_await (*resolver)->lookupA("example.test");
  });
  ASSERT_TRUE(a.has_value());
  ASSERT_FALSE(a->ok());
  EXPECT_TRUE(a->error().temporary);
  EXPECT_EQ(a->error().message,
            "A lookup for example.test: lookup failed: could not contact the DNS servers");
}

TEST(CaresResolverCreate, RejectsAnInvalidServerList) {
  asio::io_context context;
  auto resolver = CaresResolver::create(context.get_executor(), {.servers = "not a server"});
  ASSERT_FALSE(resolver.ok());
  EXPECT_EQ(resolver.error().code, "dns.error");
}

}  // namespace
}  // namespace outpost::dns
