// The console's accounts through the API: logging in and out with the session cookie, CSRF
// protection, login rate limits, users, API keys and the audit log, with the roles enforced.
#include <boost/json/serialize.hpp>

#include "api_test_fixture.h"
#include "http/console_session.h"

namespace outpost::http::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPassword = "correct horse battery";

class SessionApi : public ApiTest {
 protected:
  // A user with a real password.
  std::int64_t addLogin(const std::string& email, store::Role role) {
    std::int64_t id = addUser(email, role);
    auto user = store_->findUserById(id);
    EXPECT_TRUE(user && user->has_value());
    store::User changed = **user;
    changed.password_hash = *hashPassword(kPassword);
    EXPECT_TRUE(store_->updateUser(changed));
    return id;
  }

  static std::string body(const std::string& email, const std::string& password) {
    return json::serialize(json::object{{"email", email}, {"password", password}});
  }

  struct Login {
    std::string cookie;  // "outpost_session=…" for the Cookie header
    std::string csrf;
    Reply reply;
  };

  Login logIn(const std::string& email, const std::string& password = kPassword,
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    Login login;
    login.reply = post("/api/v1/session", body(email, password), "", std::move(headers));
    std::string set_cookie = login.reply.header("Set-Cookie");
    login.cookie = set_cookie.substr(0, set_cookie.find(';'));
    if (login.reply.status == 200) {
      login.csrf = std::string(login.reply.json().at("csrf_token").as_string());
    }
    return login;
  }

  Reply asSession(bhttp::verb method, const std::string& target, const Login& login,
                  const std::string& body = "", bool with_csrf = true) {
    Call request{method, target, body, ""};
    request.headers.emplace_back("Cookie", login.cookie);
    if (with_csrf) request.headers.emplace_back(std::string(kCsrfHeader), login.csrf);
    return call(request);
  }
};

TEST_F(SessionApi, LoggingInSetsAStrictHttpOnlyCookieAndSaysWhoIsLoggedIn) {
  addLogin("ops@example.com", store::Role::kAdmin);
  Login login = logIn("OPS@example.com");
  ASSERT_EQ(login.reply.status, 200) << login.reply.body;
  std::string set_cookie = login.reply.header("Set-Cookie");
  EXPECT_THAT(set_cookie, HasSubstr("outpost_session="));
  EXPECT_THAT(set_cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(set_cookie, HasSubstr("SameSite=Strict"));
  EXPECT_THAT(set_cookie, HasSubstr("Path=/"));
  EXPECT_THAT(set_cookie, Not(HasSubstr("Secure")));
  EXPECT_EQ(login.reply.json().at("user").at("role").as_string(), "admin");
  EXPECT_FALSE(login.csrf.empty());

  Reply who = asSession(bhttp::verb::get, "/api/v1/session", login);
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(who.json().at("user").at("email").as_string(), "ops@example.com");
  EXPECT_EQ(who.json().at("csrf_token").as_string(), login.csrf);
  // The session works for the rest of the API too.
  EXPECT_EQ(asSession(bhttp::verb::get, "/api/v1/messages?view=sent", login).status, 200);
}

TEST_F(SessionApi, TheCookieIsSecureBehindATlsProxy) {
  addLogin("ops@example.com", store::Role::kAdmin);
  Login login = logIn("ops@example.com", kPassword, {{"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(login.reply.status, 200);
  EXPECT_THAT(login.reply.header("Set-Cookie"), HasSubstr("; Secure"));
}

TEST_F(SessionApi, AWrongPasswordAndAnUnknownEmailGetTheSameAnswer) {
  addLogin("ops@example.com", store::Role::kAdmin);
  Login wrong = logIn("ops@example.com", "not the password");
  Login unknown = logIn("nobody@example.com");
  EXPECT_EQ(wrong.reply.status, 401);
  EXPECT_EQ(unknown.reply.status, 401);
  EXPECT_EQ(wrong.reply.body, unknown.reply.body);
  EXPECT_EQ(wrong.reply.error(), "invalid_credentials");
  EXPECT_TRUE(wrong.reply.header("Set-Cookie").empty());
}

TEST_F(SessionApi, FiveFailuresBlockTheAccountEvenWithTheRightPassword) {
  addLogin("ops@example.com", store::Role::kAdmin);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(logIn("ops@example.com", "guess").reply.status, 401);
  Login blocked = logIn("ops@example.com");
  ASSERT_EQ(blocked.reply.status, 429) << blocked.reply.body;
  EXPECT_EQ(blocked.reply.error(), "rate_limited");
  EXPECT_THAT(std::string(blocked.reply.json().at("message").as_string()),
              HasSubstr("try again in 15 minutes"));
  int retry_after = std::stoi(blocked.reply.header("Retry-After"));
  EXPECT_GT(retry_after, 800);
  EXPECT_LE(retry_after, 900);
}

TEST_F(SessionApi, ChangesWithTheCookieNeedTheCsrfToken) {
  addLogin("ops@example.com", store::Role::kAdmin);
  Login login = logIn("ops@example.com");
  ASSERT_EQ(login.reply.status, 200);
  Reply without = asSession(bhttp::verb::post, "/api/v1/messages", login, message(), false);
  EXPECT_EQ(without.status, 403);
  EXPECT_EQ(without.error(), "csrf");
  Login forged = login;
  forged.csrf = "0000";
  EXPECT_EQ(asSession(bhttp::verb::post, "/api/v1/messages", forged, message()).status, 403);
  Reply with = asSession(bhttp::verb::post, "/api/v1/messages", login, message());
  EXPECT_EQ(with.status, 201) << with.body;
  // Reading needs no token; a Bearer key never does (a browser cannot send it cross-site).
  EXPECT_EQ(asSession(bhttp::verb::get, "/api/v1/session", login, "", false).status, 200);
  EXPECT_EQ(post("/api/v1/messages", message(), admin_key_).status, 201);
}

TEST_F(SessionApi, LoggingOutEndsTheSession) {
  addLogin("ops@example.com", store::Role::kAdmin);
  Login login = logIn("ops@example.com");
  Reply out = asSession(bhttp::verb::delete_, "/api/v1/session", login);
  EXPECT_EQ(out.status, 204);
  EXPECT_THAT(out.header("Set-Cookie"), HasSubstr("Max-Age=0"));
  EXPECT_EQ(asSession(bhttp::verb::get, "/api/v1/session", login).status, 401);
}

TEST_F(SessionApi, AnExpiredSessionNoLongerAuthenticates) {
  std::int64_t id = addLogin("ops@example.com", store::Role::kAdmin);
  ConsoleConfig console;  // 12 hours idle, 7 days in all
  const UnixMillis start = 1'800'000'000'000;
  store::Session session;
  session.token_hash = hashSessionToken("tokentoken");
  session.user_id = id;
  session.csrf_token = "csrf";
  session.created_at = start;
  session.last_seen_at = start;
  ASSERT_TRUE(store_->createSession(session));
  const UnixMillis hour = 3'600'000;
  auto fresh = authenticateSession(*store_, "tokentoken", console, start + 11 * hour);
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_EQ(fresh->user.email, "ops@example.com");
  // Used at 11 h, so still alive at 22 h; never past 7 days, however busy.
  EXPECT_TRUE(authenticateSession(*store_, "tokentoken", console, start + 22 * hour));
  auto idle = authenticateSession(*store_, "tokentoken", console, start + 35 * hour);
  ASSERT_FALSE(idle);
  EXPECT_EQ(idle.error().code, "unauthorized");
  // An expired session is gone for good.
  EXPECT_FALSE(authenticateSession(*store_, "tokentoken", console, start + 23 * hour));

  session.token_hash = hashSessionToken("othertoken");
  ASSERT_TRUE(store_->createSession(session));
  for (UnixMillis at = start; at < start + 7 * 24 * hour; at += 10 * hour) {
    ASSERT_TRUE(authenticateSession(*store_, "othertoken", console, at));
  }
  EXPECT_FALSE(authenticateSession(*store_, "othertoken", console, start + 7 * 24 * hour));
}

TEST_F(SessionApi, EveryRoleIsEnforcedByTheServer) {
  addLogin("user@example.com", store::Role::kUser);
  addLogin("auditor@example.com", store::Role::kAuditor);
  addLogin("admin@example.com", store::Role::kAdmin);
  Login user = logIn("user@example.com");
  Login auditor = logIn("auditor@example.com");
  Login admin = logIn("admin@example.com");
  for (const Login* login : {&user, &auditor, &admin}) {
    Reply settings = asSession(bhttp::verb::get, "/api/v1/settings/smtp", *login);
    EXPECT_EQ(settings.status, 403);
    EXPECT_THAT(std::string(settings.json().at("message").as_string()),
                HasSubstr("super admin permission is needed"));
    EXPECT_EQ(asSession(bhttp::verb::post, "/api/v1/users", *login,
                        R"({"email":"x@example.com","role":"superadmin"})")
                  .status,
              403);
  }
  // Auditors read accounts and the audit log and change nothing.
  EXPECT_EQ(asSession(bhttp::verb::get, "/api/v1/users", auditor).status, 200);
  EXPECT_EQ(asSession(bhttp::verb::get, "/api/v1/audit", auditor).status, 200);
  EXPECT_EQ(asSession(bhttp::verb::post, "/api/v1/messages", auditor, message()).status, 403);
  EXPECT_EQ(asSession(bhttp::verb::get, "/api/v1/users", admin).status, 403);
  EXPECT_EQ(asSession(bhttp::verb::get, "/api/v1/audit", user).status, 403);
  // Users see only their own mail.
  std::string admins_message = submit(admin_key_);
  EXPECT_EQ(asSession(bhttp::verb::get, "/api/v1/messages/" + admins_message, user).status, 404);
  EXPECT_EQ(asSession(bhttp::verb::get, "/api/v1/messages/" + admins_message, admin).status, 200);
}

TEST_F(SessionApi, ASuperAdminManagesUsersAndTheirPasswords) {
  addLogin("root2@example.com", store::Role::kSuperAdmin);
  Login root = logIn("root2@example.com");
  Reply created = asSession(bhttp::verb::post, "/api/v1/users", root,
                            R"({"email":"new@example.com","role":"user"})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string password(created.json().at("password").as_string());
  EXPECT_EQ(password.size(), 20u);
  std::int64_t id = created.json().at("user").at("id").as_int64();
  Login fresh = logIn("new@example.com", password);
  ASSERT_EQ(fresh.reply.status, 200);
  EXPECT_THAT(created.body, Not(HasSubstr("argon2")));

  Reply promoted = asSession(bhttp::verb::patch, "/api/v1/users/" + std::to_string(id), root,
                             R"({"role":"admin"})");
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(promoted.json().at("user").at("role").as_string(), "admin");
  // A changed role ends the user's sessions: it logs in again with its new rights.
  EXPECT_EQ(asSession(bhttp::verb::get, "/api/v1/session", fresh).status, 401);

  Reply duplicate = asSession(bhttp::verb::post, "/api/v1/users", root,
                              R"({"email":"NEW@example.com","role":"user"})");
  EXPECT_EQ(duplicate.status, 409);
  Reply invalid = asSession(bhttp::verb::post, "/api/v1/users", root,
                            R"({"email":"not an address","role":"king","password":"short"})");
  ASSERT_EQ(invalid.status, 400);
  EXPECT_EQ(invalid.json().at("errors").as_array().size(), 3u);

  EXPECT_EQ(asSession(bhttp::verb::delete_, "/api/v1/users/" + std::to_string(id), root).status,
            204);
  EXPECT_EQ(logIn("new@example.com", password).reply.status, 401);
  Reply users = asSession(bhttp::verb::get, "/api/v1/users", root);
  EXPECT_THAT(users.body, Not(HasSubstr("new@example.com")));
}

TEST_F(SessionApi, TheLastSuperAdminStaysAndNobodyDeletesThemselves) {
  std::int64_t only = admin_;  // root@example.com, the fixture's super admin
  store::User root = **store_->findUserById(only);
  root.password_hash = *hashPassword(kPassword);
  ASSERT_TRUE(store_->updateUser(root));
  Login login = logIn("root@example.com");
  Reply demote = asSession(bhttp::verb::patch, "/api/v1/users/" + std::to_string(only), login,
                           R"({"role":"admin"})");
  EXPECT_EQ(demote.status, 409);
  EXPECT_THAT(demote.body, HasSubstr("last super admin"));
  EXPECT_EQ(asSession(bhttp::verb::delete_, "/api/v1/users/" + std::to_string(only), login).status,
            409);
}

TEST_F(SessionApi, UsersChangeTheirOwnPasswordAndTheirOtherSessionsEnd) {
  addLogin("ops@example.com", store::Role::kUser);
  Login here = logIn("ops@example.com");
  Login elsewhere = logIn("ops@example.com");
  const std::string change =
      R"({"current_password":"correct horse battery","new_password":"a much better password"})";
  Reply wrong = asSession(bhttp::verb::put, "/api/v1/session/password", here,
                          R"({"current_password":"nope","new_password":"a much better password"})");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(asSession(bhttp::verb::put, "/api/v1/session/password", here, change).status, 204);
  EXPECT_EQ(asSession(bhttp::verb::get, "/api/v1/session", here).status, 200);
  EXPECT_EQ(asSession(bhttp::verb::get, "/api/v1/session", elsewhere).status, 401);
  EXPECT_EQ(logIn("ops@example.com", "a much better password").reply.status, 200);
}

TEST_F(SessionApi, AnApiKeyIsShownOnceAndWorksUntilDeleted) {
  addLogin("root2@example.com", store::Role::kSuperAdmin);
  std::int64_t owner = addLogin("app@example.com", store::Role::kUser);
  Login root = logIn("root2@example.com");
  Reply created = asSession(bhttp::verb::post, "/api/v1/apikeys", root,
                            json::serialize(json::object{{"name", "crm"},
                                                         {"scope", "send"},
                                                         {"domains", json::array{"Example.com"}},
                                                         {"user_id", owner}}));
  ASSERT_EQ(created.status, 201) << created.body;
  std::string key(created.json().at("key").as_string());
  EXPECT_TRUE(key.starts_with("op_"));
  EXPECT_EQ(created.json().at("api_key").at("user_email").as_string(), "app@example.com");
  EXPECT_EQ(created.json().at("api_key").at("domains").at(0).as_string(), "example.com");
  EXPECT_EQ(post("/api/v1/messages", message(), "Bearer " + key).status, 201);

  Reply listed = asSession(bhttp::verb::get, "/api/v1/apikeys", root);
  ASSERT_EQ(listed.status, 200);
  EXPECT_THAT(listed.body, HasSubstr("\"crm\""));
  EXPECT_THAT(listed.body, Not(HasSubstr(key.substr(16))));  // the secret
  std::int64_t id = created.json().at("api_key").at("id").as_int64();
  EXPECT_EQ(asSession(bhttp::verb::delete_, "/api/v1/apikeys/" + std::to_string(id), root).status,
            204);
  EXPECT_EQ(post("/api/v1/messages", message(), "Bearer " + key).status, 401);
}

TEST_F(SessionApi, UsersSeeOnlyTheirOwnKeys) {
  std::int64_t id = addLogin("ops@example.com", store::Role::kUser);
  addKey("ops-key", id, "full");
  Login login = logIn("ops@example.com");
  Reply listed = asSession(bhttp::verb::get, "/api/v1/apikeys", login);
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.json().at("items").as_array().size(), 1u);
  EXPECT_EQ(listed.json().at("items").at(0).at("name").as_string(), "ops-key");
  EXPECT_EQ(
      asSession(bhttp::verb::post, "/api/v1/apikeys", login, R"({"name":"mine","scope":"full"})")
          .status,
      403);
}

TEST_F(SessionApi, TheAuditLogSaysWhoChangedWhatWithoutSecrets) {
  addLogin("root2@example.com", store::Role::kSuperAdmin);
  Login root = logIn("root2@example.com");
  ASSERT_EQ(
      asSession(bhttp::verb::post, "/api/v1/users", root,
                R"({"email":"n@example.com","role":"auditor","password":"secret-password-1"})")
          .status,
      201);
  ASSERT_EQ(asSession(bhttp::verb::post, "/api/v1/apikeys", root, R"({"name":"k","scope":"full"})")
                .status,
            201);
  Reply audit = asSession(bhttp::verb::get, "/api/v1/audit?limit=10", root);
  ASSERT_EQ(audit.status, 200) << audit.body;
  const json::value answer = audit.json();
  const auto& items = answer.at("items").as_array();
  ASSERT_GE(items.size(), 3u);
  EXPECT_EQ(items.at(0).at("action").as_string(), "apikey.create");
  EXPECT_EQ(items.at(0).at("target").as_string(), "k");
  EXPECT_EQ(items.at(0).at("actor").as_string(), "root2@example.com");
  EXPECT_EQ(items.at(1).at("action").as_string(), "user.create");
  EXPECT_EQ(items.at(1).at("detail").as_string(), "role auditor");
  EXPECT_EQ(items.at(2).at("action").as_string(), "session.login");
  EXPECT_THAT(audit.body, Not(HasSubstr("secret-password-1")));
  EXPECT_THAT(audit.body, Not(HasSubstr("op_")));
}

}  // namespace
}  // namespace outpost::http::test
