// What the /api/v1/domains/{domain}/… resources (DKIM, SPF, DMARC) and the deliverability
// checklist share: the path's domain, checked as a DNS name before any lookup (it is untrusted),
// and the answer when no DNS resolver can be started for a request.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "http/api.h"

namespace outpost::http {

// The domain of the path (its first parameter), lowercased; nullopt, with the 400 in `error`,
// when it is no DNS name.
std::optional<std::string> pathDomain(const Context& context, Response& error);

// 503 "unavailable": the checks of this request cannot look anything up.
Response resolverUnavailable(const Error& error);

}  // namespace outpost::http
