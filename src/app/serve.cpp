// `outpost serve`: wires the store, intake, delivery scheduler and HTTP server together and
// runs them until SIGINT or SIGTERM.
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <thread>

#include "app/commands.h"
#include "app/data_folder.h"
#include "delivery/relay_settings.h"
#include "delivery/scheduler.h"
#include "http/server.h"
#include "intake/intake.h"

namespace outpost::app {

int serve(const Config& config) {
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
  delivery::Scheduler scheduler(io.get_executor(), blocking.get_executor(), store, relay_settings,
                                config, clock);
  intake::Intake intake(store, config, clock, [&scheduler] { scheduler.wake(); });
  http::Server server(http::Dependencies{config, clock, store, intake, relay_settings,
                                         blocking.get_executor(),
                                         [&scheduler] { scheduler.settingsChanged(); }});
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
    // Transactions in flight get a grace period to finish; then everything stops, and what
    // was still leased returns to the queue below.
    auto grace = std::make_shared<boost::asio::steady_timer>(io);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    auto check = std::make_shared<std::function<void()>>();
    *check = [grace, check, deadline, &io, &scheduler] {
      if (scheduler.stopped() || std::chrono::steady_clock::now() >= deadline) {
        io.stop();
        *check = nullptr;  // breaks the cycle between the closure and itself
        return;
      }
      grace->expires_after(std::chrono::milliseconds(50));
      grace->async_wait([check](const boost::system::error_code&) {
        if (*check) (*check)();
      });
    };
    (*check)();
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
