#include "delivery/sessions.h"

#include <utility>

#include "delivery/shaper.h"

namespace outpost::delivery {
namespace asio = boost::asio;

Sessions::Sessions(asio::any_io_executor strand, const DeliveryConfig& config,
                   const ReturnPath& return_path)
    : strand_(strand),
      config_(config),
      return_path_(return_path),
      pool_(std::move(strand), config.idle_connection_timeout) {}

asio::awaitable<std::optional<PooledSession>> Sessions::acquire(const smtp::ClientOptions& options,
                                                                const std::string& key,
                                                                std::optional<PooledSession>& held,
                                                                smtp::SessionError& failure,
                                                                std::size_t open_elsewhere) {
  const std::size_t most = config_.max_messages_per_connection;
  if (held) {
    std::optional<PooledSession> mine = std::exchange(held, std::nullopt);
    if (mine->key == key && mine->session->usable() && mine->messages < most) co_return mine;
    if (mine->key != key && mine->messages < most) {
      pool_.put(std::move(*mine), config_.domain_connections);
    } else if (mine->session) {
      co_await mine->session->quit();
    }
  }
  while (auto pooled = pool_.take(key)) {
    if (pooled->messages < most) {
      ++reused_;
      co_return pooled;
    }
    co_await pooled->session->quit();
  }
  // Parked sessions count against the global limit too: make room by closing the oldest.
  if (open_elsewhere + pool_.size() >= config_.max_total_connections) pool_.closeOldest();
  asio::any_io_executor executor = strand_;
  auto opened = co_await smtp::ClientSession::open(executor, options, &failure);
  if (!opened) {
    if (failure.step.empty()) {
      failure.step = "connect";
      failure.error = opened.error();
    }
    co_return std::nullopt;
  }
  ++opened_;
  PooledSession fresh;
  fresh.session = std::move(*opened);
  fresh.key = key;
  fresh.setup_transcript = fresh.session->takeTranscript();
  co_return fresh;
}

asio::awaitable<smtp::TransactionOutcome> Sessions::transact(
    PooledSession& session, const std::vector<store::DueRecipient>& recipients,
    const std::string& raw, std::string& transcript, std::optional<PooledSession>& held) {
  transcript += session.setup_transcript;
  if (session.messages > 0) {
    transcript += "* session reused: message " + std::to_string(session.messages + 1) +
                  " on this connection (RSET after the previous one)\n";
  }
  const smtp::Envelope envelope = return_path_.envelopeFor(recipients, raw.size());
  auto outcome = co_await session.session->send(envelope, raw);
  ++session.messages;
  ++transactions_;
  transcript += session.session->takeTranscript();
  bool keep = !outcome.session_error && session.session->usable();
  if (keep) {
    keep = (co_await session.session->reset()).ok();
    session.session->takeTranscript();  // the RSET belongs to no message
  }
  if (keep) {
    held = std::move(session);
  } else {
    // A broken session gets no QUIT: it could only wait for a peer that stopped answering.
    session.session.reset();
  }
  co_return outcome;
}

const smtp::Reply* throttleReply(const smtp::TransactionOutcome& outcome) {
  const auto slow = [](const std::optional<smtp::Reply>& reply) {
    return reply && isThrottleReply(reply->code, reply->text());
  };
  if (slow(outcome.mail_reply)) return &*outcome.mail_reply;
  for (const auto& rcpt : outcome.recipient_replies) {
    if (isThrottleReply(rcpt.reply.code, rcpt.reply.text())) return &rcpt.reply;
  }
  if (slow(outcome.data_reply)) return &*outcome.data_reply;
  if (outcome.session_error && slow(outcome.session_error->reply)) {
    return &*outcome.session_error->reply;
  }
  return nullptr;
}

}  // namespace outpost::delivery
