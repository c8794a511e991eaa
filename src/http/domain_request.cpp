// See domain_request.h.
#include "http/domain_request.h"

#include "core/text.h"
#include "delivery/dkim_keys.h"
#include "http/json_errors.h"

namespace outpost::http {

std::optional<std::string> pathDomain(const Context& context, Response& error) {
  std::string domain = lowercase(context.request.params.at(0));
  if (auto problem = delivery::dnsNameProblem(domain, "the domain"); !problem.empty()) {
    error = invalidRequest({{"domain", problem}});
    return std::nullopt;
  }
  return domain;
}

Response resolverUnavailable(const Error& error) {
  return errorResponse(503, "unavailable", "cannot start a DNS resolver: " + error.message);
}

}  // namespace outpost::http
