// Sessions for the delivery workers: the one a worker holds when it fits the destination, else
// an idle one from the pool (session_pool.h), else a new connection; and one transaction on it.
// Bound to the scheduler's strand; not thread-safe (the counters may be read from anywhere).
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "delivery/return_path.h"
#include "delivery/session_pool.h"
#include "smtp/client.h"
#include "store/store.h"

namespace outpost::delivery {

class Sessions {
 public:
  Sessions(boost::asio::any_io_executor strand, const DeliveryConfig& config,
           const ReturnPath& return_path);

  // A session for `options` (whose sessionKey is `key`): `held` when it fits and may carry
  // another message (else `held` is parked or closed), else a parked one, else a new
  // connection. `open_elsewhere` counts sessions in use by other workers: with the parked ones
  // they stay within max_total_connections. nullopt, with `failure`, when no session could be set
  // up.
  boost::asio::awaitable<std::optional<PooledSession>> acquire(const smtp::ClientOptions& options,
                                                               const std::string& key,
                                                               std::optional<PooledSession>& held,
                                                               smtp::SessionError& failure,
                                                               std::size_t open_elsewhere);

  // One transaction for `recipients` (one message); `transcript` gets the session's setup first
  // (a reader needs it even when the session carried earlier messages), then the dialogue. The
  // session ends in `held` when it can carry another message (after RSET), else it is closed.
  boost::asio::awaitable<smtp::TransactionOutcome> transact(
      PooledSession& session, const std::vector<store::DueRecipient>& recipients,
      const std::string& raw, std::string& transcript, std::optional<PooledSession>& held);

  // Parks a worker's session when it ends (at most `max_idle` per key).
  void park(PooledSession session, std::size_t max_idle) {
    pool_.put(std::move(session), max_idle);
  }
  void closeIdle() { pool_.closeAll(); }

  std::uint64_t opened() const { return opened_; }
  std::uint64_t reused() const { return reused_; }
  std::uint64_t transactions() const { return transactions_; }

 private:
  boost::asio::any_io_executor strand_;
  const DeliveryConfig& config_;
  const ReturnPath& return_path_;
  SessionPool pool_;
  std::atomic<std::uint64_t> opened_{0}, reused_{0}, transactions_{0};
};

// The reply of a transaction that says "slow down" (shaper.h isThrottleReply), if any.
const smtp::Reply* throttleReply(const smtp::TransactionOutcome& outcome);

}  // namespace outpost::delivery
