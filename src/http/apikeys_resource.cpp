// /api/v1/apikeys: the keys applications and SMTP clients use. Super admins create and delete
// them for any user; auditors read them all; everyone else with a full-scope credential reads
// their own. The key itself is answered once, at creation: only its hash is kept.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <map>
#include <string>

#include "core/credentials.h"
#include "core/text.h"
#include "delivery/dkim_keys.h"
#include "http/audit.h"
#include "http/auth.h"
#include "http/json_errors.h"
#include "http/request_json.h"
#include "http/router.h"
#include "http/users_json.h"
#include "io/blocking.h"

namespace outpost::http {

namespace {

constexpr std::size_t kMaxDomains = 100;

// The name is also the SMTP AUTH user name: printable, no spaces, easy to type.
bool isValidKeyName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '@';
    if (!allowed) return false;
  }
  return true;
}

std::string describeKey(const store::ApiKey& key, std::string_view owner) {
  std::string detail = "scope " + key.scope + ", owner " + std::string(owner);
  if (!key.domains.empty()) {
    detail += ", domains ";
    for (std::size_t i = 0; i < key.domains.size(); ++i) {
      detail += (i ? "," : "") + key.domains[i];
    }
  }
  return detail;
}

boost::asio::awaitable<Response> listApiKeys(Context& context) {
  const Principal& principal = *context.principal;
  if (!principal.fullScope()) co_return forbidden("a send-scoped key cannot list keys");
  std::optional<std::int64_t> owner;
  if (!mayReadAccounts(principal)) owner = principal.user.id;
  using Listing = std::pair<std::vector<store::ApiKey>, std::map<std::int64_t, std::string>>;
  auto list = [&]() -> Result<Listing> {
    auto keys = context.deps.store.listApiKeys(owner);
    if (!keys) return keys.takeError();
    auto users = context.deps.store.listUsers();
    if (!users) return users.takeError();
    std::map<std::int64_t, std::string> emails;
    for (const auto& user : *users) emails.emplace(user.id, user.email);
    return Listing{std::move(*keys), std::move(emails)};
  };
  auto listing = co_await io::runBlocking(context.deps.blocking, list);
  if (!listing) co_return responseForError(listing.error());
  boost::json::array items;
  for (const auto& key : listing->first) {
    auto email = listing->second.find(key.user_id);
    items.push_back(apiKeyJson(key, email == listing->second.end() ? "" : email->second));
  }
  co_return jsonResponse(200, boost::json::object{{"items", std::move(items)}});
}

boost::asio::awaitable<Response> createApiKey(Context& context) {
  if (!mayManageAccounts(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  std::vector<mime::FieldError> errors;
  store::ApiKey key;
  key.user_id = context.principal->user.id;
  if (!body->is_object()) {
    errors.push_back({"body", "must be a JSON object"});
  } else {
    FieldReader reader(body->get_object(), "", errors);
    reader.rejectUnknown({"name", "scope", "domains", "user_id"});
    if (auto name = reader.string("name", true)) {
      if (!isValidKeyName(*name)) {
        reader.fail("name", "must be 1 to 64 letters, digits, '.', '_', '-' or '@'");
      }
      key.name = std::move(*name);
    }
    if (auto scope = reader.string("scope", true)) {
      if (*scope != "send" && *scope != "full") reader.fail("scope", "must be send or full");
      key.scope = std::move(*scope);
    }
    if (auto domains = reader.strings("domains")) {
      if (domains->size() > kMaxDomains) reader.fail("domains", "must name at most 100 domains");
      for (std::size_t i = 0; i < domains->size(); ++i) {
        std::string domain = lowercase((*domains)[i]);
        if (auto problem = delivery::dnsNameProblem(domain, "the domain"); !problem.empty()) {
          reader.fail(indexPath("domains", i), problem);
        }
        key.domains.push_back(std::move(domain));
      }
    }
    if (auto user_id = reader.integer("user_id")) key.user_id = *user_id;
  }
  if (!errors.empty()) co_return invalidRequest(errors);

  const ApiKeyToken token = generateApiKey();
  key.prefix = token.prefix;
  key.secret_hash = hashApiKeySecret(token.secret);
  key.created_at = context.deps.clock.now();
  std::string owner_email;
  auto create = [&]() -> Result<std::optional<store::ApiKey>> {
    auto owner = context.deps.store.findUserById(key.user_id);
    if (!owner) return owner.takeError();
    if (!owner->has_value()) return std::optional<store::ApiKey>();
    owner_email = (*owner)->email;
    auto created = context.deps.store.createApiKey(key);
    if (!created) return created.takeError();
    return std::optional<store::ApiKey>(std::move(*created));
  };
  auto created = co_await io::runBlocking(context.deps.blocking, create);
  if (!created) co_return responseForError(created.error());
  if (!created->has_value()) co_return invalidRequest({{"user_id", "no such user"}});
  co_await recordAudit(context, "apikey.create", key.name, describeKey(**created, owner_email));
  co_return jsonResponse(201, boost::json::object{{"api_key", apiKeyJson(**created, owner_email)},
                                                  {"key", token.text()}});
}

boost::asio::awaitable<Response> deleteApiKey(Context& context) {
  if (!mayManageAccounts(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  auto id = parsePathId(context.request.params.at(0));
  if (!id) co_return errorResponse(404, "not_found", "no such API key");
  std::string name;
  auto remove = [&]() -> Result<bool> {
    auto keys = context.deps.store.listApiKeys(std::nullopt);
    if (!keys) return keys.takeError();
    for (const auto& key : *keys) {
      if (key.id == *id) name = key.name;
    }
    return context.deps.store.deleteApiKey(*id);
  };
  auto removed = co_await io::runBlocking(context.deps.blocking, remove);
  if (!removed) co_return responseForError(removed.error());
  if (!*removed) co_return errorResponse(404, "not_found", "no such API key");
  co_await recordAudit(context, "apikey.delete", name, "");
  co_return Response{204, "application/json", "", {}};
}

}  // namespace

void addApiKeyRoutes(Router& router) {
  router.add("GET", "/api/v1/apikeys", &listApiKeys);
  router.add("POST", "/api/v1/apikeys", &createApiKey);
  router.add("DELETE", "/api/v1/apikeys/{id}", &deleteApiKey);
}

}  // namespace outpost::http
