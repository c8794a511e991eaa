// The delivery scheduler: claims due recipients with leases, routes each one (routing.h) to the
// sandbox, a relay or the recipient's MX hosts, queues them per destination (a relay, or an MX
// domain) and delivers each queue through its own bounded set of SMTP sessions, shaped per
// destination (shaper.h), reusing idle sessions (session_pool.h).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <memory>

#include "core/clock.h"
#include "core/config.h"
#include "delivery/relay_settings.h"
#include "delivery/return_path.h"
#include "delivery/routing.h"
#include "dns/resolver.h"
#include "store/store.h"

namespace outpost::delivery {

struct SchedulerStats {
  std::uint64_t claimed = 0;
  std::uint64_t transactions = 0;
  std::uint64_t sessions_opened = 0;
  std::uint64_t sessions_reused = 0;  // taken from the idle pool instead of connecting
  std::uint64_t sandboxed = 0;
  std::uint64_t postponed = 0;  // put back without an attempt by shaping
};

// Makes the resolver MX delivery uses, bound to the scheduler's strand (resolvers are not
// thread-safe); the scheduler adds a cache in front of it.
using ResolverFactory = std::function<Result<std::unique_ptr<dns::Resolver>>(
    const boost::asio::any_io_executor& strand)>;

class Scheduler {
 public:
  // `io` runs the SMTP sessions; `blocking` runs store calls.
  Scheduler(const boost::asio::any_io_executor& io, boost::asio::any_io_executor blocking,
            store::Store& store, RelaySettingsRepository& relay_settings,
            RoutingRepository& routing, ResolverFactory make_resolver, const Config& config,
            const Clock& clock, ReturnPath return_path = ReturnPath());
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  // Thread-safe: there is new work (an intake, a retry). Cheap; calls coalesce.
  void wake();
  // Thread-safe: relays or routes changed; idle sessions close and new ones use them.
  void settingsChanged();
  // Stops claiming and closes idle sessions; transactions in flight finish. Thread-safe.
  void stop();
  // True once stop() was called and every worker has ended.
  bool stopped() const;
  SchedulerStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace outpost::delivery
