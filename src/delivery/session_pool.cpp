// Each parked session has its own idle timer; taking the session cancels it. Closing runs QUIT
// in a detached coroutine that owns the session, so the pool never waits on a peer.
#include "delivery/session_pool.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace outpost::delivery {
namespace asio = boost::asio;

struct SessionPool::Shared : std::enable_shared_from_this<SessionPool::Shared> {
  struct Idle {
    PooledSession pooled;
    std::shared_ptr<asio::steady_timer> timer;
  };

  Shared(asio::any_io_executor executor, std::chrono::seconds timeout)
      : strand(std::move(executor)), idle_timeout(timeout) {}

  static asio::awaitable<void> quitOwned(std::shared_ptr<smtp::ClientSession> session) {
    co_await session->quit();
  }

  void close(PooledSession& pooled) {
    if (pooled.session == nullptr) return;
    std::shared_ptr<smtp::ClientSession> owned(std::move(pooled.session));
    asio::co_spawn(strand, quitOwned(owned), asio::detached);
  }

  void erase(std::list<Idle>::iterator entry) {
    if (entry->timer) entry->timer->cancel();
    close(entry->pooled);
    sessions.erase(entry);
  }

  asio::awaitable<void> expire(std::shared_ptr<asio::steady_timer> timer) {
    auto self = shared_from_this();
    const auto [error] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    if (error) co_return;  // taken, or closed by other means
    for (auto entry = sessions.begin(); entry != sessions.end(); ++entry) {
      if (entry->timer == timer) {
        entry->timer.reset();
        erase(entry);
        break;
      }
    }
  }

  asio::any_io_executor strand;
  std::chrono::seconds idle_timeout;
  std::list<Idle> sessions;  // oldest first
};

SessionPool::SessionPool(asio::any_io_executor strand, std::chrono::seconds idle_timeout)
    : shared_(std::make_shared<Shared>(std::move(strand), idle_timeout)) {}

SessionPool::~SessionPool() { closeAll(); }

std::optional<PooledSession> SessionPool::take(const std::string& key) {
  auto& sessions = shared_->sessions;
  for (auto entry = sessions.rbegin(); entry != sessions.rend(); ++entry) {
    if (entry->pooled.key != key) continue;
    auto position = std::next(entry).base();
    if (position->timer) position->timer->cancel();
    PooledSession pooled = std::move(position->pooled);
    sessions.erase(position);
    if (pooled.session == nullptr || !pooled.session->usable()) {
      shared_->close(pooled);
      return take(key);
    }
    ++reused_;
    return pooled;
  }
  return std::nullopt;
}

void SessionPool::put(PooledSession session, std::size_t max_idle_per_key) {
  if (session.session == nullptr || !session.session->usable()) {
    shared_->close(session);
    return;
  }
  auto& sessions = shared_->sessions;
  std::size_t same = 0;
  for (const auto& entry : sessions) same += entry.pooled.key == session.key ? 1 : 0;
  while (same >= max_idle_per_key && same > 0) {
    for (auto entry = sessions.begin(); entry != sessions.end(); ++entry) {
      if (entry->pooled.key == session.key) {
        shared_->erase(entry);
        break;
      }
    }
    --same;
  }
  if (max_idle_per_key == 0) {
    shared_->close(session);
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(shared_->strand, shared_->idle_timeout);
  sessions.push_back(Shared::Idle{std::move(session), timer});
  asio::co_spawn(shared_->strand, shared_->expire(timer), asio::detached);
}

bool SessionPool::closeOldest() {
  if (shared_->sessions.empty()) return false;
  shared_->erase(shared_->sessions.begin());
  return true;
}

void SessionPool::closeAll() {
  while (closeOldest()) {
  }
}

std::size_t SessionPool::size() const { return shared_->sessions.size(); }

std::string sessionKey(const smtp::ClientOptions& options, std::string_view policy) {
  std::string key(policy);
  for (const std::string* part :
       {&options.host, &options.connect_address, &options.helo_name, &options.source_address}) {
    key += '|';
    key += *part;
  }
  key += '|' + std::to_string(options.port) + '|' + std::to_string(static_cast<int>(options.tls)) +
         '|' + (options.verify_certificate ? "verify" : "noverify");
  if (options.credentials) key += '|' + options.credentials->username;
  return key;
}

}  // namespace outpost::delivery
