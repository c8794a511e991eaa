// Time as outpost stores and compares it: milliseconds since the Unix epoch, UTC.
// A Clock interface lets tests move time (retry schedules, leases) without sleeping.
#pragma once

#include <cstdint>
#include <string>

namespace outpost {

using UnixMillis = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixMillis now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixMillis now() const override;
};

// "2026-11-29T08:30:41.123Z"
std::string formatRfc3339(UnixMillis at);
// Accepts "2026-11-29T08:30:41Z", with optional fraction and a Z or ±hh:mm offset; or
// plain Unix seconds. Returns false on anything else.
bool parseRfc3339(const std::string& text, UnixMillis& out);
// "Sun, 29 Nov 2026 08:30:41 +0000", the RFC 5322 Date header form.
std::string formatRfc5322Date(UnixMillis at);

}  // namespace outpost
