// Failed SMTP AUTH attempts per client address (design.md: 5 failures per 10 minutes per IP,
// then 454 4.7.0 and a slow-down), so that a password cannot be guessed through the
// submission port. Thread-safe: sessions on every I/O thread share one limiter.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "core/clock.h"

namespace outpost::inbound {

class AuthLimiter {
 public:
  AuthLimiter(std::size_t max_failures, std::chrono::seconds window, const Clock& clock);

  // Milliseconds until `address` may try again; 0 when it may try now.
  UnixMillis blockedFor(const std::string& address);
  void recordFailure(const std::string& address);

 private:
  // Drops failures older than the window; the caller holds the lock.
  void expire(std::deque<UnixMillis>& failures, UnixMillis now) const;

  std::size_t max_failures_;
  UnixMillis window_ms_;
  const Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, std::deque<UnixMillis>> failures_;  // address → failure times, oldest first
};

}  // namespace outpost::inbound
