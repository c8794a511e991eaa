// Failing over within the attempt keeps every server's answer: the last one decides the
// recipient's status, the earlier ones become attempt rows before it (RecipientUpdate::failovers).
#include "delivery/direct_delivery.h"

#include <algorithm>
#include <map>

#include "delivery/outcome.h"
#include "delivery/shaper.h"

namespace outpost::delivery {
namespace asio = boost::asio;
namespace {

// The enhanced status code (RFC 3463) that says what a failed MX lookup means, for the Failed
// view: 5.1.10 null MX (RFC 7505), 5.1.2 bad destination domain, 5.4.4 unable to route, 4.4.3
// directory server failure.
std::string enhancedCodeForPlanError(const Error& error) {
  if (error.code == "mx.null_mx") return "5.1.10";
  if (error.code == dns::kNxdomain) return "5.1.2";
  if (!error.temporary) return "5.4.4";
  return "4.4.3";
}

std::string mxKey(const smtp::ClientOptions& options) { return sessionKey(options, "mx"); }

std::string planNote(const MxPlan& plan) {
  std::string note = "* MX for " + plan.domain + ":";
  for (const auto& candidate : plan.candidates) {
    note += " " + candidate.host + " [" + candidate.ip + "] (" +
            std::to_string(candidate.preference) + ")";
  }
  if (!plan.candidates.empty() && plan.candidates.front().implicit) {
    note += " — no MX record: the domain's own address (RFC 5321 5.1)";
  }
  note += "\n";
  for (const auto& skipped : plan.skipped) note += "* skipped " + skipped + "\n";
  return note;
}

}  // namespace

smtp::ClientOptions mxClientOptions(const MxCandidate& candidate, TlsPolicy policy,
                                    const Config& config) {
  smtp::ClientOptions options;
  options.host = candidate.host;
  options.connect_address = candidate.ip;
  options.port = config.delivery.mx_port;
  options.helo_name =
      config.delivery.helo_name.empty() ? config.hostname : config.delivery.helo_name;
  const bool v6 = candidate.ip.find(':') != std::string::npos;
  options.source_address =
      v6 ? config.delivery.source_address_v6 : config.delivery.source_address_v4;
  options.peer_name = "the MX host " + candidate.host;
  options.timeouts = config.delivery.timeouts;
  switch (policy) {
    case TlsPolicy::kOpportunistic:
      // RFC 7435: encrypt when offered, without authentication; a certificate check here would
      // only push mail back to plain text.
      options.tls = smtp::TlsMode::kStartTlsOpportunistic;
      options.verify_certificate = false;
      break;
    case TlsPolicy::kRequire:
      options.tls = smtp::TlsMode::kStartTlsRequired;
      options.verify_certificate = true;
      options.ca_file = config.delivery.mx_ca_file;
      break;
    case TlsPolicy::kNone:
      options.tls = smtp::TlsMode::kNone;
      break;
  }
  return options;
}

asio::awaitable<DirectOutcome> DirectDelivery::deliver(const DirectJob& job,
                                                       std::optional<PooledSession>& held) {
  const UnixMillis started_at = clock.now();
  const int port = config.delivery.mx_port;
  const auto context = [&](const std::string& server) {
    return attemptContext(config, clock, started_at, server, port, /*direct=*/true);
  };
  DirectOutcome result;
  MxPlanOptions plan_options;
  plan_options.max_candidates = config.delivery.max_mx_addresses;
  auto plan = co_await planMxDelivery(resolver, job.domain, plan_options, random);
  if (!plan) {
    const Error& error = plan.error();
    result.updates = failWithoutSession(*job.recipients, error.code, error.message, error.temporary,
                                        context(job.domain));
    for (auto& update : result.updates) {
      update.attempt.enhanced_code = enhancedCodeForPlanError(error);
      update.attempt.transcript =
          job.prelude + "* MX lookup for " + job.domain + ": " + error.message + "\n";
    }
    co_return result;
  }
  const TlsPolicy policy = job.tls;
  std::vector<MxCandidate> candidates = plan->candidates;
  // A warm session to one of the most preferred hosts goes first: reuse without skipping a
  // better MX.
  if (held && !candidates.empty()) {
    const auto top = candidates.front().preference;
    const auto warm = std::find_if(candidates.begin(), candidates.end(), [&](const auto& c) {
      return c.preference == top && mxKey(mxClientOptions(c, policy, config)) == held->key;
    });
    if (warm != candidates.end()) std::rotate(candidates.begin(), warm, warm + 1);
  }
  const std::string plan_note = planNote(*plan);

  std::vector<store::DueRecipient> pending = *job.recipients;
  std::map<std::int64_t, store::RecipientUpdate> latest;  // the last outcome per recipient
  std::map<std::int64_t, std::vector<store::AttemptRecord>> earlier;
  const auto remember = [&](store::RecipientUpdate& update) {
    const auto id = update.attempt.recipient_id;
    if (auto found = latest.find(id); found != latest.end()) {
      earlier[id].push_back(std::move(found->second.attempt));
      found->second = std::move(update);
    } else {
      latest.emplace(id, std::move(update));
    }
  };

  for (const auto& candidate : candidates) {
    if (pending.empty()) break;
    smtp::ClientOptions options = mxClientOptions(candidate, policy, config);
    std::string transcript = job.prelude + plan_note + "* trying " + candidate.host + " [" +
                             candidate.ip + "]:" + std::to_string(port) + "\n";
    smtp::SessionError failure;
    auto session =
        co_await sessions.acquire(options, mxKey(options), held, failure, open_elsewhere);
    if (!session && policy == TlsPolicy::kOpportunistic &&
        (failure.step == "tls" || failure.step == "starttls")) {
      // RFC 7435 §3: opportunistic TLS must not make mail undeliverable; say so in the record.
      transcript += failure.transcript + "* TLS with " + candidate.host + " failed (" +
                    failure.error.message +
                    "); connecting again without TLS (opportunistic TLS, RFC 7435)\n";
      options.tls = smtp::TlsMode::kNone;
      failure = smtp::SessionError{};
      session = co_await sessions.acquire(options, mxKey(options), held, failure, open_elsewhere);
    }
    const AttemptContext attempt_context = context(candidate.host);
    if (!session) {
      smtp::SessionInfo where;
      where.host = candidate.host;
      where.port = port;
      where.ip = candidate.ip;
      const std::string failed_transcript = transcript + failure.transcript + "* " + failure.step +
                                            " failed: " + failure.error.message;
      auto updates =
          classifySessionFailure(pending, failure, &where, failed_transcript, attempt_context);
      for (auto& update : updates) remember(update);
      if (failure.reply && isThrottleReply(failure.reply->code, failure.reply->text())) {
        result.slow_down = std::to_string(failure.reply->code) + " " + failure.reply->text() +
                           " from " + candidate.host + " [" + candidate.ip + "]";
      }
      continue;  // RFC 5321 §5.1: the next MX address, within this attempt
    }
    const smtp::SessionInfo info = session->session->info();
    const auto outcome = co_await sessions.transact(*session, pending, *job.raw, transcript, held);
    auto updates = classifyTransaction(pending, info, outcome, transcript, attempt_context);
    if (const smtp::Reply* slow = throttleReply(outcome)) {
      result.slow_down = std::to_string(slow->code) + " " + slow->text() + " from " +
                         candidate.host + " [" + candidate.ip + "]";
    }
    std::vector<store::DueRecipient> still_pending;
    for (std::size_t index = 0; index < updates.size(); ++index) {
      if (updates[index].processing == store::ProcessingStatus::kProcessed) {
        result.delivered_any = true;
      }
      if (updates[index].processing == store::ProcessingStatus::kQueued) {
        still_pending.push_back(pending[index]);
      }
      remember(updates[index]);
    }
    pending = std::move(still_pending);
  }
  if (pending.empty()) result.slow_down.clear();
  for (const auto& recipient : *job.recipients) {
    auto found = latest.find(recipient.recipient_id);
    if (found == latest.end()) continue;
    store::RecipientUpdate update = std::move(found->second);
    update.failovers = std::move(earlier[recipient.recipient_id]);
    result.updates.push_back(std::move(update));
  }
  co_return result;
}

}  // namespace outpost::delivery
