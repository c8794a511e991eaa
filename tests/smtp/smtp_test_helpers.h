// Shared pieces of the smtp client tests: short deadlines, and open/send/quit run to
// completion with runAsync so each test reads top to bottom.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>

#include "smtp/client.h"
#include "support/run_async.h"

namespace outpost::smtp::testing {

// Every phase gets `seconds`, so a peer that hangs fails a test quickly.
inline SmtpTimeouts shortTimeouts(int seconds) {
  const std::chrono::seconds s(seconds);
  SmtpTimeouts t;
  t.connect = t.greeting = t.ehlo = t.tls_handshake = t.auth = t.mail = t.rcpt = s;
  t.data_init = t.data_block = t.data_term = t.rset = t.quit = s;
  return t;
}

inline ClientOptions plainOptions(int port, int timeout_seconds = 10) {
  ClientOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.tls = TlsMode::kNone;
  options.helo_name = "client.test";
  options.timeouts = shortTimeouts(timeout_seconds);
  return options;
}

inline Envelope envelope(std::string from, std::vector<std::string> to) {
  Envelope e;
  e.mail_from = std::move(from);
  e.recipients = std::move(to);
  return e;
}

// The result of trying to open a session.
// (The session itself ends inside withSession: its sockets must not outlive the io_context.)
struct Opened {
  bool opened = false;
  SessionInfo info;  // what the session got to, when it opened
  SessionError failure;
  bool ok() const { return opened; }
};

using Session = std::function<boost::asio::awaitable<void>(ClientSession&)>;

// Opens a session, runs `body` on it when it opened, then QUIT. Returns the failure of open.
inline Opened withSession(const ClientOptions& options, Session body = {}) {
  return outpost::test::runAsync(
      [&](boost::asio::any_io_executor executor) -> boost::asio::awaitable<Opened> {
        Opened opened;
        auto result = co_await ClientSession::open(executor, options, &opened.failure);
        if (!result) co_return opened;
        auto session = std::move(result.value());
        if (body) co_await body(*session);
        co_await session->quit();
        opened.opened = true;
        opened.info = session->info();
        co_return opened;
      });
}

// Opens, sends one message, returns the outcome (and the open failure if any).
struct Sent {
  Opened opened;
  TransactionOutcome outcome;
  bool usable_after = false;
  std::string transcript;
};

inline Sent sendOne(const ClientOptions& options, const Envelope& env, const std::string& body) {
  Sent sent;
  sent.opened = withSession(options, [&](ClientSession& session) -> boost::asio::awaitable<void> {
    sent.outcome = co_await session.send(env, body);
    sent.usable_after = session.usable();
    sent.transcript = session.takeTranscript();
  });
  return sent;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace outpost::smtp::testing
