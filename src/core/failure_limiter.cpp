#include "core/failure_limiter.h"

namespace outpost {

FailureLimiter::FailureLimiter(std::size_t max_failures, std::chrono::seconds window,
                               const Clock& clock)
    : max_failures_(max_failures),
      window_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(window).count()),
      clock_(clock) {}

void FailureLimiter::expire(std::deque<UnixMillis>& failures, UnixMillis now) const {
  while (!failures.empty() && failures.front() <= now - window_ms_) failures.pop_front();
}

UnixMillis FailureLimiter::blockedFor(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto found = failures_.find(key);
  if (found == failures_.end()) return 0;
  const UnixMillis now = clock_.now();
  expire(found->second, now);
  if (found->second.size() < max_failures_) {
    if (found->second.empty()) failures_.erase(found);
    return 0;
  }
  // Free again once enough of the failures in the window have aged out of it.
  const UnixMillis freed_at = found->second[found->second.size() - max_failures_] + window_ms_;
  return freed_at - now;
}

void FailureLimiter::recordFailure(const std::string& key) {
  std::lock_guard lock(mutex_);
  const UnixMillis now = clock_.now();
  auto& failures = failures_[key];
  expire(failures, now);
  failures.push_back(now);
  // A client hammering away cannot grow the list without bound.
  while (failures.size() > max_failures_ * 2) failures.pop_front();
  // The map itself is kept small: addresses with nothing left in the window go.
  if (failures_.size() > 10000) {
    for (auto it = failures_.begin(); it != failures_.end();) {
      expire(it->second, now);
      it = it->second.empty() ? failures_.erase(it) : std::next(it);
    }
  }
}

}  // namespace outpost
