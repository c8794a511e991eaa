// /api/v1/domains/{domain}/spf: the validation of a sending domain's SPF for the paths outpost
// sends from (relays, direct MX delivery), with findings and the record to publish, and a
// check_host() test for a given IP, HELO and sender (RFC 7208). Super admins only.
// Bodies and path values are untrusted: the domain is checked as a DNS name and the IP parsed
// before use; DNS answers are handled by mailauth/spf.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "core/text.h"
#include "delivery/dkim_keys.h"
#include "delivery/spf_checks.h"
#include "http/auth.h"
#include "http/domain_request.h"
#include "http/json_errors.h"
#include "http/request_json.h"
#include "http/router.h"
#include "io/blocking.h"

namespace outpost::http {

namespace {

namespace asio = boost::asio;
namespace spf = mailauth::spf;

bool hasBody(const Request& request) {
  return request.body.find_first_not_of(" \t\r\n") != std::string::npos;
}

// The DNS work of one request, on the strand its resolver is bound to.
asio::awaitable<void> runValidation(dns::Resolver& resolver, const Config& config,
                                    const delivery::SpfSetup& setup, const std::string& domain,
                                    delivery::SpfValidation& out) {
  out = co_await delivery::validateSpf(resolver, config, setup, domain);
}

asio::awaitable<void> runTest(dns::Resolver& resolver, const spf::CheckHostInput& input,
                              spf::CheckHostResult& out) {
  out = co_await delivery::testSpf(resolver, input);
}

asio::awaitable<Response> validateSpf(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  Response bad;
  auto domain = pathDomain(context, bad);
  if (!domain) co_return bad;
  if (hasBody(context.request)) {
    auto body = parseJsonBody(context.request.body);
    if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
    if (!body->is_object()) co_return invalidRequest({{"body", "must be a JSON object"}});
    std::vector<mime::FieldError> errors;
    FieldReader reader(body->get_object(), "", errors);
    reader.rejectUnknown({});
    if (!errors.empty()) co_return invalidRequest(errors);
  }
  const auto load = [&] {
    return delivery::loadSpfSetup(context.deps.relay_settings, context.deps.routing);
  };
  auto setup = co_await io::runBlocking(context.deps.blocking, load);
  if (!setup) co_return responseForError(setup.error());
  // c-ares is not thread-safe: this request's resolver and lookups share one strand.
  auto strand = asio::make_strand(context.io);
  auto resolver = context.deps.make_resolver(strand);
  if (!resolver) co_return resolverUnavailable(resolver.error());
  delivery::SpfValidation validation;
  auto work = runValidation(**resolver, context.deps.config, *setup, *domain, validation);
  co_await asio::co_spawn(strand, std::move(work), asio::use_awaitable);
  co_return jsonResponse(200, delivery::spfValidationJson(validation));
}

asio::awaitable<Response> testSpf(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  Response bad;
  auto domain = pathDomain(context, bad);
  if (!domain) co_return bad;
  auto body = parseJsonBody(hasBody(context.request) ? context.request.body : "{}");
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  if (!body->is_object()) co_return invalidRequest({{"body", "must be a JSON object"}});
  std::vector<mime::FieldError> errors;
  FieldReader reader(body->get_object(), "", errors);
  reader.rejectUnknown({"ip", "helo", "sender"});
  delivery::SpfTestInput test;
  if (auto ip = reader.string("ip", true)) {
    boost::system::error_code bad_ip;
    asio::ip::make_address(*ip, bad_ip);
    if (bad_ip) {
      reader.fail("ip", "must be an IPv4 or IPv6 address");
    } else {
      test.ip = std::move(*ip);
    }
  }
  if (auto helo = reader.string("helo")) {
    if (helo->empty() || helo->size() > 255 ||
        helo->find_first_of(" \t\r\n") != std::string::npos) {
      reader.fail("helo", "must be a host name (1 to 255 characters, no spaces)");
    } else {
      test.helo = std::move(*helo);
    }
  }
  if (auto sender = reader.string("sender")) {
    const auto at = sender->rfind('@');
    const std::string sender_domain =
        lowercase(at == std::string::npos ? *sender : sender->substr(at + 1));
    if (auto problem = delivery::dnsNameProblem(sender_domain, "the sender's domain");
        !problem.empty()) {
      reader.fail("sender", problem);
    } else {
      test.sender = std::move(*sender);
    }
  }
  if (!errors.empty()) co_return invalidRequest(errors);
  const spf::CheckHostInput input =
      delivery::spfTestInput(*domain, test, context.deps.config.hostname);
  auto strand = asio::make_strand(context.io);
  auto resolver = context.deps.make_resolver(strand);
  if (!resolver) co_return resolverUnavailable(resolver.error());
  spf::CheckHostResult result;
  auto work = runTest(**resolver, input, result);
  co_await asio::co_spawn(strand, std::move(work), asio::use_awaitable);
  co_return jsonResponse(200, delivery::spfTestJson(input, result));
}

}  // namespace

void addSpfRoutes(Router& router) {
  router.add("POST", "/api/v1/domains/{domain}/spf/validate", &validateSpf);
  router.add("POST", "/api/v1/domains/{domain}/spf/test", &testSpf);
}

}  // namespace outpost::http
