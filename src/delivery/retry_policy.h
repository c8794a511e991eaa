// When to try a deferred recipient again: the configured backoff schedule (its last step
// repeats), bounded by the message's lifetime (default 5 days, then failure).
#pragma once

#include <optional>

#include "core/clock.h"
#include "core/config.h"

namespace outpost::delivery {

// `failed_attempts` counts the attempt that just failed (1 after the first failure).
// nullopt when the next attempt would fall after the lifetime: the recipient fails for good.
std::optional<UnixMillis> nextAttemptAt(const DeliveryConfig& config, int failed_attempts,
                                        UnixMillis created_at, UnixMillis now);

}  // namespace outpost::delivery
