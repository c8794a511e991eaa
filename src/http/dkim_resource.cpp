// /api/v1/domains/{domain}/dkim: the DKIM keys of a sending domain (list, generate or import,
// activate, delete), the validation of their DNS records and a sign-and-verify test (RFC 6376).
// Super admins only. Private keys are write-only: imported PEM goes to the repository, which
// seals it; no answer carries one. Bodies and path values are untrusted: names are checked as DNS
// labels before use, DNS answers are handled by delivery/dkim_checks.h.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/text.h"
#include "http/audit.h"
#include "http/auth.h"
#include "http/domain_request.h"
#include "http/json_errors.h"
#include "http/request_json.h"
#include "http/router.h"
#include "io/blocking.h"
#include "mailauth/dkim/key_material.h"
#include "mailauth/dkim/key_record.h"

namespace outpost::http {

namespace {

namespace asio = boost::asio;
namespace dkim = mailauth::dkim;

boost::json::value timeJson(const std::optional<UnixMillis>& at) {
  if (!at) return nullptr;
  return boost::json::string(formatRfc3339(*at));
}

boost::json::object keyJson(const store::DkimKey& key) {
  return boost::json::object{
      {"domain", key.domain},
      {"selector", key.selector},
      {"algorithm", key.algorithm},
      {"key_bits", key.bits},
      {"state", key.state},
      {"created_at", formatRfc3339(key.created_at)},
      {"activated_at", timeJson(key.activated_at)},
      {"retired_at", timeJson(key.retired_at)},
      {"validated_at", timeJson(key.validated_at)},
      {"last_validation", key.last_validation.empty() ? boost::json::value(nullptr)
                                                      : boost::json::value(key.last_validation)},
      {"record", delivery::publishRecordJson(key.domain, key.selector, key.public_record)},
  };
}

// The answer when the domain has no key the operation can use.
Response noKey(const Error& error, bool selector_given) {
  if (selector_given) return errorResponse(404, "not_found", error.message);
  return errorResponse(409, "no_key",
                       error.message + ": create one with POST /api/v1/domains/{domain}/dkim/keys");
}

boost::asio::awaitable<Response> listKeys(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  Response bad;
  auto domain = pathDomain(context, bad);
  if (!domain) co_return bad;
  const auto load = [&] { return context.deps.dkim_keys.list(*domain); };
  auto keys = co_await io::runBlocking(context.deps.blocking, load);
  if (!keys) co_return responseForError(keys.error());
  boost::json::array items;
  for (const auto& key : *keys) items.push_back(keyJson(key));
  co_return jsonResponse(200, boost::json::object{{"items", std::move(items)}});
}

// The key a POST body asks for; nullopt with field errors when it is unusable.
std::optional<delivery::NewDkimKey> readNewKey(const boost::json::value& body,
                                               std::vector<mime::FieldError>& errors) {
  if (!body.is_object()) {
    errors.push_back({"body", "must be a JSON object"});
    return std::nullopt;
  }
  const std::size_t errors_before = errors.size();
  FieldReader reader(body.get_object(), "", errors);
  reader.rejectUnknown({"selector", "algorithm", "private_key_pem", "activate"});
  delivery::NewDkimKey request;
  if (auto selector = reader.string("selector")) request.selector = std::move(*selector);
  if (auto pem = reader.string("private_key_pem")) {
    if (pem->empty()) reader.fail("private_key_pem", "is empty");
    request.private_key_pem = std::move(*pem);
  }
  if (auto algorithm = reader.string("algorithm")) {
    if (!request.private_key_pem.empty()) {
      reader.fail("algorithm", "must be absent when private_key_pem is given (the key decides)");
    } else if (*algorithm == "ed25519") {
      request.algorithm = dkim::KeyAlgorithm::kEd25519Sha256;
    } else if (*algorithm == "rsa-2048" || *algorithm == "rsa-3072" || *algorithm == "rsa-4096") {
      request.algorithm = dkim::KeyAlgorithm::kRsaSha256;
      request.rsa_bits = std::stoi(algorithm->substr(4));
    } else {
      reader.fail("algorithm", "must be rsa-2048, rsa-3072, rsa-4096 or ed25519");
    }
  }
  if (auto activate = reader.boolean("activate")) request.activate = *activate;
  if (!request.selector.empty()) {
    if (auto problem = delivery::dnsNameProblem(lowercase(request.selector), "the selector");
        !problem.empty()) {
      reader.fail("selector", problem);
    }
  }
  if (errors.size() != errors_before) return std::nullopt;
  return request;
}

boost::asio::awaitable<Response> addKey(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  Response bad;
  auto domain = pathDomain(context, bad);
  if (!domain) co_return bad;
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  std::vector<mime::FieldError> errors;
  auto request = readNewKey(*body, errors);
  if (!request) co_return invalidRequest(errors);
  request->domain = *domain;
  // Generating an RSA key takes a while: on the pool, never on the I/O threads.
  const auto add = [&] { return context.deps.dkim_keys.add(*request); };
  auto added = co_await io::runBlocking(context.deps.blocking, add);
  if (!added) {
    const Error& error = added.error();
    if (error.code == dkim::kKeyRefused) {
      const char* field = request->private_key_pem.empty() ? "algorithm" : "private_key_pem";
      co_return invalidRequest({{field, error.message}});
    }
    if (error.code == "invalid_request") {
      const char* field = error.message.starts_with("the selector") ? "selector" : "domain";
      co_return invalidRequest({{field, error.message}});
    }
    if (error.code == "conflict") {
      co_return errorResponse(409, "conflict", error.message,
                              {{"selector", "is taken for this domain"}});
    }
    co_return responseForError(error);
  }
  co_await recordAudit(context, "dkim.generate", *domain,
                       "selector " + added->selector + ", " + added->algorithm +
                           (request->private_key_pem.empty() ? "" : " (imported)"));
  co_return jsonResponse(201, keyJson(*added));
}

// The stored key with its sealed private key blanked, or the error response.
boost::asio::awaitable<std::optional<store::DkimKey>> findKey(Context& context,
                                                              const std::string& domain,
                                                              const std::string& selector,
                                                              Response& error) {
  const auto find = [&] { return context.deps.store.findDkimKey(domain, selector); };
  auto found = co_await io::runBlocking(context.deps.blocking, find);
  if (!found) {
    error = responseForError(found.error());
    co_return std::nullopt;
  }
  if (!found->has_value()) {
    error = errorResponse(404, "not_found",
                          "no DKIM key with selector \"" + selector + "\" for " + domain);
    co_return std::nullopt;
  }
  store::DkimKey key = std::move(**found);
  key.sealed_private_key.clear();
  co_return key;
}

boost::asio::awaitable<Response> activateKey(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  Response bad;
  auto domain = pathDomain(context, bad);
  if (!domain) co_return bad;
  const std::string selector = lowercase(context.request.params.at(1));
  const auto activate = [&] { return context.deps.dkim_keys.activate(*domain, selector); };
  auto activated = co_await io::runBlocking(context.deps.blocking, activate);
  if (!activated) co_return responseForError(activated.error());
  co_await recordAudit(context, "dkim.activate", *domain, "selector " + selector);
  auto key = co_await findKey(context, *domain, selector, bad);
  if (!key) co_return bad;
  co_return jsonResponse(200, keyJson(*key));
}

boost::asio::awaitable<Response> deleteKey(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  Response bad;
  auto domain = pathDomain(context, bad);
  if (!domain) co_return bad;
  const std::string selector = lowercase(context.request.params.at(1));
  const auto remove = [&] { return context.deps.dkim_keys.remove(*domain, selector); };
  auto removed = co_await io::runBlocking(context.deps.blocking, remove);
  if (!removed) co_return responseForError(removed.error());
  if (!*removed) {
    co_return errorResponse(404, "not_found",
                            "no DKIM key with selector \"" + selector + "\" for " + *domain);
  }
  co_await recordAudit(context, "dkim.delete", *domain, "selector " + selector);
  co_return Response{204, "application/json", "", {}};
}

// The DNS work of one request, on the strand its resolver is bound to.
boost::asio::awaitable<void> runValidation(
    delivery::DkimChecks& checks, dns::Resolver& resolver, const std::string& domain,
    const std::optional<std::string>& selector,
    std::optional<Result<std::vector<delivery::DkimKeyCheck>>>& out) {
  auto result = co_await checks.validate(resolver, domain, selector);
  out.emplace(std::move(result));
}

boost::asio::awaitable<void> runTest(delivery::DkimChecks& checks, dns::Resolver& resolver,
                                     const std::string& domain,
                                     std::optional<Result<delivery::DkimTestReport>>& out) {
  auto result = co_await checks.test(resolver, domain);
  out.emplace(std::move(result));
}

boost::asio::awaitable<Response> validateKeys(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  Response bad;
  auto domain = pathDomain(context, bad);
  if (!domain) co_return bad;
  std::optional<std::string> selector;
  if (context.request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto body = parseJsonBody(context.request.body);
    if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
    if (!body->is_object()) co_return invalidRequest({{"body", "must be a JSON object"}});
    std::vector<mime::FieldError> errors;
    FieldReader reader(body->get_object(), "", errors);
    reader.rejectUnknown({"selector"});
    selector = reader.string("selector");
    if (selector) *selector = lowercase(*selector);
    if (!errors.empty()) co_return invalidRequest(errors);
  }
  // c-ares is not thread-safe: this request's resolver and lookups share one strand.
  auto strand = asio::make_strand(context.io);
  auto resolver = context.deps.make_resolver(strand);
  if (!resolver) co_return resolverUnavailable(resolver.error());
  std::optional<Result<std::vector<delivery::DkimKeyCheck>>> checks;
  auto work = runValidation(context.deps.dkim_checks, **resolver, *domain, selector, checks);
  co_await asio::co_spawn(strand, std::move(work), asio::use_awaitable);
  if (!*checks) {
    const Error& error = checks->error();
    if (error.code == "not_found") co_return noKey(error, selector.has_value());
    co_return responseForError(error);
  }
  bool ok = true;
  boost::json::array keys;
  for (const auto& check : **checks) {
    ok = ok && check.valid;
    keys.push_back(delivery::keyCheckJson(check));
  }
  co_return jsonResponse(200, boost::json::object{{"domain", *domain}, {"ok", ok}, {"keys", keys}});
}

boost::asio::awaitable<Response> testKeys(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  Response bad;
  auto domain = pathDomain(context, bad);
  if (!domain) co_return bad;
  auto strand = asio::make_strand(context.io);
  auto resolver = context.deps.make_resolver(strand);
  if (!resolver) co_return resolverUnavailable(resolver.error());
  std::optional<Result<delivery::DkimTestReport>> report;
  auto work = runTest(context.deps.dkim_checks, **resolver, *domain, report);
  co_await asio::co_spawn(strand, std::move(work), asio::use_awaitable);
  if (!*report) {
    const Error& error = report->error();
    if (error.code == "not_found") co_return noKey(error, false);
    co_return responseForError(error);
  }
  co_return jsonResponse(200, delivery::testReportJson(**report));
}

}  // namespace

void addDkimRoutes(Router& router) {
  router.add("GET", "/api/v1/domains/{domain}/dkim/keys", &listKeys);
  router.add("POST", "/api/v1/domains/{domain}/dkim/keys", &addKey);
  router.add("POST", "/api/v1/domains/{domain}/dkim/keys/{selector}/activate", &activateKey);
  router.add("DELETE", "/api/v1/domains/{domain}/dkim/keys/{selector}", &deleteKey);
  router.add("POST", "/api/v1/domains/{domain}/dkim/validate", &validateKeys);
  router.add("POST", "/api/v1/domains/{domain}/dkim/test", &testKeys);
}

}  // namespace outpost::http
