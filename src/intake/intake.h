// Intake: turns a validated submission into a durable queued message. Composes (mime),
// checks the submitter's sender domains, stores it in one grouped commit, wakes delivery.
// Used by the HTTP API now and by SMTP submission later. Blocking: call it from a pool.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "intake/dkim_signing.h"
#include "mime/compose.h"
#include "store/store.h"

namespace outpost::intake {

// Who hands the message in: an API key acting for its user.
struct Submitter {
  std::int64_t user_id = 0;
  store::Role role = store::Role::kUser;
  std::string api_key_name;
  std::string scope = "send";
  std::vector<std::string> domains;  // allowed sender domains; empty = any
};

struct SubmissionOptions {
  std::string tags_json = "[]";
  std::string metadata_json = "{}";
  std::optional<store::Idempotency> idempotency;
  std::string route;  // "" = default route; "relay" forces the relay (SMTP test)
};

// The envelope of a raw submission, with the DSN parameters an SMTP client may give (RFC 3461);
// they are stored and passed on to the next hop.
struct RawEnvelope {
  std::string mail_from;
  std::vector<store::NewRecipient> recipients;  // address, notify, orcpt; `field` is ignored
  std::string dsn_ret;                          // "FULL" | "HDRS" | ""
  std::string dsn_envid;
};

struct Accepted {
  std::string id;
  std::string message_id;
  std::vector<std::string> recipients;
  bool replayed = false;
  std::string response_json;  // the 201 body: {"id", "message_id", "recipients": [{"address"}]}
};

class Intake {
 public:
  // With `signing`, every message is DKIM-signed before it is stored (dkim_signing.h).
  Intake(store::Store& store, const Config& config, const Clock& clock,
         std::function<void()> on_accepted, DkimSigning* signing = nullptr);

  // Error codes: "invalid_request" (with field errors filled), "domain_not_allowed",
  // "too_many_recipients", "too_large", "idempotency_conflict", "store.*" (unavailable),
  // "signing_unavailable" (a DKIM key could not sign; temporary).
  // `request` is taken by value (move it in): intake fills the Message-ID domain and Date.
  Result<Accepted> submit(mime::ComposeRequest request, const Submitter& submitter,
                          const SubmissionOptions& options, std::vector<mime::FieldError>& errors);

  // A raw RFC 5322 message with its envelope. A submitter limited to sender domains may use
  // them both in MAIL FROM and in the From header.
  Result<Accepted> submitRaw(const std::string& mail_from, const std::vector<std::string>& rcpt_to,
                             std::string_view message, const Submitter& submitter,
                             const SubmissionOptions& options,
                             std::vector<mime::FieldError>& errors);
  Result<Accepted> submitRaw(const RawEnvelope& envelope, std::string_view message,
                             const Submitter& submitter, const SubmissionOptions& options,
                             std::vector<mime::FieldError>& errors);

 private:
  Result<Accepted> store(store::NewMessage message, std::string_view from_domain,
                         const Submitter& submitter, const SubmissionOptions& options);

  store::Store& store_;
  const Config& config_;
  const Clock& clock_;
  std::function<void()> on_accepted_;
  DkimSigning* signing_;
};

}  // namespace outpost::intake
