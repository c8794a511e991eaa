// Who is calling and what they may do. API keys ("Authorization: Bearer op_<prefix>_<secret>")
// act with their user's role, narrowed by the key's scope (design.md): a "send" key submits
// mail and reads only what it sent; a "full" key acts as its user. A console session (the
// cookie of console_session.h) acts as its user with full scope. The header is untrusted.
#pragma once

#include <optional>
#include <string_view>

#include "core/result.h"
#include "intake/intake.h"
#include "store/store.h"

namespace outpost::http {

struct Principal {
  store::User user;
  // The key used, or for a console session a stand-in: scope "full", name "console:<email>".
  store::ApiKey key;
  std::optional<store::Session> session;  // set when the console's cookie authenticated

  bool fullScope() const { return key.scope == "full"; }
};

// The principal of a console session of `user`.
Principal sessionPrincipal(store::User user, store::Session session);

// Finds and checks the key of an Authorization header (blocking: reads the store). Error code
// "unauthorized" for a missing, malformed or wrong key; "store.*" when the store is down.
Result<Principal> authenticate(store::Store& store, std::string_view authorization);

// The 403 message of the settings, DKIM, SPF, DMARC, users and API keys routes; the console
// shows it as it is.
inline constexpr std::string_view kSuperAdminNeeded =
    "super admin permission is needed: log in as a super admin or use a super admin's "
    "full-scope key";

// May submit messages (auditors may not, whatever the key's scope).
bool maySend(const Principal& principal);
// May see this message (others answer 404 so their existence is not revealed).
bool mayRead(const Principal& principal, const store::MessageDetail& message);
// May retry or cancel a message it can read: full scope, not an auditor.
bool mayChange(const Principal& principal);
// Relay settings and other configuration: a super admin's full-scope key.
bool mayManageSettings(const Principal& principal);
// Pausing and resuming delivery: super admins and admins (it holds everyone's mail).
bool mayPauseDelivery(const Principal& principal);
// Users, API keys and the audit log: super admins change them; auditors read them too.
bool mayManageAccounts(const Principal& principal);
bool mayReadAccounts(const Principal& principal);
// The suppression list: super admins, admins and auditors read it; super admins and admins
// change it. Full-scope keys only: it names every recipient, not only the caller's.
bool mayReadSuppressions(const Principal& principal);
bool mayManageSuppressions(const Principal& principal);
// Narrows a list query to what the principal may see.
void restrictQuery(const Principal& principal, store::ListQuery& query);
intake::Submitter submitterFor(const Principal& principal);

}  // namespace outpost::http
