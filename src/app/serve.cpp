// `outpost serve`: wires the store, intake, delivery scheduler and HTTP server together and
// runs them until SIGINT or SIGTERM.
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <thread>
#include <tuple>

#include "app/commands.h"
#include "app/data_folder.h"
#include "delivery/dkim_checks.h"
#include "delivery/dkim_keys.h"
#include "delivery/relay_settings.h"
#include "delivery/routing.h"
#include "delivery/scheduler.h"
#include "dns/cares_resolver.h"
#include "http/server.h"
#include "inbound/bounce_service.h"
#include "inbound/submission_service.h"
#include "intake/intake.h"
#include "smtp/server.h"
#include "smtp/server_certificate.h"

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

// The TLS certificate of the SMTP listeners: the configured PEM files, or a self-signed one made
// in the data folder on first start.
Result<std::pair<std::string, std::string>> submissionCertificate(const Config& config) {
  const SubmissionConfig& submission = config.submission;
  if (submission.certificate_file.empty() != submission.key_file.empty()) {
    return Error::permanentFailure(
        "config.invalid_value",
        "submission.certificate_file and submission.key_file must be set together");
  }
  if (!submission.certificate_file.empty()) {
    return std::pair{submission.certificate_file, submission.key_file};
  }
  const std::string folder = config.data_dir + "/tls";
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) {
    return Error::permanentFailure("tls.certificate",
                                   "cannot create " + folder + ": " + error.message());
  }
  std::pair<std::string, std::string> files{folder + "/submission.crt", folder + "/submission.key"};
  if (auto made = smtp::ensureSelfSignedCertificate(files.first, files.second, config.hostname);
      !made) {
    return made.takeError();
  }
  return files;
}

smtp::ServerPolicy serverPolicy(const Config& config) {
  smtp::ServerPolicy policy;
  policy.hostname = config.hostname;
  policy.max_message_bytes = config.max_message_bytes;
  policy.max_recipients = config.max_recipients;
  policy.max_errors = config.submission.max_errors;
  return policy;
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
  auto admin = ensureSuperAdmin(store, config);
  if (!admin) {
    spdlog::critical("cannot create the first super admin: {}", admin.error().message);
    return 1;
  }
  auto trusted_networks = smtp::NetworkList::parse(config.submission.trusted_networks);
  if (!trusted_networks) {
    spdlog::critical("submission.trusted_networks: {}", trusted_networks.error().message);
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
  // VERP return paths and DSN requests start once a return-path domain is configured.
  const bounce::VerpCodec verp(folder->secrets->deriveKey("verp"), config.bounce.return_domain);
  delivery::ReturnPath return_path(
      config.bounce.return_domain.empty() ? std::nullopt : std::optional<bounce::VerpCodec>(verp));
  delivery::Scheduler scheduler(io.get_executor(), blocking.get_executor(), store, relay_settings,
                                routing, make_resolver, config, clock, std::move(return_path));
  // Every message is DKIM-signed at intake with its From domain's active keys (or the
  // fallback domain's), before it is stored.
  delivery::DkimKeyRepository dkim_keys(store, *folder->secrets, clock);
  auto sign_options = intake::signOptionsFromConfig(config.dkim);
  if (!sign_options) {
    spdlog::critical("{}", sign_options.error().message);
    return 1;
  }
  intake::DkimSigning dkim_signing(
      [&dkim_keys](const std::string& domain, const mailauth::dkim::SignOptions& options) {
        return dkim_keys.activeSigners(domain, options);
      },
      std::move(*sign_options), config.dkim);
  // Keys activated or removed through the API or the periodic check sign (or stop) at once;
  // the CLI, another process, is seen within dkim.key_cache_ttl.
  dkim_keys.onSigningKeysChanged([&dkim_signing] { dkim_signing.invalidate(); });
  intake::Intake intake(
      store, config, clock, [&scheduler] { scheduler.wake(); }, &dkim_signing);
  // DKIM validation and tests (API), and the periodic check that activates pending keys once
  // DNS publishes their records; its lookups run on a strand of their own.
  delivery::DkimChecks dkim_checks(store, *folder->secrets, clock, dkim_keys,
                                   blocking.get_executor(),
                                   *intake::signOptionsFromConfig(config.dkim));
  boost::asio::co_spawn(boost::asio::make_strand(io),
                        dkim_checks.checkPendingEvery(config.dkim.check_interval, make_resolver),
                        [](const std::exception_ptr& error) {
                          if (error) spdlog::error("dkim: the periodic key check ended");
                        });
  http::Server server(http::Dependencies{
      config, clock, store, intake, relay_settings, routing, blocking.get_executor(),
      [&scheduler] { scheduler.wake(); }, [&scheduler] { scheduler.settingsChanged(); }, dkim_keys,
      dkim_checks, make_resolver});
  auto port = server.start(io.get_executor(), config.http_listen);
  if (!port) {
    spdlog::critical("cannot listen on {}: {}", config.http_listen, port.error().message);
    return 1;
  }

  // SMTP: submission (STARTTLS and implicit TLS) and the bounce listener.
  intake::Submitter trusted_submitter;
  trusted_submitter.user_id = admin->id;
  trusted_submitter.role = admin->role;
  inbound::SubmissionService submission(
      inbound::SubmissionDependencies{config, clock, store, intake, blocking.get_executor(),
                                      std::move(*trusted_networks), trusted_submitter});
  inbound::BounceService bounces(
      inbound::BounceDependencies{config, clock, store, blocking.get_executor(), verp});
  auto limiter = std::make_shared<smtp::ConnectionLimiter>(
      config.submission.max_connections, config.submission.max_connections_per_client);
  std::vector<std::unique_ptr<smtp::Listener>> listeners;
  const auto listen = [&](smtp::ListenerOptions options, smtp::ServerHandler& handler) -> bool {
    if (options.listen.empty()) return true;
    options.command_timeout = config.submission.command_timeout;
    options.data_timeout = config.submission.data_timeout;
    options.limiter = limiter;
    const std::string name = options.name;
    auto listener = std::make_unique<smtp::Listener>(std::move(options), handler);
    if (auto started = listener->start(io.get_executor()); !started) {
      spdlog::critical("{}: {}", name, started.error().message);
      return false;
    }
    listeners.push_back(std::move(listener));
    return true;
  };
  // One certificate for every SMTP listener: the bounce listener, being an MX, offers STARTTLS
  // too (opportunistic TLS for the reports that come back).
  auto certificate = submissionCertificate(config);
  if (!certificate) {
    spdlog::critical("{}", certificate.error().message);
    return 1;
  }
  for (const auto& [name, address, tls] :
       {std::tuple{"submission", config.submission.listen, smtp::ListenerTls::kStartTls},
        std::tuple{"submissions", config.submission.tls_listen, smtp::ListenerTls::kImplicit}}) {
    smtp::ListenerOptions options;
    options.name = name;
    options.listen = address;
    options.tls = tls;
    options.certificate_file = certificate->first;
    options.key_file = certificate->second;
    options.policy = serverPolicy(config);
    if (!listen(std::move(options), submission)) return 1;
  }
  {
    smtp::ListenerOptions options;
    options.name = "bounce";
    options.listen = config.bounce.listen;
    options.tls = smtp::ListenerTls::kStartTls;
    options.certificate_file = certificate->first;
    options.key_file = certificate->second;
    options.policy = serverPolicy(config);
    options.policy.max_message_bytes = config.bounce.max_report_bytes;
    options.policy.offer_auth = false;
    options.policy.require_auth = false;
    if (!listen(std::move(options), bounces)) return 1;
    if (!config.bounce.listen.empty() && config.bounce.return_domain.empty()) {
      spdlog::info(
          "bounce: no return-path domain (bounce.return_domain / --return-domain): MAIL FROM is "
          "the submitter's and no reports come back here yet");
    }
  }

  scheduler.start();
  spdlog::info("outpost {} listening on {} (port {}), data in {}", "0.1.0", config.http_listen,
               *port, config.data_dir);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("signal {}: stopping", signal);
    server.stop();
    for (auto& listener : listeners) listener->stop();
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
