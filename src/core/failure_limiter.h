// Failed login attempts per key (a client address, an account), so that a password cannot be
// guessed: SMTP AUTH allows 5 failures per 10 minutes per IP, then 454 4.7.0 and a slow-down;
// the console 5 per 15 minutes per account and per IP, then 429 (design.md). Thread-safe:
// sessions on every I/O thread share one limiter.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "core/clock.h"

namespace outpost {

class FailureLimiter {
 public:
  FailureLimiter(std::size_t max_failures, std::chrono::seconds window, const Clock& clock);

  // Milliseconds until `key` may try again; 0 when it may try now.
  UnixMillis blockedFor(const std::string& key);
  void recordFailure(const std::string& key);

 private:
  // Drops failures older than the window; the caller holds the lock.
  void expire(std::deque<UnixMillis>& failures, UnixMillis now) const;

  std::size_t max_failures_;
  UnixMillis window_ms_;
  const Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, std::deque<UnixMillis>> failures_;  // key → failure times, oldest first
};

}  // namespace outpost
