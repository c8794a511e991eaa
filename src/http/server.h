// The HTTP server: the JSON API under /api/v1 (and later the console's assets), on Beast
// with Asio coroutines. Requests are untrusted: bodies are size-limited, JSON is validated
// field by field, and every error answers with design.md's error body.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "delivery/dkim_checks.h"
#include "delivery/dkim_keys.h"
#include "delivery/relay_settings.h"
#include "delivery/routing.h"
#include "dns/resolver.h"
#include "intake/intake.h"
#include "store/store.h"

namespace outpost::http {

// Makes a DNS resolver bound to `executor` (a strand of one request: resolvers are not
// thread-safe).
using ResolverFactory = delivery::ResolverMaker;

struct Dependencies {
  const Config& config;
  const Clock& clock;
  store::Store& store;
  intake::Intake& intake;
  delivery::RelaySettingsRepository& relay_settings;  // the default relay and the named ones
  delivery::RoutingRepository& routing;
  // Executor of the pool where blocking calls (store, intake) run; never block I/O threads.
  boost::asio::any_io_executor blocking;
  // Wakes the delivery scheduler: there is work due now (after a retry).
  std::function<void()> wake_delivery;
  // Relays or routes were saved: open sessions must close, and delivery wakes.
  std::function<void()> settings_changed;
  // DKIM keys of the sending domains, and their validation and test (/domains/{d}/dkim).
  delivery::DkimKeyRepository& dkim_keys;
  delivery::DkimChecks& dkim_checks;
  ResolverFactory make_resolver;
};

class Server {
 public:
  explicit Server(Dependencies dependencies);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds `listen` ("127.0.0.1:8025", "[::1]:8025", ":8025"); the actual port is returned
  // (useful with port 0 in tests). Accepting runs on `executor` until stop().
  Result<int> start(const boost::asio::any_io_executor& executor, const std::string& listen);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::http
