// Who is calling and what they may do. API keys ("Authorization: Bearer op_<prefix>_<secret>")
// act with their user's role, narrowed by the key's scope (design.md): a "send" key submits
// mail and reads only what it sent; a "full" key acts as its user. The header is untrusted.
#pragma once

#include <string_view>

#include "core/result.h"
#include "intake/intake.h"
#include "store/store.h"

namespace outpost::http {

struct Principal {
  store::User user;
  store::ApiKey key;

  bool fullScope() const { return key.scope == "full"; }
};

// Finds and checks the key of an Authorization header (blocking: reads the store). Error code
// "unauthorized" for a missing, malformed or wrong key; "store.*" when the store is down.
Result<Principal> authenticate(store::Store& store, std::string_view authorization);

// May submit messages (auditors may not, whatever the key's scope).
bool maySend(const Principal& principal);
// May see this message (others answer 404 so their existence is not revealed).
bool mayRead(const Principal& principal, const store::MessageDetail& message);
// May retry or cancel a message it can read: full scope, not an auditor.
bool mayChange(const Principal& principal);
// Relay settings and other configuration: a super admin's full-scope key.
bool mayManageSettings(const Principal& principal);
// The suppression list: super admins, admins and auditors read it; super admins and admins
// change it. Full-scope keys only: it names every recipient, not only the caller's.
bool mayReadSuppressions(const Principal& principal);
bool mayManageSuppressions(const Principal& principal);
// Narrows a list query to what the principal may see.
void restrictQuery(const Principal& principal, store::ListQuery& query);
intake::Submitter submitterFor(const Principal& principal);

}  // namespace outpost::http
