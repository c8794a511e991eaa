// /api/v1/users: the console's accounts. Super admins list, create, change and delete them;
// auditors list them. The last super admin can be neither demoted nor deleted, and nobody
// deletes their own account, so the console can never be left without an administrator.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "core/credentials.h"
#include "http/audit.h"
#include "http/auth.h"
#include "http/json_errors.h"
#include "http/request_json.h"
#include "http/router.h"
#include "http/users_json.h"
#include "io/blocking.h"
#include "mime/address.h"

namespace outpost::http {

namespace {

std::optional<store::Role> readRole(FieldReader& reader, bool required) {
  auto text = reader.string("role", required);
  if (!text) return std::nullopt;
  auto role = store::parseRole(*text);
  if (!role) reader.fail("role", "must be superadmin, admin, user or auditor");
  return role;
}

// How many super admins there are (to keep at least one).
Result<int> countSuperAdmins(store::Store& store) {
  auto users = store.listUsers();
  if (!users) return users.takeError();
  int count = 0;
  for (const auto& user : *users) count += user.role == store::Role::kSuperAdmin ? 1 : 0;
  return count;
}

boost::asio::awaitable<Response> listUsers(Context& context) {
  if (!mayReadAccounts(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  auto list = [&] { return context.deps.store.listUsers(); };
  auto users = co_await io::runBlocking(context.deps.blocking, list);
  if (!users) co_return responseForError(users.error());
  boost::json::array items;
  for (const auto& user : *users) items.push_back(userJson(user));
  co_return jsonResponse(200, boost::json::object{{"items", std::move(items)}});
}

boost::asio::awaitable<Response> createUser(Context& context) {
  if (!mayManageAccounts(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  std::vector<mime::FieldError> errors;
  store::User user;
  std::string password;
  bool generated = false;
  if (!body->is_object()) {
    errors.push_back({"body", "must be a JSON object"});
  } else {
    FieldReader reader(body->get_object(), "", errors);
    reader.rejectUnknown({"email", "role", "password"});
    if (auto email = reader.string("email", true)) {
      if (!mime::isValidSmtpAddress(*email)) {
        reader.fail("email", "is not a valid address (user@example.org)");
      }
      user.email = std::move(*email);
    }
    if (auto role = readRole(reader, true)) user.role = *role;
    if (auto given = reader.string("password")) {
      if (auto problem = passwordProblem(*given)) reader.fail("password", *problem);
      password = std::move(*given);
    } else {
      password = generatePassword();
      generated = true;
    }
  }
  if (!errors.empty()) co_return invalidRequest(errors);
  user.created_at = context.deps.clock.now();
  auto create = [&]() -> Result<store::User> {
    auto hashed = hashPassword(password);
    if (!hashed) return hashed.takeError();
    user.password_hash = std::move(*hashed);
    return context.deps.store.createUser(user);
  };
  auto created = co_await io::runBlocking(context.deps.blocking, create);
  if (!created) co_return responseForError(created.error());
  co_await recordAudit(context, "user.create", created->email,
                       "role " + std::string(store::toString(created->role)));
  boost::json::object answer{{"user", userJson(*created)}};
  // Shown once: only its hash is kept.
  if (generated) answer["password"] = password;
  co_return jsonResponse(201, answer);
}

boost::asio::awaitable<Response> updateUser(Context& context) {
  if (!mayManageAccounts(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  auto id = parsePathId(context.request.params.at(0));
  if (!id) co_return errorResponse(404, "not_found", "no such user");
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  std::vector<mime::FieldError> errors;
  std::optional<store::Role> role;
  std::optional<std::string> password;
  if (!body->is_object()) {
    errors.push_back({"body", "must be a JSON object"});
  } else {
    FieldReader reader(body->get_object(), "", errors);
    reader.rejectUnknown({"role", "password"});
    role = readRole(reader, false);
    password = reader.string("password");
    if (password) {
      if (auto problem = passwordProblem(*password)) reader.fail("password", *problem);
    }
  }
  if (!errors.empty()) co_return invalidRequest(errors);

  store::Store& store = context.deps.store;
  std::string refusal;
  std::string change;
  auto update = [&]() -> Result<std::optional<store::User>> {
    auto found = store.findUserById(*id);
    if (!found) return found.takeError();
    if (!found->has_value()) return std::optional<store::User>();
    store::User user = **found;
    if (role && *role != user.role) {
      if (user.role == store::Role::kSuperAdmin) {
        auto count = countSuperAdmins(store);
        if (!count) return count.takeError();
        if (*count <= 1) {
          refusal = user.email + " is the last super admin; make another one first";
          return std::optional<store::User>(user);
        }
      }
      change = "role " + std::string(store::toString(user.role)) + " → " +
               std::string(store::toString(*role));
      user.role = *role;
    }
    if (password) {
      auto hashed = hashPassword(*password);
      if (!hashed) return hashed.takeError();
      user.password_hash = std::move(*hashed);
      change += std::string(change.empty() ? "" : ", ") + "password reset";
    }
    if (change.empty()) return std::optional<store::User>(user);
    if (auto updated = store.updateUser(user); !updated) return updated.takeError();
    // A changed role or password takes effect at once: the user logs in again.
    if (auto ended = store.deleteUserSessions(user.id); !ended) return ended.takeError();
    return std::optional<store::User>(user);
  };
  auto updated = co_await io::runBlocking(context.deps.blocking, update);
  if (!updated) co_return responseForError(updated.error());
  if (!updated->has_value()) co_return errorResponse(404, "not_found", "no such user");
  if (!refusal.empty()) co_return errorResponse(409, "conflict", refusal);
  if (!change.empty()) co_await recordAudit(context, "user.update", (*updated)->email, change);
  co_return jsonResponse(200, boost::json::object{{"user", userJson(**updated)}});
}

boost::asio::awaitable<Response> deleteUser(Context& context) {
  if (!mayManageAccounts(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  auto id = parsePathId(context.request.params.at(0));
  if (!id) co_return errorResponse(404, "not_found", "no such user");
  if (*id == context.principal->user.id) {
    co_return errorResponse(409, "conflict", "you cannot delete your own account");
  }
  store::Store& store = context.deps.store;
  std::string refusal;
  auto remove = [&]() -> Result<std::optional<store::User>> {
    auto found = store.findUserById(*id);
    if (!found) return found.takeError();
    if (!found->has_value()) return std::optional<store::User>();
    if ((*found)->role == store::Role::kSuperAdmin) {
      auto count = countSuperAdmins(store);
      if (!count) return count.takeError();
      if (*count <= 1) {
        refusal = (*found)->email + " is the last super admin";
        return found;
      }
    }
    if (auto removed = store.deleteUser(*id); !removed) return removed.takeError();
    return found;
  };
  auto removed = co_await io::runBlocking(context.deps.blocking, remove);
  if (!removed) co_return responseForError(removed.error());
  if (!removed->has_value()) co_return errorResponse(404, "not_found", "no such user");
  if (!refusal.empty()) co_return errorResponse(409, "conflict", refusal);
  co_await recordAudit(context, "user.delete", (*removed)->email, "with its API keys and sessions");
  co_return Response{204, "application/json", "", {}};
}

}  // namespace

void addUserRoutes(Router& router) {
  router.add("GET", "/api/v1/users", &listUsers);
  router.add("POST", "/api/v1/users", &createUser);
  router.add("PATCH", "/api/v1/users/{id}", &updateUser);
  router.add("DELETE", "/api/v1/users/{id}", &deleteUser);
}

}  // namespace outpost::http
