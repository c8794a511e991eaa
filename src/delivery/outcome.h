// Classifies what an SMTP session did into each recipient's new status and attempt record
// (design.md's status model): 2xx → processed; 4xx, timeouts, lost connections, TLS
// failures → deferred (or failure once the lifetime is spent); 5xx → failure.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "smtp/client.h"
#include "store/store.h"

namespace outpost::delivery {

struct AttemptContext {
  std::string node;         // lease owner and attempt node
  std::string server_name;  // relay host as configured
  int port = 0;
  UnixMillis started_at = 0;
  UnixMillis now = 0;
  const DeliveryConfig* config = nullptr;
  // Direct delivery to the recipient's MX host: its 2xx means delivered (not just processed),
  // and its 5xx refusal of the session is final for the recipients.
  bool direct = false;
};

// The context of an attempt that started at `started_at`, with `now` read from the clock.
AttemptContext attemptContext(const Config& config, const Clock& clock, UnixMillis started_at,
                              const std::string& server, int port, bool direct);

// One update per recipient of `recipients`, from a transaction on an open session.
std::vector<store::RecipientUpdate> classifyTransaction(
    const std::vector<store::DueRecipient>& recipients, const smtp::SessionInfo& session,
    const smtp::TransactionOutcome& outcome, const std::string& transcript,
    const AttemptContext& context);

// One update per recipient when the session could not be opened (connect, TLS, EHLO, AUTH).
// These are the relay's or the setup's problems, never the message's: always deferred, so a
// fixed setting delivers the queue, until the lifetime runs out.
std::vector<store::RecipientUpdate> classifySessionFailure(
    const std::vector<store::DueRecipient>& recipients, const smtp::SessionError& failure,
    const smtp::SessionInfo* session, const std::string& transcript, const AttemptContext& context);

// One update per recipient when the job ends before any session (no relay configured, the body
// cannot be read, an unknown route): deferred when `temporary`, else failure.
std::vector<store::RecipientUpdate> failWithoutSession(
    const std::vector<store::DueRecipient>& recipients, const std::string& code,
    const std::string& text, bool temporary, const AttemptContext& context);

}  // namespace outpost::delivery
