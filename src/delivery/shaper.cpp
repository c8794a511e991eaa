// Rate limits are a spacing between sends (60 s / messages_per_minute) rather than a bucket that
// refills each minute: the flow stays smooth, and a burst never trips the receiver's own limits.
#include "delivery/shaper.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>

#include "core/text.h"

namespace outpost::delivery {
namespace {

UnixMillis spacing(const ShapingLimits& limits) {
  return limits.messages_per_minute == 0
             ? 0
             : static_cast<UnixMillis>(60000 / limits.messages_per_minute);
}

UnixMillis millis(std::chrono::seconds duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

}  // namespace

bool isThrottleReply(int code, std::string_view text) {
  if (code == 421) return true;
  if (code < 400 || code >= 500) return false;
  static constexpr std::array<std::string_view, 10> kPhrases = {
      "too many connections", "too many concurrent", "connection limit", "connection rate",
      "rate limit",           "ratelimit",           "throttl",          "try again later",
      "temporarily deferred", "too many messages"};
  const std::string lowered = lowercase(text);
  return std::any_of(kPhrases.begin(), kPhrases.end(), [&lowered](std::string_view phrase) {
    return lowered.find(phrase) != std::string::npos;
  });
}

const Shaper::State* Shaper::find(const std::string& destination) const {
  const auto found = states_.find(destination);
  return found == states_.end() ? nullptr : &found->second;
}

bool Shaper::mayConnect(const std::string& destination, const ShapingLimits& limits,
                        UnixMillis now) const {
  const State* state = find(destination);
  if (state == nullptr) return limits.connections > 0;
  if (now < state->backoff_until) return false;
  const std::size_t allowed = state->probing ? 1 : limits.connections;
  return state->connections < allowed;
}

void Shaper::connectionStarted(const std::string& destination) {
  ++states_[destination].connections;
}

void Shaper::connectionEnded(const std::string& destination) {
  auto found = states_.find(destination);
  if (found == states_.end()) return;
  if (found->second.connections > 0) --found->second.connections;
}

std::size_t Shaper::connections(const std::string& destination) const {
  const State* state = find(destination);
  return state == nullptr ? 0 : state->connections;
}

UnixMillis Shaper::reserveSendSlot(const std::string& destination, const ShapingLimits& limits,
                                   UnixMillis now) {
  const UnixMillis step = spacing(limits);
  if (step == 0) return now;
  State& state = states_[destination];
  const UnixMillis slot = std::max(now, state.next_slot);
  state.next_slot = slot + step;
  return slot;
}

UnixMillis Shaper::estimatedSlot(const std::string& destination, const ShapingLimits& limits,
                                 UnixMillis now, std::size_t waiting) const {
  const UnixMillis step = spacing(limits);
  const State* state = find(destination);
  UnixMillis start = now;
  if (state != nullptr) start = std::max({now, state->next_slot, state->backoff_until});
  return start + step * static_cast<UnixMillis>(waiting);
}

UnixMillis Shaper::throttled(const std::string& destination, UnixMillis now, std::string reason) {
  State& state = states_[destination];
  // Several connections may report the same overload at once: one back-off, not a doubling each.
  if (now < state.backoff_until) return state.backoff_until;
  UnixMillis wait = millis(config_.backoff_initial);
  for (int level = 0; level < state.backoff_level && wait < millis(config_.backoff_max); ++level) {
    wait *= 2;
  }
  wait = std::min(wait, millis(config_.backoff_max));
  ++state.backoff_level;
  state.backoff_until = now + wait;
  state.probing = true;
  state.backoff_reason = std::move(reason);
  return state.backoff_until;
}

void Shaper::delivered(const std::string& destination) {
  auto found = states_.find(destination);
  if (found == states_.end()) return;
  found->second.backoff_level = 0;
  found->second.probing = false;
}

void Shaper::clearBackoffs(std::string_view prefix) {
  for (auto& [destination, state] : states_) {
    if (!destination.starts_with(prefix)) continue;
    state.backoff_until = 0;
    state.backoff_level = 0;
    state.probing = false;
    state.backoff_reason.clear();
  }
}

std::optional<UnixMillis> Shaper::backedOffUntil(const std::string& destination,
                                                 UnixMillis now) const {
  const State* state = find(destination);
  if (state == nullptr || now >= state->backoff_until) return std::nullopt;
  return state->backoff_until;
}

std::string Shaper::backoffReason(const std::string& destination) const {
  const State* state = find(destination);
  return state == nullptr ? std::string() : state->backoff_reason;
}

}  // namespace outpost::delivery
