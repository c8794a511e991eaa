// GET /api/v1/deliverability: the checklist of every sending domain (or of the `domain` query
// values): SMTP, SPF, DKIM and DMARC, each ok | warning | missing | error with the reason and
// the next step (delivery/deliverability.h). Everyone whose key acts as its user may read it:
// the console's Overview shows it to every role. Query values are untrusted: each domain is
// checked as a DNS name before any lookup.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/text.h"
#include "delivery/deliverability.h"
#include "delivery/dkim_keys.h"
#include "http/auth.h"
#include "http/domain_request.h"
#include "http/json_errors.h"
#include "http/router.h"

namespace outpost::http {

namespace {

namespace asio = boost::asio;

// At most this many domains per request: each costs a few dozen DNS lookups.
constexpr std::size_t kMaxDomains = 50;

asio::awaitable<void> runChecklist(delivery::DeliverabilityChecks& checks, dns::Resolver& resolver,
                                   const std::vector<std::string>& domains,
                                   std::optional<Result<delivery::Deliverability>>& out) {
  auto result = co_await checks.check(resolver, domains);
  out.emplace(std::move(result));
}

asio::awaitable<Response> getDeliverability(Context& context) {
  if (!context.principal->fullScope()) {
    co_return forbidden("a send-scoped key cannot read the deliverability checklist");
  }
  std::vector<std::string> domains;
  std::vector<mime::FieldError> errors;
  for (const auto& [name, value] : context.request.query) {
    if (name != "domain") {
      errors.push_back({name, "unknown query parameter (only \"domain\")"});
      continue;
    }
    std::string domain = lowercase(value);
    if (auto problem = delivery::dnsNameProblem(domain, "the domain"); !problem.empty()) {
      errors.push_back({"domain", problem});
    } else if (std::find(domains.begin(), domains.end(), domain) == domains.end()) {
      domains.push_back(std::move(domain));
    }
  }
  if (domains.size() > kMaxDomains) {
    errors.push_back({"domain", "at most " + std::to_string(kMaxDomains) + " domains at once"});
  }
  if (!errors.empty()) co_return invalidRequest(errors);

  // c-ares is not thread-safe: this request's resolver and lookups share one strand.
  auto strand = asio::make_strand(context.io);
  auto resolver = context.deps.make_resolver(strand);
  if (!resolver) co_return resolverUnavailable(resolver.error());
  const Dependencies& deps = context.deps;
  delivery::DeliverabilityChecks checks(deps.store, deps.relay_settings, deps.routing, deps.config,
                                        deps.clock, deps.blocking);
  std::optional<Result<delivery::Deliverability>> result;
  auto work = runChecklist(checks, **resolver, domains, result);
  co_await asio::co_spawn(strand, std::move(work), asio::use_awaitable);
  if (!*result) co_return responseForError(result->error());
  co_return jsonResponse(200, delivery::deliverabilityJson(**result));
}

}  // namespace

void addDeliverabilityRoutes(Router& router) {
  router.add("GET", "/api/v1/deliverability", &getDeliverability);
}

}  // namespace outpost::http
