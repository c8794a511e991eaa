// What a parsed bounce says: one BouncedRecipient per recipient a delivery report (RFC 3464),
// a provider's own bounce text, an auto-reply (RFC 3834) or a feedback report (RFC 5965) is
// about. Plain values; every field is text from an untrusted message, "" when absent.
#pragma once

#include <string>
#include <vector>

namespace outpost::bounce {

struct BouncedRecipient {
  std::string recipient;           // Final-Recipient (or the address the bounce text names)
  std::string original_recipient;  // Original-Recipient, when given
  std::string action;              // failed | delayed | delivered | relayed | expanded | ""
  std::string status;              // RFC 3463 enhanced status; a pseudo code x.0.9xx if none
  std::string reply_code;          // SMTP reply code, "550"
  std::string diagnostic_code;     // the remote reply or the reporting MTA's explanation
  std::string remote_mta;
  std::string reason;         // sisimai's vocabulary: userunknown, mailboxfull, delivered, ...
  std::string feedback_type;  // ARF Feedback-Type, for reason "feedback"
  bool hard_bounce = false;   // retrying this address is pointless (it does not exist)
};

struct BounceReport {
  bool is_bounce = false;
  std::string kind;  // "dsn" | "provider" | "vacation" | "feedback" | ""
  std::vector<BouncedRecipient> recipients;
  std::string original_envelope_id;  // Original-Envelope-Id
  std::string original_message_id;   // Message-ID of the returned message or headers
  std::string reporting_mta;
  std::string arrival_date;
};

enum class BounceOutcome { kDelivered, kFailed, kDelayed, kUnknown };

// The delivery outcome a recipient's report stands for: auto-replies and complaints say
// nothing about delivery, and relayed/expanded leave it to the next hop.
inline BounceOutcome outcomeOf(const BouncedRecipient& recipient) {
  if (recipient.action == "relayed" || recipient.action == "expanded") {
    return BounceOutcome::kUnknown;
  }
  if (recipient.reason == "delivered" || recipient.action == "delivered") {
    return BounceOutcome::kDelivered;
  }
  if (recipient.reason == "vacation" || recipient.reason == "feedback") {
    return BounceOutcome::kUnknown;
  }
  if (recipient.action == "delayed") return BounceOutcome::kDelayed;
  return BounceOutcome::kFailed;
}

}  // namespace outpost::bounce
