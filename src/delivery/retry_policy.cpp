#include "delivery/retry_policy.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>

namespace outpost::delivery {

std::optional<UnixMillis> nextAttemptAt(const DeliveryConfig& config, int failed_attempts,
                                        UnixMillis created_at, UnixMillis now) {
  using std::chrono::milliseconds;
  if (config.retry_schedule.empty()) return std::nullopt;
  const std::size_t step = std::min<std::size_t>(
      static_cast<std::size_t>(std::max(failed_attempts, 1)) - 1, config.retry_schedule.size() - 1);
  const UnixMillis wait =
      std::chrono::duration_cast<milliseconds>(config.retry_schedule[step]).count();
  // Up to 10% jitter, so a burst deferred together does not come back as one burst.
  const UnixMillis jitter = wait >= 10 ? randombytes_uniform(static_cast<uint32_t>(
                                             std::min<UnixMillis>(wait / 10, 0xffffffffLL)))
                                       : 0;
  const UnixMillis next = now + wait + jitter;
  const UnixMillis deadline =
      created_at + std::chrono::duration_cast<milliseconds>(config.max_lifetime).count();
  if (next > deadline) return std::nullopt;
  return next;
}

}  // namespace outpost::delivery
