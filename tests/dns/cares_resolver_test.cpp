// Tests for CaresResolver against a real authoritative server (Knot DNS) that the tests start on
// a free 127.0.0.1 port with a zone written into a temporary folder.
#include "dns/cares_resolver.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>

#include "support/child_process.h"
#include "support/run_async.h"
#include "support/temp_dir.h"

namespace outpost::dns {
namespace {

namespace asio = boost::asio;

constexpr char kZone[] = R"($ORIGIN example.test.
$TTL 300
@        SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@        NS  ns
ns       A   127.0.0.1
@        MX  20 mx2
@        MX  10 mx1
@        MX  30 mx3.Example.Test.
@        A   192.0.2.1
@        A   192.0.2.2
@        AAAA 2001:db8::1
@        TXT "v=spf1 " "ip4:192.0.2.0/24 " "-all"
@        TXT "second record"
nomail   MX  0 .
onlya    A   192.0.2.10
)";

constexpr char kReverseZone[] = R"($ORIGIN 2.0.192.in-addr.arpa.
$TTL 300
@        SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@        NS  ns.example.test.
1        PTR mail.example.test.
)";

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// A Knot DNS server answering for example.test and 2.0.192.in-addr.arpa, shared by the tests.
class KnotServer {
 public:
  KnotServer() : port_(test::freePort()) {
    const std::string& dir = dir_.path();
    writeFile(dir_.file("example.test.zone"), kZone);
    writeFile(dir_.file("reverse.zone"), kReverseZone);
    writeFile(dir_.file("knot.conf"),
              "server:\n"
              "    rundir: \"" +
                  dir +
                  "\"\n"
                  "    listen: 127.0.0.1@" +
                  std::to_string(port_) +
                  "\n"
                  "    udp-workers: 1\n"
                  "    tcp-workers: 1\n"
                  "    background-workers: 1\n"
                  "control:\n"
                  "    listen: \"" +
                  dir +
                  "/knot.sock\"\n"
                  "database:\n"
                  "    storage: \"" +
                  dir +
                  "\"\n"
                  "log:\n"
                  "  - target: stderr\n"
                  "    any: info\n"
                  "template:\n"
                  "  - id: default\n"
                  "    storage: \"" +
                  dir +
                  "\"\n"
                  "zone:\n"
                  "  - domain: example.test\n"
                  "    file: \"example.test.zone\"\n"
                  "  - domain: 2.0.192.in-addr.arpa\n"
                  "    file: \"reverse.zone\"\n");
    process_ =
        test::ChildProcess::start({.argv = {"knotd", "-c", dir_.file("knot.conf")}, .port = port_});
    waitUntilZonesAnswer();
  }

  std::string servers() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  // Knot listens before its zones are loaded: ask until both zones answer.
  void waitUntilZonesAnswer() {
    bool ready = test::runAsync([this](auto executor) -> asio::awaitable<bool> {
      auto resolver = CaresResolver::create(
          executor, {.servers = servers(), .timeout = std::chrono::milliseconds(500), .tries = 1});
      if (!resolver) co_return false;
      asio::steady_timer pause(executor);
      for (int attempt = 0; attempt < 100; ++attempt) {
        auto a = co_await (*resolver)->lookupA("example.test");
        auto ptr = co_await (*resolver)->lookupPtr("192.0.2.1");
        if (a.ok() && ptr.ok()) co_return true;
        pause.expires_after(std::chrono::milliseconds(100));
        co_await pause.async_wait(asio::use_awaitable);
      }
      co_return false;
    });
    if (!ready) {
      throw std::runtime_error("knotd did not answer for its zones:\n" + process_->output());
    }
  }

  test::TempDir dir_{"outpost-knot"};
  int port_;
  std::unique_ptr<test::ChildProcess> process_;
};

class CaresResolverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new KnotServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // Runs the lookup `make_lookup` starts on a resolver bound to the coroutine's own context.
  template <class Lookup>
  auto lookup(Lookup make_lookup) {
    using Value = typename decltype(make_lookup(std::declval<Resolver&>()))::value_type;
    auto out = test::runAsync([&](auto executor) -> asio::awaitable<std::optional<Value>> {
      auto resolver = CaresResolver::create(executor, options());
      if (!resolver) co_return Value(resolver.takeError());
      co_return co_await make_lookup(**resolver);
    });
    return std::move(*out);
  }

  static CaresOptions options() {
    return {.servers = server_->servers(), .timeout = std::chrono::milliseconds(2000), .tries = 2};
  }

  static KnotServer* server_;
};

KnotServer* CaresResolverTest::server_ = nullptr;

TEST_F(CaresResolverTest, ReturnsMxSortedByPreference) {
  auto mx = lookup([](Resolver& r) { return r.lookupMx("example.test"); });
  ASSERT_TRUE(mx.ok()) << mx.error().message;
  ASSERT_EQ(mx->size(), 3u);
  EXPECT_EQ((*mx)[0], (MxRecord{10, "mx1.example.test"}));
  EXPECT_EQ((*mx)[1], (MxRecord{20, "mx2.example.test"}));
  EXPECT_EQ((*mx)[2], (MxRecord{30, "mx3.example.test"}));
}

TEST_F(CaresResolverTest, ReturnsNullMxAsExchangeDot) {
  auto mx = lookup([](Resolver& r) { return r.lookupMx("nomail.example.test"); });
  ASSERT_TRUE(mx.ok()) << mx.error().message;
  ASSERT_EQ(mx->size(), 1u);
  EXPECT_EQ((*mx)[0].exchange, ".");
  EXPECT_TRUE((*mx)[0].isNullMx());
}

TEST_F(CaresResolverTest, ReturnsAAndAaaaAddressesAsText) {
  auto a = lookup([](Resolver& r) { return r.lookupA("EXAMPLE.test"); });
  ASSERT_TRUE(a.ok()) << a.error().message;
  std::vector<std::string> addresses = *a;
  std::sort(addresses.begin(), addresses.end());
  EXPECT_EQ(addresses, (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
  auto aaaa = lookup([](Resolver& r) { return r.lookupAaaa("example.test"); });
  ASSERT_TRUE(aaaa.ok()) << aaaa.error().message;
  EXPECT_EQ(*aaaa, std::vector<std::string>{"2001:db8::1"});
}

TEST_F(CaresResolverTest, JoinsTheStringsOfEachTxtRecord) {
  auto txt = lookup([](Resolver& r) { return r.lookupTxt("example.test"); });
  ASSERT_TRUE(txt.ok()) << txt.error().message;
  std::vector<std::string> records = *txt;
  std::sort(records.begin(), records.end());
  EXPECT_EQ(records, (std::vector<std::string>{"second record", "v=spf1 ip4:192.0.2.0/24 -all"}));
}

TEST_F(CaresResolverTest, ReturnsPtrNamesForAnAddress) {
  auto ptr = lookup([](Resolver& r) { return r.lookupPtr("192.0.2.1"); });
  ASSERT_TRUE(ptr.ok()) << ptr.error().message;
  EXPECT_EQ(*ptr, std::vector<std::string>{"mail.example.test"});
}

TEST_F(CaresResolverTest, NxdomainIsPermanentAndNamesTheQuery) {
  auto mx = lookup([](Resolver& r) { return r.lookupMx("missing.example.test"); });
  ASSERT_FALSE(mx.ok());
  EXPECT_EQ(mx.error().code, "dns.nxdomain");
  EXPECT_FALSE(mx.error().temporary);
  EXPECT_EQ(mx.error().message, "MX lookup for missing.example.test: no such domain (NXDOMAIN)");
}

TEST_F(CaresResolverTest, NodataIsPermanent) {
  auto mx = lookup([](Resolver& r) { return r.lookupMx("onlya.example.test"); });
  ASSERT_FALSE(mx.ok());
  EXPECT_EQ(mx.error().code, "dns.nodata");
  EXPECT_FALSE(mx.error().temporary);
  EXPECT_NE(mx.error().message.find("MX lookup for onlya.example.test"), std::string::npos);
}

TEST_F(CaresResolverTest, RunsConcurrentLookupsOnOneResolver) {
  asio::io_context context;
  auto resolver = CaresResolver::create(context.get_executor(), options());
  ASSERT_TRUE(resolver.ok()) << resolver.error().message;
  std::optional<Result<std::vector<MxRecord>>> mx;
  std::optional<Result<std::vector<std::string>>> txt;
  auto rethrow = [](std::exception_ptr error) {
    if (error) std::rethrow_exception(error);
  };
  // Two coroutines on one resolver: both queries are in flight before either answer arrives.
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> { mx = co_await (*resolver)->lookupMx("example.test"); },
      rethrow);
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> { txt = co_await (*resolver)->lookupTxt("example.test"); },
      rethrow);
  context.run();
  ASSERT_TRUE(mx.has_value() && txt.has_value());
  EXPECT_TRUE(mx->ok());
  ASSERT_TRUE(txt->ok());
  EXPECT_EQ(txt->value().size(), 2u);
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
  auto mx = test::runAsync(
      [&](auto executor) -> asio::awaitable<std::optional<Result<std::vector<MxRecord>>>> {
        auto resolver = CaresResolver::create(
            executor, {.servers = "127.0.0.1:" + std::to_string(silent.port()),
                       .timeout = std::chrono::milliseconds(100),
                       .tries = 1});
        if (!resolver) co_return Result<std::vector<MxRecord>>(resolver.takeError());
        co_return co_await (*resolver)->lookupMx("example.test");
      });
  ASSERT_TRUE(mx.has_value());
  ASSERT_FALSE(mx->ok());
  EXPECT_EQ(mx->error().code, "dns.timeout");
  EXPECT_TRUE(mx->error().temporary);
  EXPECT_NE(mx->error().message.find("MX lookup for example.test"), std::string::npos);
}

TEST(CaresResolverCreate, RejectsAnInvalidServerList) {
  asio::io_context context;
  auto resolver = CaresResolver::create(context.get_executor(), {.servers = "not a server"});
  ASSERT_FALSE(resolver.ok());
  EXPECT_EQ(resolver.error().code, "dns.error");
}

}  // namespace
}  // namespace outpost::dns
