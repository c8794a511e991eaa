// Test helper for the DNS tests: a real authoritative server (Knot DNS) on a free 127.0.0.1 port,
// serving test zones written into a temporary folder, plus a zone whose file is broken so that
// Knot answers SERVFAIL for it. Header-only (the tests/dns CMakeLists compiles *_test.cpp only).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "dns/cares_resolver.h"
#include "support/child_process.h"
#include "support/run_async.h"
#include "support/temp_dir.h"

namespace outpost::dns::testing {

// TTLs differ per RRset so that tests can tell which one an answer reports. The SOA's TTL is
// 300 and its MINIMUM 120, so NXDOMAIN/NODATA may be cached for 120 s (RFC 2308 §5).
inline constexpr char kExampleZone[] = R"($ORIGIN example.test.
$TTL 300
@        SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 120
@        NS  ns
ns       A   127.0.0.1
@   3600 MX  20 mx2
@   3600 MX  10 mx1
@   3600 MX  30 mx3.Example.Test.
@   120  A   192.0.2.1
@   120  A   192.0.2.2
@   240  AAAA 2001:db8::1
@   600  TXT "v=spf1 " "ip4:192.0.2.0/24 " "-all"
@   600  TXT "second record"
nomail   MX  0 .
onlya    A   192.0.2.10
zero  0  TXT "changes all the time"
alias 60 CNAME @
outside  CNAME mail.elsewhere.invalid.
)";

// The SOA's own TTL (30) is below its MINIMUM (900): negative answers may be kept for 30 s.
inline constexpr char kShortSoaZone[] = R"($ORIGIN shortsoa.test.
@   30   SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 900
@   300  NS  ns.example.test.
@   300  MX  10 mx.shortsoa.test.
)";

inline constexpr char kReverseZone[] = R"($ORIGIN 2.0.192.in-addr.arpa.
$TTL 300
@        SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@        NS  ns.example.test.
1   900  PTR mail.example.test.
)";

// Not a zone file Knot can load ("bad" is no address): Knot answers SERVFAIL for the zone.
inline constexpr char kBrokenZone[] = R"($ORIGIN broken.test.
$TTL 300
@        SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@        NS  ns.example.test.
@        MX  10 mx.broken.test.
mx       A   bad
)";

// Everything Knot writes (rundir, storage, control socket) stays in the test's folder, so it
// runs without root and leaves nothing behind.
inline constexpr char kConfig[] = R"(server:
    rundir: "@DIR@"
    listen: 127.0.0.1@@PORT@
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "@DIR@/knot.sock"
database:
    storage: "@DIR@"
log:
  - target: stderr
    any: info
template:
  - id: default
    storage: "@DIR@"
zone:
  - domain: example.test
    file: "example.test.zone"
  - domain: shortsoa.test
    file: "shortsoa.test.zone"
  - domain: 2.0.192.in-addr.arpa
    file: "reverse.zone"
  - domain: broken.test
    file: "broken.test.zone"
)";

inline void replaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

inline void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// knotd answering for example.test, shortsoa.test, 2.0.192.in-addr.arpa and (SERVFAIL)
// broken.test. Runs as the current user: its rundir, storage and control socket are all in a
// temporary folder. Stopped when the object goes away.
class KnotServer {
 public:
  KnotServer() : port_(test::freePort()) {
    const std::string& dir = dir_.path();
    writeFile(dir_.file("example.test.zone"), kExampleZone);
    writeFile(dir_.file("shortsoa.test.zone"), kShortSoaZone);
    writeFile(dir_.file("reverse.zone"), kReverseZone);
    writeFile(dir_.file("broken.test.zone"), kBrokenZone);
    std::string config = kConfig;
    replaceAll(config, "@DIR@", dir);
    replaceAll(config, "@PORT@", std::to_string(port_));
    writeFile(dir_.file("knot.conf"), config);
    process_ =
        test::ChildProcess::start({.argv = {"knotd", "-c", dir_.file("knot.conf")}, .port = port_});
    waitUntilZonesAnswer();
  }

  // For CaresOptions::servers.
  std::string servers() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  // Knot listens before its zones are loaded: ask until the good zones answer.
  void waitUntilZonesAnswer() {
    namespace asio = boost::asio;
    bool ready = test::runAsync([this](auto executor) -> asio::awaitable<bool> {
      auto resolver = CaresResolver::create(
          executor, {.servers = servers(), .timeout = std::chrono::milliseconds(500), .tries = 1});
      if (!resolver) co_return false;
      asio::steady_timer pause(executor);
      for (int attempt = 0; attempt < 100; ++attempt) {
        auto a = co_await (*resolver)->lookupA("example.test");
        auto mx = co_await (*resolver)->lookupMx("shortsoa.test");
        auto ptr = co_await (*resolver)->lookupPtr("192.0.2.1");
        if (a.ok() && mx.ok() && ptr.ok()) co_return true;
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

}  // namespace outpost::dns::testing
