// The scheduler runs on one strand: the queues, the workers, the shaper and the session pool need
// no locks. Store calls go to the blocking pool; SMTP and DNS I/O stay on the strand.
//
// Flow: claim → route each recipient → group into jobs (one message, one destination) → queue per
// destination → workers, at most the destination's connection limit (and the global one), each
// carrying many jobs over one session → outcomes recorded in the background. A destination that
// throttles us is backed off alone: its waiting jobs are put back in the store with the reason.
#include "delivery/scheduler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <map>
#include <random>
#include <utility>

#include "delivery/direct_delivery.h"
#include "delivery/outcome.h"
#include "delivery/pauses.h"
#include "delivery/sessions.h"
#include "delivery/shaper.h"
#include "dns/caching_resolver.h"
#include "io/blocking.h"
#include "smtp/client.h"

namespace outpost::delivery {
namespace asio = boost::asio;

namespace {

// The recipients of one message for one destination: one SMTP transaction.
struct Job {
  std::string message_id;
  Route route;
  std::string destination;  // the queue: "mx:example.org", "relay:" (default), "relay:eu"
  std::string domain;       // the recipients' domain, for MX delivery
  std::vector<store::DueRecipient> recipients;
  std::string prelude;  // transcript lines from before (a relay that failed, then its fallback)
  int fallback_depth = 0;
};

struct Queue {
  Route route;
  std::string domain;
  std::deque<Job> jobs;
  std::size_t workers = 0;   // running, each with at most one session
  std::size_t starting = 0;  // spawned, not yet running
};

std::string domainOf(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? std::string() : dns::normalizeName(address.substr(at + 1));
}

std::string destinationOf(const Route& route, const std::string& domain) {
  return route.kind == Route::Kind::kMx ? "mx:" + domain : "relay:" + route.relay_name;
}

std::string relayLabel(const std::string& name) {
  return name.empty() ? "the relay" : "the relay \"" + name + "\"";
}

void logOnException(const char* what, const std::exception_ptr& error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& exception) {
    spdlog::error("delivery: {} ended with an exception: {}", what, exception.what());
  }
}

}  // namespace

struct Scheduler::Impl : std::enable_shared_from_this<Scheduler::Impl> {
  Impl(const asio::any_io_executor& io, asio::any_io_executor blocking_pool,
       store::Store& store_ref, RelaySettingsRepository& relays, RoutingRepository& routes,
       ResolverFactory factory, const Config& config_ref, const Clock& clock_ref,
       ReturnPath return_path_value)
      : strand(asio::make_strand(io)),
        blocking(std::move(blocking_pool)),
        store(store_ref),
        relay_settings(relays),
        routing_repository(routes),
        make_resolver(std::move(factory)),
        config(config_ref),
        clock(clock_ref),
        wake_timer(strand),
        shaper(config_ref.delivery),
        return_path(std::move(return_path_value)),
        sessions(strand, config_ref.delivery, return_path),
        random(std::random_device{}()) {}

  asio::strand<asio::any_io_executor> strand;
  asio::any_io_executor blocking;
  store::Store& store;
  RelaySettingsRepository& relay_settings;
  RoutingRepository& routing_repository;
  ResolverFactory make_resolver;
  const Config& config;
  const Clock& clock;

  asio::steady_timer wake_timer;            // the claim loop sleeps on it; wake() cancels it
  std::vector<asio::steady_timer*> pauses;  // workers waiting for a rate-limited send slot
  std::map<std::string, Queue> queues;
  Shaper shaper;
  ReturnPath return_path;  // before sessions, which keep a reference
  Sessions sessions;
  std::mt19937 random;
  std::unique_ptr<dns::Resolver> resolver;
  std::unique_ptr<dns::CachingResolver> cached_resolver;
  std::string resolver_problem;  // why there is no resolver (then MX delivery defers)

  // Changed on the strand only; atomic because stopped() reads them from any thread.
  std::atomic<std::size_t> workers{0};
  std::atomic<std::size_t> pending_records{0};  // commits running in the background
  std::atomic<bool> loop_running{false};
  bool last_claim_full = false;  // more is due than the last claim took
  std::atomic<bool> stopping{false};
  std::atomic<bool> wake_pending{false};
  std::atomic<std::uint64_t> settings_generation{1};

  // Cached settings, reloaded when the generation moves.
  std::uint64_t loaded_generation = 0;
  EffectiveRouting routing;
  std::map<std::string, std::optional<RelaySettings>> relays;  // by name; "" = default relay
  DeliveryPauses delivery_pauses;  // what a person paused (delivery/pauses.h)

  std::atomic<std::uint64_t> claimed{0}, sandboxed{0}, postponed{0};

  // --- settings ---------------------------------------------------------------------------

  // Coroutine parameters are references and blocking calls are named lambdas throughout: GCC 12
  // destroys some temporaries and by-value parameters of co_await expressions twice.
  asio::awaitable<void> refreshSettings() {
    const std::uint64_t generation = settings_generation.load();
    if (generation == loaded_generation) co_return;
    auto call = [this] { return routing_repository.load(); };
    auto loaded = co_await io::runBlocking(blocking, call);
    if (!loaded) {
      spdlog::error("delivery: cannot read the routes: {}", loaded.error().message);
      co_return;
    }
    routing = std::move(*loaded);
    relays.clear();
    auto read_pauses = [this] { return PauseRepository(store).load(); };
    auto paused = co_await io::runBlocking(blocking, read_pauses);
    if (paused) {
      delivery_pauses = std::move(*paused);
    } else {
      spdlog::error("delivery: cannot read the pauses: {}", paused.error().message);
    }
    // Sessions opened with the old settings (a changed password, another host) must not carry
    // new mail.
    sessions.closeIdle();
    shaper.clearBackoffs("relay:");
    loaded_generation = generation;
  }

  asio::awaitable<const std::optional<RelaySettings>*> relayFor(const std::string& name) {
    if (auto found = relays.find(name); found != relays.end()) co_return &found->second;
    auto call = [this, &name] { return relay_settings.loadByName(name); };
    auto loaded = co_await io::runBlocking(blocking, call);
    if (!loaded) {
      spdlog::error("delivery: cannot read {}: {}", relayLabel(name), loaded.error().message);
      co_return nullptr;  // not cached: the next job asks again
    }
    auto [entry, inserted] = relays.emplace(name, std::move(*loaded));
    co_return &entry->second;
  }

  dns::Resolver* dnsResolver() {
    if (cached_resolver) return cached_resolver.get();
    if (!resolver_problem.empty()) return nullptr;
    auto made = make_resolver(strand);
    if (!made) {
      resolver_problem = made.error().message;
      spdlog::error("delivery: no DNS resolver for MX delivery: {}", resolver_problem);
      return nullptr;
    }
    resolver = std::move(*made);
    cached_resolver = std::make_unique<dns::CachingResolver>(*resolver, clock);
    return cached_resolver.get();
  }

  // The limits of a destination: the routes' per-domain limits for MX, the relay's own
  // connection limit for a relay.
  ShapingLimits limitsOf(const Route& route, const std::string& domain) const {
    ShapingLimits limits;
    if (route.kind == Route::Kind::kMx) {
      // limitsFor fills in the configured defaults.
      const DomainLimits domain_limits = routing.table.limitsFor(domain, config.delivery);
      limits.connections = *domain_limits.connections;
      limits.messages_per_minute = *domain_limits.messages_per_minute;
      return limits;
    }
    limits.connections = config.delivery.max_connections;
    const auto found = relays.find(route.relay_name);
    if (found != relays.end() && found->second && found->second->max_connections > 0) {
      limits.connections = found->second->max_connections;
    }
    return limits;
  }

  AttemptContext context(UnixMillis started_at, const std::string& server, int port,
                         bool direct) const {
    return attemptContext(config, clock, started_at, server, port, direct);
  }

  // --- recording --------------------------------------------------------------------------

  asio::awaitable<void> record(std::vector<store::RecipientUpdate>& updates) {
    if (updates.empty()) co_return;
    auto call = [this, &updates] { return store.recordOutcomes(updates); };
    auto result = co_await io::runBlocking(blocking, call);
    if (!result) {
      // The leases stay ours until they expire; the recipients are then retried. A duplicate
      // is possible, a loss is not.
      spdlog::error("delivery: cannot record outcomes: {}", result.error().message);
    }
  }

  asio::awaitable<void> recordOwned(std::shared_ptr<std::vector<store::RecipientUpdate>> updates) {
    co_await record(*updates);
  }

  // Records outcomes without making the worker wait for the commit: the next transaction
  // overlaps the fsync. The leases stay ours until the commit lands, so nothing is claimed twice.
  void recordInBackground(std::vector<store::RecipientUpdate>& updates) {
    if (updates.empty()) return;
    auto owned = std::make_shared<std::vector<store::RecipientUpdate>>(std::move(updates));
    ++pending_records;
    asio::co_spawn(strand, recordOwned(owned),
                   [self = shared_from_this()](const std::exception_ptr& error) {
                     --self->pending_records;
                     logOnException("recording outcomes", error);
                   });
  }

  asio::awaitable<void> postponeOwned(std::shared_ptr<std::vector<store::Postponement>> owned) {
    auto call = [this, &owned] { return store.postpone(*owned); };
    auto result = co_await io::runBlocking(blocking, call);
    if (!result) spdlog::error("delivery: cannot postpone: {}", result.error().message);
  }

  // Puts jobs back in the store without an attempt: due at `until`, with the reason shown.
  void postponeInBackground(std::vector<Job>& jobs, UnixMillis until, const std::string& reason) {
    if (jobs.empty()) return;
    auto owned = std::make_shared<std::vector<store::Postponement>>();
    for (const auto& job : jobs) {
      for (const auto& recipient : job.recipients) {
        owned->push_back(store::Postponement{recipient.recipient_id, recipient.message_id, until,
                                             reason, config.node_name});
      }
    }
    postponed += owned->size();
    ++pending_records;
    asio::co_spawn(strand, postponeOwned(owned),
                   [self = shared_from_this()](const std::exception_ptr& error) {
                     --self->pending_records;
                     logOnException("postponing", error);
                   });
  }

  std::string backoffText(const std::string& destination, UnixMillis until) const {
    return shaper.backoffReason(destination) + "; outpost waits until " + formatRfc3339(until) +
           " before it connects again";
  }

  // Every job waiting in a backed-off queue goes back to the store until the back-off ends.
  void postponeQueue(const std::string& destination, Queue& queue, UnixMillis until) {
    std::vector<Job> waiting(std::make_move_iterator(queue.jobs.begin()),
                             std::make_move_iterator(queue.jobs.end()));
    queue.jobs.clear();
    postponeInBackground(waiting, until, backoffText(destination, until));
  }

  // --- sandbox ----------------------------------------------------------------------------

  // Captures the recipients: processed and delivered, with an attempt saying where it went.
  // An outcome decided without any connection (sandbox capture, suppression): one attempt
  // row that says what happened and what to do.
  store::RecipientUpdate decidedHere(const store::DueRecipient& recipient,
                                     store::ProcessingStatus processing,
                                     store::DeliveryStatus delivery, std::string server) const {
    store::RecipientUpdate update;
    update.lease_owner = config.node_name;
    update.processing = processing;
    update.delivery = delivery;
    auto& attempt = update.attempt;
    attempt.recipient_id = recipient.recipient_id;
    attempt.recipient = recipient.address;
    attempt.at = clock.now();
    attempt.node = config.node_name;
    attempt.server = std::move(server);
    return update;
  }

  void sandbox(const store::DueRecipient& recipient, std::vector<store::RecipientUpdate>& updates) {
    store::RecipientUpdate update = decidedHere(recipient, store::ProcessingStatus::kProcessed,
                                                store::DeliveryStatus::kDelivered, "sandbox");
    auto& attempt = update.attempt;
    attempt.code = 250;
    attempt.enhanced_code = "2.0.0";
    attempt.text = "captured by the sandbox; not sent to any server";
    attempt.description =
        "The sandbox route keeps the message inside outpost: nothing leaves the machine.";
    attempt.hint =
        "Save an SMTP relay (PUT /api/v1/settings/smtp) or route the domain to mx "
        "(PUT /api/v1/settings/routes) to deliver mail for real.";
    updates.push_back(std::move(update));
    ++sandboxed;
  }

  // A suppressed address fails at once, without a connection, and says how to lift it.
  void suppressed(const store::DueRecipient& recipient,
                  std::vector<store::RecipientUpdate>& updates) {
    const store::Suppression& suppression = *recipient.suppression;
    store::RecipientUpdate update = decidedHere(recipient, store::ProcessingStatus::kFailure,
                                                store::DeliveryStatus::kFailed, "suppression list");
    auto& attempt = update.attempt;
    attempt.enhanced_code = "5.7.1";
    attempt.text = recipient.address + " is on the suppression list since " +
                   formatRfc3339(suppression.created_at) + ": " + suppression.reason;
    attempt.description =
        suppression.source == "bounce"
            ? "An earlier message to this address bounced for good (a hard bounce), so outpost "
              "no longer sends to it: more mail would only hurt the sender's reputation."
            : "Someone put this address on the suppression list, so outpost does not send to it.";
    attempt.hint =
        "If the address works again, remove it from the suppression list (DELETE "
        "/api/v1/suppressions/" +
        suppression.address + ", or the console's Suppressions page), then retry.";
    updates.push_back(std::move(update));
  }

  // --- claiming and routing -----------------------------------------------------------------

  std::size_t queuedJobs() const {
    std::size_t total = 0;
    for (const auto& [key, queue] : queues) total += queue.jobs.size();
    return total;
  }

  std::size_t capacity() const {
    return std::max<std::size_t>(config.delivery.claim_batch,
                                 config.delivery.max_total_connections * 4);
  }

  asio::awaitable<void> claimLoop() {
    auto self = shared_from_this();
    while (!stopping) {
      wake_pending = false;
      bool more = false;
      // Claim only what the sessions can start soon, so leases do not age in the queues.
      co_await refreshSettings();
      // With all delivery paused nothing is claimed: the queue waits as it is.
      if (!delivery_pauses.all && queuedJobs() < capacity()) {
        const UnixMillis now = clock.now();
        const auto lease_until = now + std::chrono::duration_cast<std::chrono::milliseconds>(
                                           config.delivery.lease_duration)
                                           .count();
        const int limit = static_cast<int>(config.delivery.claim_batch);
        auto call = [this, now, lease_until, limit] {
          return store.claimDue(now, config.node_name, lease_until, limit);
        };
        auto due = co_await io::runBlocking(blocking, call);
        if (!due) {
          spdlog::error("delivery: cannot claim work: {}", due.error().message);
        } else if (!due->empty()) {
          claimed += due->size();
          more = due->size() == static_cast<std::size_t>(limit);
          last_claim_full = more;
          co_await dispatch(*due);
        }
      }
      if (more && queuedJobs() < capacity()) continue;
      if (wake_pending.exchange(false)) continue;
      wake_timer.expires_after(config.delivery.poll_interval);
      co_await wake_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    loop_running = false;
  }

  // The route for one claimed recipient: the message's own (SMTP test: "relay"), else the
  // routing table's, else automatic (the default relay when one is saved, else the sandbox).
  asio::awaitable<std::optional<Route>> routeOf(const store::DueRecipient& recipient) {
    if (!recipient.route.empty()) co_return parseRoute(recipient.route);
    auto route = routing.table.routeFor(domainOf(recipient.mail_from), domainOf(recipient.address));
    if (route) co_return route;
    const std::string default_relay;
    const auto* relay = co_await relayFor(default_relay);
    if (relay != nullptr && relay->has_value()) co_return Route{Route::Kind::kRelay, ""};
    co_return Route{Route::Kind::kSandbox, ""};
  }

  asio::awaitable<void> dispatch(std::vector<store::DueRecipient>& due) {
    std::map<std::pair<std::string, std::string>, Job> jobs;
    std::vector<store::RecipientUpdate> captured;
    for (auto& recipient : due) {
      auto route = co_await routeOf(recipient);
      if (!route) {
        auto failed = failWithoutSession({recipient}, "delivery.route",
                                         "unknown route \"" + recipient.route + "\"", false,
                                         context(clock.now(), "", 0, false));
        std::move(failed.begin(), failed.end(), std::back_inserter(captured));
        continue;
      }
      if (recipient.suppression) {
        suppressed(recipient, captured);
        continue;
      }
      if (route->kind == Route::Kind::kSandbox) {
        sandbox(recipient, captured);
        continue;
      }
      const std::string domain = domainOf(recipient.address);
      const std::string destination = destinationOf(*route, domain);
      // With VERP each recipient has its own return path, hence its own transaction.
      const std::string group = return_path.perRecipient()
                                    ? destination + "\n" + std::to_string(recipient.recipient_id)
                                    : destination;
      Job& job = jobs[{recipient.message_id, group}];
      job.message_id = recipient.message_id;
      job.route = *route;
      job.destination = destination;
      job.domain = domain;
      job.recipients.push_back(std::move(recipient));
    }
    co_await record(captured);
    for (auto& [key, job] : jobs) co_await enqueue(job);
    pump();
  }

  // Adds a job to its destination's queue, or puts it back in the store when the destination
  // is backed off or its rate limit would keep it waiting for more than a minute.
  asio::awaitable<void> enqueue(Job& job) {
    if (job.route.kind == Route::Kind::kRelay) co_await relayFor(job.route.relay_name);
    const UnixMillis now = clock.now();
    std::vector<Job> held_back;
    if (delivery_pauses.holds(job.domain)) {
      // Looked at again each minute, so a resume on another node is seen too.
      held_back.push_back(std::move(job));
      postponeInBackground(held_back, now + 60'000,
                           delivery_pauses.reason(held_back.front().domain));
      co_return;
    }
    if (auto until = shaper.backedOffUntil(job.destination, now)) {
      const std::string reason = backoffText(job.destination, *until);
      held_back.push_back(std::move(job));
      postponeInBackground(held_back, *until, reason);
      co_return;
    }
    const ShapingLimits limits = limitsOf(job.route, job.domain);
    if (limits.messages_per_minute > 0) {
      const auto found = queues.find(job.destination);
      const std::size_t waiting = found == queues.end() ? 0 : found->second.jobs.size();
      const UnixMillis slot = shaper.estimatedSlot(job.destination, limits, now, waiting);
      if (slot > now + 60000) {
        const std::string reason =
            (job.route.kind == Route::Kind::kMx ? job.domain : job.destination) +
            " is limited to " + std::to_string(limits.messages_per_minute) +
            " message(s) a minute; this message's turn comes at " + formatRfc3339(slot);
        held_back.push_back(std::move(job));
        postponeInBackground(held_back, slot, reason);
        co_return;
      }
    }
    // A queue exists only while it has jobs or workers (see eraseIfIdle).
    Queue& queue = queues[job.destination];
    queue.route = job.route;
    queue.domain = job.domain;
    queue.jobs.push_back(std::move(job));
  }

  // Forgets a destination's queue once nothing waits in it and no worker uses it; its shaping
  // state (back-off, rate) stays with the shaper.
  void eraseIfIdle(std::map<std::string, Queue>::iterator entry) {
    const Queue& queue = entry->second;
    if (queue.jobs.empty() && queue.workers == 0 && queue.starting == 0) queues.erase(entry);
  }

  // Starts workers where a destination has waiting jobs and room under its limits; destinations
  // without any worker first, so one busy domain cannot take every slot.
  void pump() {
    if (stopping) return;
    const UnixMillis now = clock.now();
    for (const bool idle_first : {true, false}) {
      for (auto entry = queues.begin(); entry != queues.end();) {
        auto current = entry++;
        const std::string& destination = current->first;
        Queue& queue = current->second;
        if (queue.jobs.empty()) continue;
        if (idle_first && (queue.workers > 0 || queue.starting > 0)) continue;
        if (auto until = shaper.backedOffUntil(destination, now)) {
          postponeQueue(destination, queue, *until);
          eraseIfIdle(current);
          continue;
        }
        const ShapingLimits limits = limitsOf(queue.route, queue.domain);
        while (queue.starting < queue.jobs.size() &&
               workers < config.delivery.max_total_connections &&
               shaper.mayConnect(destination, limits, now)) {
          ++workers;
          ++queue.starting;
          shaper.connectionStarted(destination);
          asio::co_spawn(strand, worker(destination),
                         [self = shared_from_this()](const std::exception_ptr& error) {
                           logOnException("a delivery worker", error);
                         });
          if (idle_first) break;
        }
      }
    }
  }

  // Whether another destination waits with no worker at all while every slot is taken: then a
  // worker hands its slot over rather than keep it.
  bool anotherDestinationStarves(const std::string& mine) const {
    if (workers < config.delivery.max_total_connections) return false;
    return std::any_of(queues.begin(), queues.end(), [&mine](const auto& entry) {
      return entry.first != mine && !entry.second.jobs.empty() && entry.second.workers == 0 &&
             entry.second.starting == 0;
    });
  }

  // --- workers ------------------------------------------------------------------------------

  asio::awaitable<void> worker(std::string destination) {
    auto self = shared_from_this();
    std::optional<PooledSession> held;
    {
      Queue& queue = queues[destination];
      --queue.starting;
      ++queue.workers;
    }
    while (!stopping) {
      Queue& queue = queues[destination];
      if (queue.jobs.empty()) break;
      const UnixMillis now = clock.now();
      if (auto until = shaper.backedOffUntil(destination, now)) {
        postponeQueue(destination, queue, *until);
        break;
      }
      if (anotherDestinationStarves(destination)) break;
      Job job = std::move(queue.jobs.front());
      queue.jobs.pop_front();
      // Refill before the workers run dry, rather than at the next poll.
      if (last_claim_full && queuedJobs() < capacity() / 2) {
        last_claim_full = false;
        wake_timer.cancel();
      }
      const ShapingLimits limits = limitsOf(queue.route, queue.domain);
      const UnixMillis slot = shaper.reserveSendSlot(destination, limits, now);
      if (slot > now) {
        asio::steady_timer pause(strand, std::chrono::milliseconds(slot - now));
        pauses.push_back(&pause);
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        std::erase(pauses, &pause);
        // Stopping: the job's lease goes back to the queue when the node releases its leases.
        if (stopping) break;
      }
      co_await refreshSettings();
      if (job.route.kind == Route::Kind::kMx) {
        co_await deliverDirect(job, held);
      } else {
        co_await deliverThroughRelay(job, held);
      }
    }
    Queue& queue = queues[destination];
    if (held) sessions.park(std::move(*held), limitsOf(queue.route, queue.domain).connections);
    --queue.workers;
    --workers;
    shaper.connectionEnded(destination);
    eraseIfIdle(queues.find(destination));
    pump();
  }

  asio::awaitable<Result<std::string>> loadRaw(const std::string& message_id) {
    auto load = [this, &message_id] { return store.loadRaw(message_id); };
    co_return co_await io::runBlocking(blocking, load);
  }

  // --- relays -------------------------------------------------------------------------------

  // Sends a job (and the jobs waiting behind it for the same dead relay) along the relay's
  // fallback route, within the same attempt.
  asio::awaitable<void> reroute(Job& job, const Route& fallback, const std::string& note) {
    std::vector<Job> moving;
    moving.push_back(std::move(job));
    Queue& queue = queues[moving.front().destination];
    while (!queue.jobs.empty()) {
      moving.push_back(std::move(queue.jobs.front()));
      queue.jobs.pop_front();
    }
    for (auto& old : moving) {
      std::map<std::string, Job> regrouped;
      for (auto& recipient : old.recipients) {
        const std::string domain = domainOf(recipient.address);
        const std::string destination = destinationOf(fallback, domain);
        Job& next = regrouped[destination];
        next.message_id = old.message_id;
        next.route = fallback;
        next.destination = destination;
        next.domain = domain;
        next.prelude = old.prelude + note;
        next.fallback_depth = old.fallback_depth + 1;
        next.recipients.push_back(std::move(recipient));
      }
      for (auto& [destination, next] : regrouped) co_await enqueue(next);
    }
    pump();
  }

  asio::awaitable<void> deliverThroughRelay(Job& job, std::optional<PooledSession>& held) {
    const std::string& name = job.route.relay_name;
    const auto* relay = co_await relayFor(name);
    const UnixMillis started_at = clock.now();
    if (relay == nullptr || !relay->has_value()) {
      const std::string text =
          name.empty() ? "the message must go through the relay, but no SMTP relay is configured"
                       : "the route names the relay \"" + name + "\", which is not configured";
      auto updates = failWithoutSession(job.recipients, "delivery.no_relay", text, true,
                                        context(started_at, name, 0, false));
      co_await record(updates);
      co_return;
    }
    // A copy: the cache may be reloaded while this job waits on the store or the network.
    const RelaySettings settings = **relay;
    auto raw = co_await loadRaw(job.message_id);
    if (!raw) {
      auto updates = failWithoutSession(
          job.recipients, raw.error().code, "cannot read the message: " + raw.error().message,
          raw.error().temporary, context(started_at, settings.host, settings.port, false));
      co_await record(updates);
      co_return;
    }
    smtp::ClientOptions options =
        clientOptionsFor(settings, config.hostname, config.delivery.timeouts);
    options.peer_name = relayLabel(name);
    const std::string key =
        sessionKey(options, "relay:" + name + "#" + std::to_string(loaded_generation));
    const auto slow_down = [&](const smtp::Reply& reply) {
      shaper.throttled(job.destination, clock.now(),
                       relayLabel(name) + " asked to slow down (" + std::to_string(reply.code) +
                           " " + reply.text() + ")");
    };
    smtp::SessionError failure;
    auto session = co_await sessions.acquire(options, key, held, failure, workers - 1);
    if (!session) {
      const std::string failed_transcript = job.prelude + failure.transcript + "* " + failure.step +
                                            " failed: " + failure.error.message;
      spdlog::warn("delivery: {} ({}:{}) unavailable at {}: {}", relayLabel(name), settings.host,
                   settings.port, failure.step, failure.error.message);
      auto fallback = parseRoute(settings.fallback);
      if (fallback && job.fallback_depth < 3 && !(*fallback == job.route)) {
        const std::string note = "* " + relayLabel(name) + " (" + settings.host + ":" +
                                 std::to_string(settings.port) + ") failed at " + failure.step +
                                 ": " + failure.error.message + "; falling back to " +
                                 toString(*fallback) + "\n";
        co_await reroute(job, *fallback, note);
        co_return;
      }
      auto updates =
          classifySessionFailure(job.recipients, failure, nullptr, failed_transcript,
                                 context(started_at, settings.host, settings.port, false));
      // A dead relay should cost one connection timeout, not one per queued message.
      Queue& queue = queues[job.destination];
      while (!queue.jobs.empty()) {
        Job waiting = std::move(queue.jobs.front());
        queue.jobs.pop_front();
        auto more =
            classifySessionFailure(waiting.recipients, failure, nullptr, failed_transcript,
                                   context(started_at, settings.host, settings.port, false));
        std::move(more.begin(), more.end(), std::back_inserter(updates));
      }
      if (failure.reply && isThrottleReply(failure.reply->code, failure.reply->text())) {
        slow_down(*failure.reply);
      }
      co_await record(updates);
      co_return;
    }
    std::string transcript = job.prelude;
    const smtp::SessionInfo info = session->session->info();
    const auto outcome =
        co_await sessions.transact(*session, job.recipients, *raw, transcript, held);
    auto updates = classifyTransaction(job.recipients, info, outcome, transcript,
                                       context(started_at, settings.host, settings.port, false));
    if (const smtp::Reply* slow = throttleReply(outcome)) {
      slow_down(*slow);
    } else if (outcome.data_reply && outcome.data_reply->positive()) {
      shaper.delivered(job.destination);
    }
    recordInBackground(updates);
  }

  // --- direct delivery to MX hosts ------------------------------------------------------------

  asio::awaitable<void> deliverDirect(Job& job, std::optional<PooledSession>& held) {
    const UnixMillis started_at = clock.now();
    const int port = config.delivery.mx_port;
    dns::Resolver* dns = dnsResolver();
    if (dns == nullptr) {
      auto updates =
          failWithoutSession(job.recipients, "dns.error", "no DNS resolver: " + resolver_problem,
                             true, context(started_at, job.domain, port, true));
      co_await record(updates);
      co_return;
    }
    auto raw = co_await loadRaw(job.message_id);
    if (!raw) {
      auto updates = failWithoutSession(
          job.recipients, raw.error().code, "cannot read the message: " + raw.error().message,
          raw.error().temporary, context(started_at, job.domain, port, true));
      co_await record(updates);
      co_return;
    }
    DirectJob direct{job.domain, &job.recipients, &*raw, job.prelude,
                     routing.table.tlsPolicyFor(job.domain)};
    DirectDelivery delivery{config, clock, *dns, sessions, random, workers - 1};
    auto outcome = co_await delivery.deliver(direct, held);
    if (outcome.delivered_any) shaper.delivered(job.destination);
    if (!outcome.slow_down.empty()) {
      const UnixMillis until =
          shaper.throttled(job.destination, clock.now(),
                           job.domain + " asked to slow down (" + outcome.slow_down + ")");
      // The tried recipients wait at least as long as the ones never tried.
      for (auto& update : outcome.updates) {
        if (update.next_attempt_at)
          update.next_attempt_at = std::max(*update.next_attempt_at, until);
      }
    }
    recordInBackground(outcome.updates);
  }
};

Scheduler::Scheduler(const asio::any_io_executor& io, asio::any_io_executor blocking,
                     store::Store& store, RelaySettingsRepository& relay_settings,
                     RoutingRepository& routing, ResolverFactory make_resolver,
                     const Config& config, const Clock& clock, ReturnPath return_path)
    : impl_(std::make_shared<Impl>(io, std::move(blocking), store, relay_settings, routing,
                                   std::move(make_resolver), config, clock,
                                   std::move(return_path))) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  asio::post(impl_->strand, [impl = impl_] {
    if (impl->loop_running || impl->stopping) return;
    impl->loop_running = true;
    asio::co_spawn(impl->strand, impl->claimLoop(), [impl](const std::exception_ptr& error) {
      logOnException("the claim loop", error);
    });
  });
}

void Scheduler::wake() {
  if (impl_->wake_pending.exchange(true)) return;
  asio::post(impl_->strand, [impl = impl_] { impl->wake_timer.cancel(); });
}

void Scheduler::settingsChanged() {
  ++impl_->settings_generation;
  wake();
}

void Scheduler::stop() {
  if (impl_->stopping.exchange(true)) return;
  asio::post(impl_->strand, [impl = impl_] {
    impl->wake_timer.cancel();
    for (auto* pause : impl->pauses) pause->cancel();
    impl->sessions.closeIdle();
  });
}

bool Scheduler::stopped() const {
  return impl_->stopping && !impl_->loop_running && impl_->workers == 0 &&
         impl_->pending_records == 0;
}

SchedulerStats Scheduler::stats() const {
  SchedulerStats stats;
  stats.claimed = impl_->claimed;
  stats.transactions = impl_->sessions.transactions();
  stats.sessions_opened = impl_->sessions.opened();
  stats.sessions_reused = impl_->sessions.reused();
  stats.sandboxed = impl_->sandboxed;
  stats.postponed = impl_->postponed;
  return stats;
}

}  // namespace outpost::delivery
