// The scheduler runs on one strand: the ready queue, the workers and the session bookkeeping
// need no locks. Store calls go to the blocking pool; SMTP I/O stays on the strand.
#include "delivery/scheduler.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <map>

#include "delivery/outcome.h"
#include "io/blocking.h"
#include "smtp/client.h"

namespace outpost::delivery {
namespace asio = boost::asio;

namespace {

// The recipients of one message due on one route: one SMTP transaction.
struct Job {
  std::string message_id;
  std::string route;
  std::vector<store::DueRecipient> recipients;
};

bool isSandbox(const Job& job, bool relay_configured) {
  return job.route == "sandbox" || (job.route.empty() && !relay_configured);
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
       store::Store& store_ref, RelaySettingsRepository& relay, const Config& config_ref,
       const Clock& clock_ref)
      : strand(asio::make_strand(io)),
        blocking(std::move(blocking_pool)),
        store(store_ref),
        relay_settings(relay),
        config(config_ref),
        clock(clock_ref),
        wake_timer(strand) {}

  void wakeIdleWorkers() {
    for (auto* timer : idle_workers) timer->cancel();
  }

  asio::strand<asio::any_io_executor> strand;
  asio::any_io_executor blocking;
  store::Store& store;
  RelaySettingsRepository& relay_settings;
  const Config& config;
  const Clock& clock;

  asio::steady_timer wake_timer;                  // the claim loop sleeps on it; wake() cancels it
  std::vector<asio::steady_timer*> idle_workers;  // each idle worker sleeps on its own timer
  std::deque<Job> ready;
  // Changed on the strand only; atomic because stopped() reads them from any thread.
  std::atomic<std::size_t> workers{0};
  std::atomic<std::size_t> pending_records{0};  // outcome commits running in the background
  std::atomic<bool> loop_running{false};
  bool last_claim_full = false;  // more is due than the last claim took
  std::atomic<bool> stopping{false};
  std::atomic<bool> wake_pending{false};
  std::atomic<std::uint64_t> settings_generation{1};

  std::optional<RelaySettings> relay;  // cached; reloaded when the generation moves
  std::uint64_t relay_generation = 0;

  std::atomic<std::uint64_t> claimed{0}, transactions{0}, sessions_opened{0}, sandboxed{0};

  AttemptContext context(UnixMillis started_at) const {
    AttemptContext result;
    result.node = config.node_name;
    result.started_at = started_at;
    result.now = clock.now();
    result.config = &config.delivery;
    if (relay) {
      result.server_name = relay->host;
      result.port = relay->port;
    }
    return result;
  }

  // Coroutine parameters are references and blocking calls are named lambdas throughout: GCC 12
  // destroys some temporaries and by-value parameters of co_await expressions twice.
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

  // Records a worker's outcomes without making it wait for the commit: the next transaction
  // overlaps the fsync. The leases stay ours until the commit lands, so nothing is claimed twice.
  asio::awaitable<void> recordOwned(std::shared_ptr<std::vector<store::RecipientUpdate>> updates) {
    co_await record(*updates);
  }

  void recordInBackground(std::vector<store::RecipientUpdate>& updates) {
    auto owned = std::make_shared<std::vector<store::RecipientUpdate>>(std::move(updates));
    ++pending_records;
    asio::co_spawn(strand, recordOwned(owned),
                   [self = shared_from_this()](const std::exception_ptr& error) {
                     --self->pending_records;
                     logOnException("recording outcomes", error);
                   });
  }

  asio::awaitable<void> refreshRelay() {
    const std::uint64_t generation = settings_generation.load();
    if (generation == relay_generation) co_return;
    auto call = [this] { return relay_settings.load(); };
    auto loaded = co_await io::runBlocking(blocking, call);
    if (!loaded) {
      spdlog::error("delivery: cannot read the relay settings: {}", loaded.error().message);
      co_return;
    }
    relay = std::move(*loaded);
    relay_generation = generation;
  }

  // Captures the job: processed and delivered, with an attempt saying where it went.
  std::vector<store::RecipientUpdate> sandbox(const Job& job) {
    std::vector<store::RecipientUpdate> updates;
    const UnixMillis now = clock.now();
    for (const auto& recipient : job.recipients) {
      store::RecipientUpdate update;
      update.lease_owner = config.node_name;
      update.processing = store::ProcessingStatus::kProcessed;
      update.delivery = store::DeliveryStatus::kDelivered;
      auto& attempt = update.attempt;
      attempt.recipient_id = recipient.recipient_id;
      attempt.recipient = recipient.address;
      attempt.at = now;
      attempt.node = config.node_name;
      attempt.server = "sandbox";
      attempt.code = 250;
      attempt.enhanced_code = "2.0.0";
      attempt.text = "captured by the sandbox; not sent to any server";
      attempt.description =
          "The sandbox route keeps the message inside outpost: nothing leaves the machine.";
      attempt.hint =
          "Save an SMTP relay (PUT /api/v1/settings/smtp) to deliver mail for real; the default "
          "route then becomes the relay.";
      updates.push_back(std::move(update));
    }
    sandboxed += job.recipients.size();
    return updates;
  }

  asio::awaitable<void> claimLoop() {
    auto self = shared_from_this();
    while (!stopping) {
      wake_pending = false;
      bool more = false;
      // Claim only what the sessions can start soon, so leases do not age in the queue.
      const std::size_t capacity = config.delivery.max_connections * 16;
      if (ready.size() < capacity) {
        co_await refreshRelay();
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
      if (more && ready.size() < capacity) continue;
      if (wake_pending.exchange(false)) continue;
      wake_timer.expires_after(config.delivery.poll_interval);
      co_await wake_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    loop_running = false;
  }

  asio::awaitable<void> dispatch(std::vector<store::DueRecipient>& due) {
    std::map<std::string, Job> jobs;
    for (auto& recipient : due) {
      Job& job = jobs[recipient.message_id];
      job.message_id = recipient.message_id;
      job.route = recipient.route;
      job.recipients.push_back(std::move(recipient));
    }
    std::vector<store::RecipientUpdate> captured;
    for (auto& [id, job] : jobs) {
      if (isSandbox(job, relay.has_value())) {
        auto updates = sandbox(job);
        std::move(updates.begin(), updates.end(), std::back_inserter(captured));
      } else if (job.route.empty() || job.route == "relay") {
        ready.push_back(std::move(job));
      } else {
        auto failed =
            failWithoutSession(job.recipients, "delivery.route",
                               "unknown route \"" + job.route + "\"", false, context(clock.now()));
        std::move(failed.begin(), failed.end(), std::back_inserter(captured));
      }
    }
    co_await record(captured);
    while (workers < config.delivery.max_connections && workers < ready.size()) {
      ++workers;
      asio::co_spawn(strand, worker(),
                     [self = shared_from_this()](const std::exception_ptr& error) {
                       logOnException("a delivery worker", error);
                     });
    }
    wakeIdleWorkers();
  }

  // Defers every job waiting for the relay with the error that just closed it to us: a dead
  // relay should cost one connection timeout, not one per queued message.
  std::vector<store::RecipientUpdate> deferWaiting(const smtp::SessionError& failure,
                                                   const std::string& transcript,
                                                   UnixMillis started_at) {
    std::vector<store::RecipientUpdate> updates;
    while (!ready.empty()) {
      Job job = std::move(ready.front());
      ready.pop_front();
      auto more =
          classifySessionFailure(job.recipients, failure, nullptr, transcript, context(started_at));
      std::move(more.begin(), more.end(), std::back_inserter(updates));
    }
    return updates;
  }

  asio::awaitable<void> worker() {
    auto self = shared_from_this();
    std::unique_ptr<smtp::ClientSession> session;
    std::uint64_t session_generation = 0;
    std::size_t messages_on_session = 0;
    // Every attempt's transcript starts with how its session was set up (EHLO, STARTTLS,
    // AUTH), even when the session carried earlier messages: a reader needs that context.
    std::string session_setup;
    for (;;) {
      if (ready.empty()) {
        if (stopping) break;
        asio::steady_timer idle(strand);
        idle.expires_after(config.delivery.idle_connection_timeout);
        idle_workers.push_back(&idle);
        const auto [woken] = co_await idle.async_wait(asio::as_tuple(asio::use_awaitable));
        std::erase(idle_workers, &idle);
        if (ready.empty()) {
          // Idle for the whole timeout: close the session and end. Woken while another worker
          // took the job: keep a warm session, end without one.
          if (stopping || !woken || session == nullptr) break;
          continue;
        }
      }
      Job job = std::move(ready.front());
      ready.pop_front();
      // Refill before the workers run dry, rather than at the next poll.
      if (last_claim_full && ready.size() < config.delivery.max_connections * 4) {
        last_claim_full = false;
        wake_timer.cancel();
      }
      co_await refreshRelay();
      const UnixMillis started_at = clock.now();
      if (!relay) {
        auto updates = failWithoutSession(
            job.recipients, "delivery.no_relay",
            "the message must go through the relay, but no SMTP relay is configured", true,
            context(started_at));
        co_await record(updates);
        continue;
      }
      if (session && (session_generation != relay_generation || !session->usable() ||
                      messages_on_session >= config.delivery.max_messages_per_connection)) {
        co_await session->quit();
        session.reset();
      }
      std::string transcript;
      if (!session) {
        smtp::SessionError failure;
        const smtp::ClientOptions options =
            clientOptionsFor(*relay, config.hostname, config.delivery.timeouts);
        asio::any_io_executor executor = strand;
        auto opened = co_await smtp::ClientSession::open(executor, options, &failure);
        if (!opened) {
          if (failure.step.empty()) {
            failure.step = "connect";
            failure.error = opened.error();
          }
          // The dialogue up to the failure (e.g. the AUTH reply) when there was one.
          const std::string failed_transcript =
              failure.transcript + "* " + failure.step + " failed: " + failure.error.message;
          auto updates = classifySessionFailure(job.recipients, failure, nullptr, failed_transcript,
                                                context(started_at));
          auto waiting = deferWaiting(failure, failed_transcript, started_at);
          std::move(waiting.begin(), waiting.end(), std::back_inserter(updates));
          spdlog::warn("delivery: relay {}:{} unavailable at {}: {}", relay->host, relay->port,
                       failure.step, failure.error.message);
          co_await record(updates);
          continue;
        }
        session = std::move(*opened);
        session_generation = relay_generation;
        messages_on_session = 0;
        session_setup = session->takeTranscript();
        ++sessions_opened;
      }
      transcript = session_setup;
      if (messages_on_session > 0) {
        transcript += "* session reused: message " + std::to_string(messages_on_session + 1) +
                      " on this connection (RSET after the previous one)\n";
      }
      const std::string& message_id = job.message_id;
      auto load = [this, &message_id] { return store.loadRaw(message_id); };
      auto raw = co_await io::runBlocking(blocking, load);
      if (!raw) {
        auto updates = failWithoutSession(job.recipients, raw.error().code,
                                          "cannot read the message: " + raw.error().message,
                                          raw.error().temporary, context(started_at));
        co_await record(updates);
        continue;
      }
      smtp::Envelope envelope;
      envelope.mail_from = job.recipients.front().mail_from;
      envelope.smtputf8 = job.recipients.front().needs_smtputf8;
      envelope.eight_bit = job.recipients.front().eight_bit;
      envelope.size_hint = raw->size();
      for (const auto& recipient : job.recipients) envelope.recipients.push_back(recipient.address);
      const auto outcome = co_await session->send(envelope, *raw);
      ++messages_on_session;
      ++transactions;
      transcript += session->takeTranscript();
      auto updates = classifyTransaction(job.recipients, session->info(), outcome, transcript,
                                         context(started_at));
      recordInBackground(updates);
      bool keep = !outcome.session_error && session->usable();
      if (keep) {
        keep = (co_await session->reset()).ok();
        session->takeTranscript();  // the RSET belongs to no message
      }
      if (!keep) session.reset();
    }
    if (session) co_await session->quit();
    --workers;
  }
};

Scheduler::Scheduler(const asio::any_io_executor& io, asio::any_io_executor blocking,
                     store::Store& store, RelaySettingsRepository& relay_settings,
                     const Config& config, const Clock& clock)
    : impl_(std::make_shared<Impl>(io, std::move(blocking), store, relay_settings, config, clock)) {
}

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
    impl->wakeIdleWorkers();
  });
}

bool Scheduler::stopped() const {
  return impl_->stopping && !impl_->loop_running && impl_->workers == 0 &&
         impl_->pending_records == 0;
}

SchedulerStats Scheduler::stats() const {
  return {impl_->claimed, impl_->transactions, impl_->sessions_opened, impl_->sandboxed};
}

}  // namespace outpost::delivery
