// `outpost serve`: wires the store, intake, delivery scheduler and HTTP server together and
// runs them until SIGINT or SIGTERM.
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

#include "app/commands.h"
#include "app/data_folder.h"
#include "delivery/relay_settings.h"
#include "delivery/routing.h"
#include "delivery/scheduler.h"
#include "dns/cares_resolver.h"
#include "http/server.h"
#include "intake/intake.h"

namespace outpost::app {
namespace {

// Transactions in flight get a grace period to finish; then the I/O threads stop, and what is
// still leased returns to the queue when serve() releases its leases.
boost::asio::awaitable<void> stopWhenIdle(boost::asio::io_context& io,
                                          const delivery::Scheduler& scheduler) {
  using std::chrono::steady_clock;
  const auto deadline = steady_clock::now() + std::chrono::seconds(15);
  boost::asio::steady_timer timer(io);
  while (!scheduler.stopped() && steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  io.stop();
}

}  // namespace

int serve(const Config& config) {
  // Checked before anything starts: a server that would misroute mail must not run.
  auto configured_routing = delivery::routingFromConfig(config.routing);
  if (!configured_routing) {
    spdlog::critical("{}", configured_routing.error().message);
    return 1;
  }
  auto folder = openDataFolder(config);
  if (!folder) {
    spdlog::critical("{}", folder.error().message);
    return 1;
  }
  store::Store& store = *folder->store;
  if (auto admin = ensureSuperAdmin(store, config); !admin) {
    spdlog::critical("cannot create the first super admin: {}", admin.error().message);
    return 1;
  }
  // A restarted node has nothing in flight: its leases from before go back to the queue now.
  if (auto released = store.releaseLeases(config.node_name); !released) {
    spdlog::warn("cannot release old leases: {}", released.error().message);
  }

  SystemClock clock;
  boost::asio::io_context io;
  boost::asio::thread_pool blocking(config.intake_threads);
  delivery::RelaySettingsRepository relay_settings(store, *folder->secrets);
  delivery::RoutingRepository routing(store, std::move(*configured_routing));
  // MX delivery's resolver lives on the scheduler's strand (c-ares channels are not
  // thread-safe); --dns-server points it at one server, else /etc/resolv.conf's.
  delivery::ResolverFactory make_resolver =
      [&config](
          const boost::asio::any_io_executor& strand) -> Result<std::unique_ptr<dns::Resolver>> {
    dns::CaresOptions options;
    options.servers = config.dns_server;
    options.timeout = config.dns_timeout;
    auto made = dns::CaresResolver::create(strand, options);
    if (!made) return made.takeError();
    return std::unique_ptr<dns::Resolver>(std::move(*made));
  };
  delivery::Scheduler scheduler(io.get_executor(), blocking.get_executor(), store, relay_settings,
                                routing, std::move(make_resolver), config, clock);
  intake::Intake intake(store, config, clock, [&scheduler] { scheduler.wake(); });
  http::Server server(http::Dependencies{
      config, clock, store, intake, relay_settings, routing, blocking.get_executor(),
      [&scheduler] { scheduler.wake(); }, [&scheduler] { scheduler.settingsChanged(); }});
  auto port = server.start(io.get_executor(), config.http_listen);
  if (!port) {
    spdlog::critical("cannot listen on {}: {}", config.http_listen, port.error().message);
    return 1;
  }
  scheduler.start();
  spdlog::info("outpost {} listening on {} (port {}), data in {}", "0.1.0", config.http_listen,
               *port, config.data_dir);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("signal {}: stopping", signal);
    server.stop();
    scheduler.stop();
    boost::asio::co_spawn(io, stopWhenIdle(io, scheduler), [&io](const std::exception_ptr& error) {
      if (error) io.stop();  // the grace wait itself failed: stop at once rather than hang
    });
  });

  // Two I/O threads for two cores; store and CPU work run on the blocking pool.
  std::thread second([&io] { io.run(); });
  io.run();
  second.join();
  blocking.join();
  if (auto released = store.releaseLeases(config.node_name); !released) {
    spdlog::warn("cannot release leases: {}", released.error().message);
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace outpost::app
