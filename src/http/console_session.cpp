#include "http/console_session.h"

#include <algorithm>
#include <chrono>

#include "core/credentials.h"
#include "core/text.h"

namespace outpost::http {

namespace {

// A session's last use is written at most this often: every console request reads the
// session, and a write per request would cost a commit each.
constexpr UnixMillis kTouchInterval = 60'000;

UnixMillis millis(std::chrono::seconds seconds) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(seconds).count();
}

Error unauthorizedSession() {
  return Error::permanentFailure("unauthorized", "not logged in, or the session has expired");
}

}  // namespace

std::optional<std::string> sessionTokenFromCookies(std::string_view cookie_header) {
  // cookie-string = cookie-pair *( ";" SP cookie-pair ); browsers send nothing else, but be
  // lenient about spaces. The token alphabet is base32, so a value with anything else is not
  // ours.
  while (!cookie_header.empty()) {
    std::size_t end = cookie_header.find(';');
    std::string_view pair = cookie_header.substr(0, end);
    cookie_header = end == std::string_view::npos ? "" : cookie_header.substr(end + 1);
    while (pair.starts_with(' ')) pair.remove_prefix(1);
    while (pair.ends_with(' ')) pair.remove_suffix(1);
    std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos || pair.substr(0, equals) != kSessionCookieName) continue;
    std::string_view value = pair.substr(equals + 1);
    const bool plausible = !value.empty() && value.size() <= 128 &&
                           std::all_of(value.begin(), value.end(), [](char c) {
                             return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
                           });
    if (plausible) return std::string(value);
  }
  return std::nullopt;
}

std::string sessionCookie(std::string_view token, const ConsoleConfig& config, bool secure) {
  // No Max-Age beyond the absolute lifetime; the server enforces both limits anyway.
  std::string cookie = std::string(kSessionCookieName) + "=" + std::string(token) +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                       std::to_string(config.session_lifetime.count());
  if (secure) cookie += "; Secure";
  return cookie;
}

std::string clearedSessionCookie(bool secure) {
  std::string cookie =
      std::string(kSessionCookieName) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
  if (secure) cookie += "; Secure";
  return cookie;
}

Result<Principal> authenticateSession(store::Store& store, std::string_view token,
                                      const ConsoleConfig& config, UnixMillis now) {
  const std::string hash = hashSessionToken(token);
  auto found = store.findSession(hash);
  if (!found) return found.takeError();
  if (!found->has_value()) return unauthorizedSession();
  store::Session& session = **found;
  const bool idle = now - session.last_seen_at >= millis(config.session_idle);
  const bool old = now - session.created_at >= millis(config.session_lifetime);
  if (idle || old) {
    (void)store.deleteSession(hash);  // the next expiry sweep would take it too
    return unauthorizedSession();
  }
  auto user = store.findUserById(session.user_id);
  if (!user) return user.takeError();
  if (!user->has_value()) return unauthorizedSession();
  if (now - session.last_seen_at >= kTouchInterval) {
    if (auto touched = store.touchSession(hash, now); !touched) return touched.takeError();
    session.last_seen_at = now;
  }
  return sessionPrincipal(std::move(**user), std::move(session));
}

LoginGuard::LoginGuard(const ConsoleConfig& config, const Clock& clock)
    : accounts_(config.login_failures, config.login_failure_window, clock),
      addresses_(config.login_failures, config.login_failure_window, clock) {}

UnixMillis LoginGuard::blockedFor(const std::string& email, const std::string& address) {
  return std::max(accounts_.blockedFor(lowercase(email)), addresses_.blockedFor(address));
}

void LoginGuard::recordFailure(const std::string& email, const std::string& address) {
  accounts_.recordFailure(lowercase(email));
  addresses_.recordFailure(address);
}

}  // namespace outpost::http
