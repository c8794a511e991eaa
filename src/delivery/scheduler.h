// The delivery scheduler: claims due recipients with leases, groups them per message, and
// hands them to the route — the sandbox (captured, never sent) or the relay, through a
// bounded set of SMTP sessions that each carry many messages (RSET between).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <memory>

#include "core/clock.h"
#include "core/config.h"
#include "delivery/relay_settings.h"
#include "store/store.h"

namespace outpost::delivery {

struct SchedulerStats {
  std::uint64_t claimed = 0;
  std::uint64_t transactions = 0;
  std::uint64_t sessions_opened = 0;
  std::uint64_t sandboxed = 0;
};

class Scheduler {
 public:
  // `io` runs the SMTP sessions; `blocking` runs store calls.
  Scheduler(const boost::asio::any_io_executor& io, boost::asio::any_io_executor blocking,
            store::Store& store, RelaySettingsRepository& relay_settings, const Config& config,
            const Clock& clock);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  // Thread-safe: there is new work (an intake, a retry). Cheap; calls coalesce.
  void wake();
  // Thread-safe: the relay settings changed; open sessions close and new ones use them.
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
