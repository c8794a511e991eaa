// The console's login session: the cookie that carries it, how a request's cookie becomes a
// Principal (with idle and absolute expiry, design.md: 12 hours idle, 7 days in all), and the
// login rate limits (5 failures per 15 minutes per account and per client address, then 429).
// The cookie is HttpOnly and SameSite=Strict; state-changing requests must also carry the
// session's CSRF token in X-CSRF-Token (checked by the server for every cookie-authenticated
// request), so a page of another site can neither read nor use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/config.h"
#include "core/failure_limiter.h"
#include "core/result.h"
#include "http/auth.h"
#include "store/store.h"

namespace outpost::http {

inline constexpr std::string_view kSessionCookieName = "outpost_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// The session token of a Cookie header (RFC 6265 §5.4), or nullopt when it has none.
std::optional<std::string> sessionTokenFromCookies(std::string_view cookie_header);
// Set-Cookie values that set and clear the session cookie.
std::string sessionCookie(std::string_view token, const ConsoleConfig& config, bool secure);
std::string clearedSessionCookie(bool secure);

// The session of `token` and its user (blocking: reads the store, and refreshes the session's
// last use at most once a minute). "unauthorized" when there is none or it has expired (an
// expired one is deleted); "store.*" when the store is down.
Result<Principal> authenticateSession(store::Store& store, std::string_view token,
                                      const ConsoleConfig& config, UnixMillis now);

// Failed console logins, per account and per client address.
class LoginGuard {
 public:
  LoginGuard(const ConsoleConfig& config, const Clock& clock);

  // Milliseconds until a login for `email` from `address` may be tried; 0 when now.
  UnixMillis blockedFor(const std::string& email, const std::string& address);
  void recordFailure(const std::string& email, const std::string& address);

 private:
  FailureLimiter accounts_;
  FailureLimiter addresses_;
};

}  // namespace outpost::http
