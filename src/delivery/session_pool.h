// Idle SMTP sessions kept open for reuse, keyed by destination (host, IP, port, TLS mode,
// credentials, EHLO name): a worker that finishes its queue leaves its session here, and the
// next worker for the same destination — possibly for another domain with the same MX hosts —
// takes it instead of connecting again. Idle sessions close (QUIT) after the idle timeout.
// Not thread-safe: used on the scheduler's strand only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "smtp/client.h"

namespace outpost::delivery {

struct PooledSession {
  std::unique_ptr<smtp::ClientSession> session;
  std::string key;
  std::string setup_transcript;  // how the session was set up (EHLO, STARTTLS, AUTH)
  std::size_t messages = 0;      // transactions it has carried
};

class SessionPool {
 public:
  SessionPool(boost::asio::any_io_executor strand, std::chrono::seconds idle_timeout);
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  // The most recently parked session for `key`, if one is still usable.
  std::optional<PooledSession> take(const std::string& key);
  // Parks a session (ignored when it is unusable); at most `max_idle_per_key` per key, the
  // oldest is closed beyond that.
  void put(PooledSession session, std::size_t max_idle_per_key);
  // Closes the oldest idle session; false when there is none.
  bool closeOldest();
  // Closes every idle session (the settings changed, or shutdown).
  void closeAll();
  std::size_t size() const;
  std::uint64_t reused() const { return reused_; }

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
  std::uint64_t reused_ = 0;
};

// "mx|mx1.example.org|192.0.2.1|25|opportunistic|helo.example|" — two sessions with equal keys
// can carry each other's messages.
std::string sessionKey(const smtp::ClientOptions& options, std::string_view policy);

}  // namespace outpost::delivery
