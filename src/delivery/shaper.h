// Shaping per destination (an MX domain, or a relay): at most N connections at once, at most M
// messages a minute, and a back-off when the destination says it is overloaded (421, "too many
// connections") that holds back that destination only. Plain state on the scheduler's strand;
// times come from the caller, so the rules are testable without waiting.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/config.h"

namespace outpost::delivery {

struct ShapingLimits {
  std::size_t connections = 10;
  std::size_t messages_per_minute = 0;  // 0 = no limit
};

// Whether a reply says "slow down" rather than "this message is wrong": 421 (RFC 5321 §3.8) or a
// 4xx whose text speaks of too many connections, rate limits or throttling (what large mailbox
// providers answer).
bool isThrottleReply(int code, std::string_view text);

class Shaper {
 public:
  explicit Shaper(const DeliveryConfig& config) : config_(config) {}

  // Whether another connection to `destination` may start now. After a back-off only one at a
  // time, until a message gets through.
  bool mayConnect(const std::string& destination, const ShapingLimits& limits,
                  UnixMillis now) const;
  void connectionStarted(const std::string& destination);
  void connectionEnded(const std::string& destination);
  std::size_t connections(const std::string& destination) const;

  // Reserves the next send slot under the rate limit: the time the message may go (now, when
  // there is no limit or room in this minute).
  UnixMillis reserveSendSlot(const std::string& destination, const ShapingLimits& limits,
                             UnixMillis now);
  // When a message queued behind `waiting` others could go, without reserving anything.
  UnixMillis estimatedSlot(const std::string& destination, const ShapingLimits& limits,
                           UnixMillis now, std::size_t waiting) const;

  // The destination asked us to slow down: no new connection before the back-off ends
  // (backoff_initial, doubled on each repeat up to backoff_max). Returns its end.
  UnixMillis throttled(const std::string& destination, UnixMillis now, std::string reason);
  // A message went through: the back-off level and the one-connection rule are cleared.
  void delivered(const std::string& destination);
  // Ends the back-offs of every destination whose name starts with `prefix` ("relay:" when the
  // relay settings change: a new relay has not asked us for anything).
  void clearBackoffs(std::string_view prefix);
  // The end of the back-off in force, if any.
  std::optional<UnixMillis> backedOffUntil(const std::string& destination, UnixMillis now) const;
  // Why, in words: "example.org asked to slow down (421 4.7.0 Try again later)".
  std::string backoffReason(const std::string& destination) const;

 private:
  struct State {
    std::size_t connections = 0;
    UnixMillis next_slot = 0;  // rate limit: the earliest time of the next send
    UnixMillis backoff_until = 0;
    int backoff_level = 0;  // repeats since the last success
    bool probing = false;   // after a back-off: one connection until a success
    std::string backoff_reason;
  };
  const State* find(const std::string& destination) const;

  const DeliveryConfig& config_;
  std::map<std::string, State> states_;
};

}  // namespace outpost::delivery
