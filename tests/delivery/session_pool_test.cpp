// The idle-session pool against a real SMTP server (Postfix's smtp-sink): sessions come back for
// the same destination only, the newest first, closed ones are never handed out, and idle ones
// close by themselves after the idle timeout.
#include "delivery/session_pool.h"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "support/peers.h"
#include "support/run_async.h"

namespace outpost::delivery {
namespace {

namespace asio = boost::asio;

class SessionPoolTest : public ::testing::Test {
 protected:
  SessionPoolTest() : sink_(test::startSmtpSink()) {}

  smtp::ClientOptions options() const {
    smtp::ClientOptions options;
    options.host = "127.0.0.1";
    options.port = sink_.port;
    options.tls = smtp::TlsMode::kNone;
    options.helo_name = "pool.test";
    return options;
  }

  static asio::awaitable<PooledSession> open(const asio::any_io_executor& executor,
                                             const smtp::ClientOptions& options,
                                             const std::string& key) {
    auto opened = co_await smtp::ClientSession::open(executor, options);
    EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error().message);
    PooledSession pooled;
    pooled.session = std::move(*opened);
    pooled.key = key;
    co_return pooled;
  }

  static asio::awaitable<void> sleep(const asio::any_io_executor& executor,
                                     std::chrono::milliseconds duration) {
    asio::steady_timer timer(executor, duration);
    co_await timer.async_wait(asio::use_awaitable);
  }

  test::RunningPeer sink_;
};

TEST_F(SessionPoolTest, GivesBackTheNewestSessionForTheSameKeyOnly) {
  test::runAsync([&](auto executor) -> asio::awaitable<void> {
    SessionPool pool(executor, std::chrono::seconds(30));
    const std::string key = sessionKey(options(), "mx");
    auto first = co_await open(executor, options(), key);
    auto second = co_await open(executor, options(), key);
    const smtp::ClientSession* newest = second.session.get();
    second.messages = 3;
    pool.put(std::move(first), 5);
    pool.put(std::move(second), 5);
    EXPECT_EQ(pool.size(), 2u);
    EXPECT_FALSE(pool.take("another destination").has_value());
    auto taken = pool.take(key);
    EXPECT_TRUE(taken.has_value());
    if (!taken) co_return;  // ASSERT_* cannot end a coroutine
    EXPECT_EQ(taken->session.get(), newest);
    EXPECT_EQ(taken->messages, 3u);
    EXPECT_TRUE(taken->session->usable());
    EXPECT_EQ(pool.size(), 1u);
    EXPECT_EQ(pool.reused(), 1u);
    co_await taken->session->quit();
    pool.closeAll();
    EXPECT_EQ(pool.size(), 0u);
  });
}

TEST_F(SessionPoolTest, KeepsAtMostTheGivenNumberPerKeyAndNeverAClosedSession) {
  test::runAsync([&](auto executor) -> asio::awaitable<void> {
    SessionPool pool(executor, std::chrono::seconds(30));
    const std::string key = sessionKey(options(), "mx");
    for (int i = 0; i < 3; ++i) pool.put(co_await open(executor, options(), key), 2);
    EXPECT_EQ(pool.size(), 2u);

    auto closed = co_await open(executor, options(), "closed");
    co_await closed.session->quit();
    pool.put(std::move(closed), 2);
    EXPECT_FALSE(pool.take("closed").has_value());
    pool.closeAll();
  });
}

TEST_F(SessionPoolTest, IdleSessionsCloseAfterTheIdleTimeout) {
  test::runAsync([&](auto executor) -> asio::awaitable<void> {
    SessionPool pool(executor, std::chrono::seconds(1));
    const std::string key = sessionKey(options(), "mx");
    pool.put(co_await open(executor, options(), key), 2);
    EXPECT_EQ(pool.size(), 1u);
    co_await sleep(executor, std::chrono::milliseconds(1500));
    EXPECT_EQ(pool.size(), 0u);
    EXPECT_FALSE(pool.take(key).has_value());
  });
}

TEST(SessionKey, DiffersForEverythingThatMakesSessionsUnlike) {
  smtp::ClientOptions base;
  base.host = "mx1.example.org";
  base.connect_address = "192.0.2.1";
  base.port = 25;
  base.tls = smtp::TlsMode::kStartTlsOpportunistic;
  base.verify_certificate = false;
  const std::string key = sessionKey(base, "mx");
  auto other_ip = base;
  other_ip.connect_address = "192.0.2.2";
  auto plain = base;
  plain.tls = smtp::TlsMode::kNone;
  auto verified = base;
  verified.verify_certificate = true;
  auto authenticated = base;
  authenticated.credentials = smtp::Credentials{"user", "secret"};
  for (const auto& other : {other_ip, plain, verified, authenticated}) {
    EXPECT_NE(sessionKey(other, "mx"), key);
  }
  EXPECT_NE(sessionKey(base, "relay:eu#1"), key);
  EXPECT_EQ(sessionKey(base, "mx"), key);
  EXPECT_EQ(sessionKey(authenticated, "mx").find("secret"), std::string::npos);
}

}  // namespace
}  // namespace outpost::delivery
