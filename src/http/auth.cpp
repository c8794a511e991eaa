// API key authentication and the authorization rules of design.md. The Authorization header
// is untrusted: it is parsed strictly and the secret is compared in constant time.
#include "http/auth.h"

#include <cctype>
#include <string>

#include "core/credentials.h"
#include "core/text.h"

namespace outpost::http {

namespace {

Error unauthorizedError() {
  return Error::permanentFailure("unauthorized", "missing or invalid API key");
}

bool seesAll(const Principal& principal) {
  if (!principal.fullScope()) return false;
  switch (principal.user.role) {
    case store::Role::kSuperAdmin:
    case store::Role::kAdmin:
    case store::Role::kAuditor:
      return true;
    case store::Role::kUser:
      return false;
  }
  return false;
}

}  // namespace

Result<Principal> authenticate(store::Store& store, std::string_view authorization) {
  // RFC 6750 §2.1: "Bearer" (case-insensitive scheme) then the token.
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() + 1 ||
      !equalsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return unauthorizedError();
  }
  std::string_view token = authorization.substr(kScheme.size() + 1);
  while (token.starts_with(' ')) token.remove_prefix(1);
  while (token.ends_with(' ')) token.remove_suffix(1);
  auto parsed = parseApiKey(token);
  if (!parsed) return unauthorizedError();

  auto key = store.findApiKeyByPrefix(parsed->prefix);
  if (!key) return key.takeError();
  if (!key->has_value() || !verifyApiKeySecret(parsed->secret, (*key)->secret_hash)) {
    return unauthorizedError();
  }
  auto user = store.findUserById((*key)->user_id);
  if (!user) return user.takeError();
  if (!user->has_value()) return unauthorizedError();  // the key outlived its user
  return Principal{std::move(**user), std::move(**key), std::nullopt};
}

Principal sessionPrincipal(store::User user, store::Session session) {
  Principal principal;
  principal.key.name = "console:" + user.email;
  principal.key.scope = "full";
  principal.key.user_id = user.id;
  principal.user = std::move(user);
  principal.session = std::move(session);
  return principal;
}

bool maySend(const Principal& principal) { return principal.user.role != store::Role::kAuditor; }

bool mayRead(const Principal& principal, const store::MessageDetail& message) {
  if (!principal.fullScope()) return message.summary.api_key_name == principal.key.name;
  return seesAll(principal) || message.owner_user_id == principal.user.id;
}

bool mayChange(const Principal& principal) {
  return principal.fullScope() && principal.user.role != store::Role::kAuditor;
}

bool mayManageSettings(const Principal& principal) {
  return principal.fullScope() && principal.user.role == store::Role::kSuperAdmin;
}

bool mayPauseDelivery(const Principal& principal) { return mayManageSuppressions(principal); }

bool mayManageAccounts(const Principal& principal) { return mayManageSettings(principal); }

bool mayReadAccounts(const Principal& principal) {
  return principal.fullScope() && (principal.user.role == store::Role::kSuperAdmin ||
                                   principal.user.role == store::Role::kAuditor);
}

bool mayReadSuppressions(const Principal& principal) { return seesAll(principal); }

bool mayManageSuppressions(const Principal& principal) {
  return principal.fullScope() && (principal.user.role == store::Role::kSuperAdmin ||
                                   principal.user.role == store::Role::kAdmin);
}

void restrictQuery(const Principal& principal, store::ListQuery& query) {
  if (!principal.fullScope()) {
    query.api_key_name = principal.key.name;
  } else if (!seesAll(principal)) {
    query.owner_user_id = principal.user.id;
  }
}

intake::Submitter submitterFor(const Principal& principal) {
  intake::Submitter submitter;
  submitter.user_id = principal.user.id;
  submitter.role = principal.user.role;
  submitter.api_key_name = principal.key.name;
  submitter.scope = principal.key.scope;
  submitter.domains = principal.key.domains;
  return submitter;
}

}  // namespace outpost::http
