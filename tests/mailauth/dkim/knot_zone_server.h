// Test helper: a real authoritative server (Knot DNS) on a free 127.0.0.1 port serving one zone
// whose text the test writes. The minimal part of tests/dns/knot_server.h (whose zones are fixed
// for the DNS tests); header-only, as the tests CMakeLists compiles *_test.cpp only.
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

namespace outpost::mailauth::dkim::testing {

// Everything Knot writes stays in the test's folder, so it runs without root.
inline constexpr char kKnotConfig[] = R"(server:
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
  - domain: @ZONE@
    file: "zone.txt"
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

// knotd answering for `zone` from `zone_text`; `probe` is a name with a TXT record in it, asked
// until it answers (Knot listens before its zone is loaded). Stopped when the object goes away.
class KnotZoneServer {
 public:
  KnotZoneServer(const std::string& zone, const std::string& zone_text, const std::string& probe)
      : port_(test::freePort()) {
    writeFile(dir_.file("zone.txt"), zone_text);
    std::string config = kKnotConfig;
    replaceAll(config, "@DIR@", dir_.path());
    replaceAll(config, "@PORT@", std::to_string(port_));
    replaceAll(config, "@ZONE@", zone);
    writeFile(dir_.file("knot.conf"), config);
    process_ =
        test::ChildProcess::start({.argv = {"knotd", "-c", dir_.file("knot.conf")}, .port = port_});
    waitUntilAnswering(probe);
  }

  // For CaresOptions::servers.
  std::string servers() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void waitUntilAnswering(const std::string& probe) {
    namespace asio = boost::asio;
    bool ready = test::runAsync([this, &probe](auto executor) -> asio::awaitable<bool> {
      auto resolver = dns::CaresResolver::create(
          executor, {.servers = servers(), .timeout = std::chrono::milliseconds(500), .tries = 1});
      if (!resolver) co_return false;
      asio::steady_timer pause(executor);
      for (int attempt = 0; attempt < 100; ++attempt) {
        auto txt = co_await (*resolver)->lookupTxt(probe);
        if (txt.ok()) co_return true;
        pause.expires_after(std::chrono::milliseconds(100));
        co_await pause.async_wait(asio::use_awaitable);
      }
      co_return false;
    });
    if (!ready)
      throw std::runtime_error("knotd did not answer for its zone:\n" + process_->output());
  }

  test::TempDir dir_{"outpost-dkim-knot"};
  int port_;
  std::unique_ptr<test::ChildProcess> process_;
};

}  // namespace outpost::mailauth::dkim::testing
