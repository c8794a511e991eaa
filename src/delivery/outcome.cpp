#include "delivery/outcome.h"

#include "delivery/retry_policy.h"
#include "smtp/status_description.h"

namespace outpost::delivery {
namespace {

enum class Verdict { kSuccess, kTemporary, kPermanent };

Verdict verdictOf(const smtp::Reply& reply) {
  if (reply.positive()) return Verdict::kSuccess;
  return reply.transient() ? Verdict::kTemporary : Verdict::kPermanent;
}

store::AttemptRecord baseRecord(const store::DueRecipient& recipient,
                                const smtp::SessionInfo* session, const std::string& transcript,
                                const AttemptContext& context) {
  store::AttemptRecord record;
  record.recipient_id = recipient.recipient_id;
  record.recipient = recipient.address;
  record.at = context.started_at;
  record.duration_ms = context.now - context.started_at;
  record.node = context.node;
  record.server = context.server_name;
  record.port = context.port;
  if (session != nullptr) {
    if (!session->host.empty()) record.server = session->host;
    if (session->port != 0) record.port = session->port;
    record.ip = session->ip;
    record.tls_version = session->tls_version;
    record.tls_cipher = session->tls_cipher;
  }
  record.transcript = transcript;
  return record;
}

// Applies the verdict: processed, failure, or deferred with the next attempt (or failure
// when the lifetime is over, saying so).
store::RecipientUpdate finish(const store::DueRecipient& recipient, store::AttemptRecord record,
                              Verdict verdict, const AttemptContext& context) {
  store::RecipientUpdate update;
  update.lease_owner = context.node;
  switch (verdict) {
    case Verdict::kSuccess:
      update.processing = store::ProcessingStatus::kProcessed;
      update.delivery =
          context.direct ? store::DeliveryStatus::kDelivered : store::DeliveryStatus::kUnknown;
      // The reply codes' table speaks of problems; a success says what it means here.
      if (context.direct) {
        record.description = "The recipient's mail server accepted the message: it is delivered.";
        record.hint = "Nothing to do.";
      } else {
        record.description =
            "The relay accepted the message and takes it from here. Whether it reaches the "
            "recipient is known when a delivery report (DSN) or a bounce comes back to the "
            "return-path domain (bounce.return_domain).";
        record.hint = "Nothing to do.";
      }
      break;
    case Verdict::kPermanent:
      update.processing = store::ProcessingStatus::kFailure;
      update.delivery = store::DeliveryStatus::kFailed;
      break;
    case Verdict::kTemporary: {
      const auto next =
          nextAttemptAt(*context.config, recipient.attempts + 1, recipient.created_at, context.now);
      if (next) {
        update.processing = store::ProcessingStatus::kQueued;
        update.delivery = store::DeliveryStatus::kUnknown;
        update.next_attempt_at = *next;
      } else {
        update.processing = store::ProcessingStatus::kFailure;
        update.delivery = store::DeliveryStatus::kFailed;
        record.description =
            "Retries exhausted: the message could not be delivered within its "
            "lifetime. Last error: " +
            record.description;
      }
      break;
    }
  }
  update.attempt = std::move(record);
  return update;
}

void describeReply(store::AttemptRecord& record, const smtp::Reply& reply) {
  record.code = reply.code;
  record.enhanced_code = reply.enhanced_code;
  record.text = reply.text();
  const auto explanation = smtp::explainReply(reply.code, reply.enhanced_code, record.text);
  record.description = explanation.description;
  record.hint = explanation.hint;
}

smtp::Peer peerOf(const AttemptContext& context) {
  return context.direct ? smtp::Peer::kMxHost : smtp::Peer::kRelay;
}

void describeError(store::AttemptRecord& record, const smtp::SessionError& error,
                   const AttemptContext& context) {
  if (error.reply) {
    describeReply(record, *error.reply);
    // The step matters to the reader: "454 at AUTH" is not "454 at RCPT".
    record.text = "at " + error.step + ": " + record.text;
    return;
  }
  record.code = 0;
  record.text = "at " + error.step + ": " + error.error.message;
  const auto explanation =
      smtp::explainError(error.error.code, error.error.message, peerOf(context));
  record.description = explanation.description;
  record.hint = explanation.hint;
}

}  // namespace

AttemptContext attemptContext(const Config& config, const Clock& clock, UnixMillis started_at,
                              const std::string& server, int port, bool direct) {
  AttemptContext context;
  context.node = config.node_name;
  context.server_name = server;
  context.port = port;
  context.started_at = started_at;
  context.now = clock.now();
  context.config = &config.delivery;
  context.direct = direct;
  return context;
}

std::vector<store::RecipientUpdate> classifyTransaction(
    const std::vector<store::DueRecipient>& recipients, const smtp::SessionInfo& session,
    const smtp::TransactionOutcome& outcome, const std::string& transcript,
    const AttemptContext& context) {
  std::vector<store::RecipientUpdate> updates;
  updates.reserve(recipients.size());
  for (const auto& recipient : recipients) {
    store::AttemptRecord record = baseRecord(recipient, &session, transcript, context);
    Verdict verdict = Verdict::kTemporary;
    const smtp::RecipientReply* rcpt = nullptr;
    for (const auto& candidate : outcome.recipient_replies) {
      if (candidate.address == recipient.address) {
        rcpt = &candidate;
        break;
      }
    }
    if (outcome.mail_reply && !outcome.mail_reply->positive()) {
      describeReply(record, *outcome.mail_reply);
      verdict = verdictOf(*outcome.mail_reply);
    } else if (rcpt != nullptr && !rcpt->reply.positive()) {
      describeReply(record, rcpt->reply);
      verdict = verdictOf(rcpt->reply);
    } else if (outcome.data_reply) {
      describeReply(record, *outcome.data_reply);
      verdict = verdictOf(*outcome.data_reply);
      if (verdict == Verdict::kSuccess) record.remote_queue_id = outcome.remote_queue_id;
    } else if (outcome.session_error) {
      describeError(record, *outcome.session_error, context);
      verdict = outcome.session_error->error.temporary ? Verdict::kTemporary : Verdict::kPermanent;
    } else {
      // No reply and no error can only mean the session ended without telling us: retry.
      record.text = "the session ended before this recipient got an answer";
      const auto explanation =
          smtp::explainError("smtp.connection_lost", record.text, peerOf(context));
      record.description = explanation.description;
      record.hint = explanation.hint;
    }
    updates.push_back(finish(recipient, std::move(record), verdict, context));
  }
  return updates;
}

std::vector<store::RecipientUpdate> classifySessionFailure(
    const std::vector<store::DueRecipient>& recipients, const smtp::SessionError& failure,
    const smtp::SessionInfo* session, const std::string& transcript,
    const AttemptContext& context) {
  std::vector<store::RecipientUpdate> updates;
  updates.reserve(recipients.size());
  for (const auto& recipient : recipients) {
    store::AttemptRecord record = baseRecord(recipient, session, transcript, context);
    describeError(record, failure, context);
    // A relay's refusal is a setup problem and always waits for a fix; a recipient's MX host
    // that refuses us with 5xx (e.g. "554 no service") has given its final word.
    const bool final_refusal =
        context.direct && failure.reply.has_value() && failure.reply->permanent();
    updates.push_back(finish(recipient, std::move(record),
                             final_refusal ? Verdict::kPermanent : Verdict::kTemporary, context));
  }
  return updates;
}

std::vector<store::RecipientUpdate> failWithoutSession(
    const std::vector<store::DueRecipient>& recipients, const std::string& code,
    const std::string& text, bool temporary, const AttemptContext& context) {
  const auto explanation = smtp::explainError(code, text, peerOf(context));
  std::vector<store::RecipientUpdate> updates;
  updates.reserve(recipients.size());
  for (const auto& recipient : recipients) {
    store::AttemptRecord record = baseRecord(recipient, nullptr, "", context);
    record.text = text;
    record.description = explanation.description.empty() ? text : explanation.description;
    record.hint = explanation.hint;
    updates.push_back(finish(recipient, std::move(record),
                             temporary ? Verdict::kTemporary : Verdict::kPermanent, context));
  }
  return updates;
}

}  // namespace outpost::delivery
