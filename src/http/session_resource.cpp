// /api/v1/session: the console's login (POST), who is logged in (GET), logout (DELETE) and a
// change of one's own password (PUT /session/password). Logins are limited per account and
// per client address (console_session.h); a wrong email and a wrong password get the same
// answer after the same work, so the answer does not tell which accounts exist.
#include <boost/json/object.hpp>
#include <string>

#include "core/credentials.h"
#include "http/audit.h"
#include "http/auth.h"
#include "http/console_session.h"
#include "http/json_errors.h"
#include "http/request_json.h"
#include "http/router.h"
#include "http/users_json.h"
#include "io/blocking.h"

namespace outpost::http {

namespace {

constexpr std::size_t kMaxEmail = 254;
constexpr std::size_t kMaxPassword = 1024;

// Verifying against this when the email is unknown costs what a real check costs.
const std::string& decoyPasswordHash() {
  static const std::string hash = [] {
    auto hashed = hashPassword("outpost decoy password");
    return hashed ? *hashed : std::string();
  }();
  return hash;
}

UnixMillis millis(std::chrono::seconds seconds) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(seconds).count();
}

boost::json::object sessionJson(const Principal& principal, const ConsoleConfig& config) {
  boost::json::object body{
      {"user", userJson(principal.user)}, {"csrf_token", nullptr}, {"expires_at", nullptr}};
  if (principal.session) {
    const auto& session = *principal.session;
    body["csrf_token"] = session.csrf_token;
    body["expires_at"] =
        formatRfc3339(std::min(session.last_seen_at + millis(config.session_idle),
                               session.created_at + millis(config.session_lifetime)));
  }
  return body;
}

struct Credentials {
  std::string email;
  std::string password;
};

boost::asio::awaitable<Response> logIn(Context& context) {
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  std::vector<mime::FieldError> errors;
  Credentials credentials;
  if (!body->is_object()) {
    errors.push_back({"body", "must be a JSON object"});
  } else {
    FieldReader reader(body->get_object(), "", errors);
    reader.rejectUnknown({"email", "password"});
    if (auto email = reader.string("email", true)) credentials.email = std::move(*email);
    if (auto password = reader.string("password", true)) {
      credentials.password = std::move(*password);
    }
    if (credentials.email.size() > kMaxEmail) reader.fail("email", "is too long");
    if (credentials.password.size() > kMaxPassword) reader.fail("password", "is too long");
  }
  if (!errors.empty()) co_return invalidRequest(errors);

  const std::string& address = context.request.remote_address;
  if (UnixMillis wait = context.login_guard->blockedFor(credentials.email, address); wait > 0) {
    const auto seconds = (wait + 999) / 1000;
    const auto minutes = (seconds + 59) / 60;
    Response response =
        errorResponse(429, "rate_limited",
                      "too many failed logins; try again in " + std::to_string(minutes) +
                          " minute" + (minutes == 1 ? "" : "s"));
    response.headers.emplace_back("Retry-After", std::to_string(seconds));
    co_return response;
  }

  store::Store& store = context.deps.store;
  auto check = [&]() -> Result<std::optional<store::User>> {
    auto user = store.findUserByEmail(credentials.email);
    if (!user) return user.takeError();
    const std::string& hash = user->has_value() ? (*user)->password_hash : decoyPasswordHash();
    const bool valid = verifyPassword(credentials.password, hash);
    if (!valid || !user->has_value()) return std::optional<store::User>();
    return user;
  };
  auto user = co_await io::runBlocking(context.deps.blocking, check);
  if (!user) co_return responseForError(user.error());
  if (!user->has_value()) {
    context.login_guard->recordFailure(credentials.email, address);
    co_return errorResponse(401, "invalid_credentials", "wrong email or password");
  }

  const UnixMillis now = context.deps.clock.now();
  const std::string token = generateSessionToken();
  store::Session session;
  session.token_hash = hashSessionToken(token);
  session.user_id = (*user)->id;
  session.csrf_token = generateSessionToken();
  session.created_at = now;
  session.last_seen_at = now;
  session.remote = address;
  const ConsoleConfig& config = context.deps.config.console;
  auto create = [&]() -> Result<void> {
    // Logins are rare: a good moment to forget sessions that have expired.
    if (auto swept = store.deleteExpiredSessions(now - millis(config.session_idle),
                                                 now - millis(config.session_lifetime));
        !swept) {
      return swept.takeError();
    }
    return store.createSession(session);
  };
  auto created = co_await io::runBlocking(context.deps.blocking, create);
  if (!created) co_return responseForError(created.error());

  Principal principal = sessionPrincipal(std::move(**user), std::move(session));
  Context logged_in{context.deps, context.request, &principal, context.io, context.login_guard};
  co_await recordAudit(logged_in, "session.login", principal.user.email, "from " + address);
  const bool secure = config.secure_cookies || context.request.secure;
  Response response = jsonResponse(200, sessionJson(principal, config));
  response.headers.emplace_back("Set-Cookie", sessionCookie(token, config, secure));
  co_return response;
}

boost::asio::awaitable<Response> whoAmI(Context& context) {
  co_return jsonResponse(200, sessionJson(*context.principal, context.deps.config.console));
}

boost::asio::awaitable<Response> logOut(Context& context) {
  const bool secure = context.deps.config.console.secure_cookies || context.request.secure;
  if (context.principal->session) {
    const std::string& hash = context.principal->session->token_hash;
    auto remove = [&] { return context.deps.store.deleteSession(hash); };
    auto removed = co_await io::runBlocking(context.deps.blocking, remove);
    if (!removed) co_return responseForError(removed.error());
    co_await recordAudit(context, "session.logout", context.principal->user.email, "");
  }
  Response response{204, "application/json", "", {}};
  response.headers.emplace_back("Set-Cookie", clearedSessionCookie(secure));
  co_return response;
}

boost::asio::awaitable<Response> changePassword(Context& context) {
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  std::vector<mime::FieldError> errors;
  std::string current;
  std::string replacement;
  if (!body->is_object()) {
    errors.push_back({"body", "must be a JSON object"});
  } else {
    FieldReader reader(body->get_object(), "", errors);
    reader.rejectUnknown({"current_password", "new_password"});
    if (auto given = reader.string("current_password", true)) current = std::move(*given);
    if (auto given = reader.string("new_password", true)) {
      replacement = std::move(*given);
      if (auto problem = passwordProblem(replacement)) reader.fail("new_password", *problem);
    }
  }
  if (!errors.empty()) co_return invalidRequest(errors);

  const Principal& principal = *context.principal;
  store::Store& store = context.deps.store;
  auto change = [&]() -> Result<bool> {
    if (!verifyPassword(current, principal.user.password_hash)) return false;
    auto hashed = hashPassword(replacement);
    if (!hashed) return hashed.takeError();
    store::User user = principal.user;
    user.password_hash = std::move(*hashed);
    if (auto updated = store.updateUser(user); !updated) return updated.takeError();
    // Other sessions of this user end (a stolen one among them); this one goes on.
    if (auto ended = store.deleteUserSessions(user.id); !ended) return ended.takeError();
    if (principal.session) {
      if (auto kept = store.createSession(*principal.session); !kept) return kept.takeError();
    }
    return true;
  };
  auto changed = co_await io::runBlocking(context.deps.blocking, change);
  if (!changed) co_return responseForError(changed.error());
  if (!*changed) {
    co_return invalidRequest({{"current_password", "is not the current password"}});
  }
  co_await recordAudit(context, "user.password", principal.user.email, "changed own password");
  co_return Response{204, "application/json", "", {}};
}

}  // namespace

void addSessionRoutes(Router& router) {
  router.add("POST", "/api/v1/session", &logIn, /*authenticated=*/false);
  router.add("GET", "/api/v1/session", &whoAmI);
  router.add("DELETE", "/api/v1/session", &logOut);
  router.add("PUT", "/api/v1/session/password", &changePassword);
}

}  // namespace outpost::http
