// /api/v1/domains/{domain}/dmarc/validate: the DMARC policy of a sending domain (RFC 7489), the
// alignment of outpost's DKIM d= and MAIL FROM domain with it, and the record to publish.
// Super admins only. The path's domain is untrusted: checked as a DNS name before any lookup;
// DNS answers are handled by delivery/dmarc_checks.h.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <string>

#include "core/text.h"
#include "delivery/dkim_keys.h"
#include "delivery/dmarc_checks.h"
#include "http/auth.h"
#include "http/domain_request.h"
#include "http/json_errors.h"
#include "http/request_json.h"
#include "http/router.h"

namespace outpost::http {

namespace {

namespace asio = boost::asio;

// The DNS work of one request, on the strand its resolver is bound to.
boost::asio::awaitable<void> runCheck(Context& context, dns::Resolver& resolver,
                                      const std::string& domain,
                                      std::optional<delivery::DmarcReport>& out) {
  auto report = co_await delivery::checkDmarc(context.deps.store, context.deps.config, resolver,
                                              domain, context.deps.blocking);
  out.emplace(std::move(report));
}

boost::asio::awaitable<Response> validateDmarc(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  Response bad;
  const auto domain = pathDomain(context, bad);
  if (!domain) co_return bad;
  // The body is optional; when given it must be an empty object (room for options later).
  if (context.request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto body = parseJsonBody(context.request.body);
    if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
    if (!body->is_object()) co_return invalidRequest({{"body", "must be a JSON object"}});
    std::vector<mime::FieldError> errors;
    FieldReader reader(body->get_object(), "", errors);
    reader.rejectUnknown({});
    if (!errors.empty()) co_return invalidRequest(errors);
  }
  // c-ares is not thread-safe: this request's resolver and lookups share one strand.
  auto strand = asio::make_strand(context.io);
  auto resolver = context.deps.make_resolver(strand);
  if (!resolver) co_return resolverUnavailable(resolver.error());
  std::optional<delivery::DmarcReport> report;
  auto work = runCheck(context, **resolver, *domain, report);
  co_await asio::co_spawn(strand, std::move(work), asio::use_awaitable);
  co_return jsonResponse(200, delivery::dmarcReportJson(*report));
}

}  // namespace

void addDmarcRoutes(Router& router) {
  router.add("POST", "/api/v1/domains/{domain}/dmarc/validate", &validateDmarc);
}

}  // namespace outpost::http
