// DMARC policy discovery (RFC 7489 §6.6.3) through the dns Resolver.
#include "mailauth/dmarc/policy.h"

namespace outpost::mailauth::dmarc {

namespace {

// Looks up one _dmarc name; true when discovery must stop there (records found or a failure).
boost::asio::awaitable<bool> lookAt(dns::Resolver& resolver, const std::string& name,
                                    PolicyLocation location, PolicyDiscovery& out) {
  out.names_queried.push_back(name);
  auto answer = co_await resolver.lookupTxt(name);
  if (!answer) {
    const Error& error = answer.error();
    // No such name or no TXT there: the set is empty (§6.6.3 step 3 goes on).
    if (error.code == dns::kNxdomain || error.code == dns::kNodata) co_return false;
    out.error = error;
    out.name = name;
    co_return true;
  }
  std::vector<std::string> found;
  for (const auto& text : answer->records) {
    if (isDmarcRecord(text)) {
      found.push_back(text);
    } else {
      out.ignored_txt.push_back(text);
    }
  }
  if (found.empty()) co_return false;
  out.location = location;
  out.name = name;
  out.records = std::move(found);
  if (out.records.size() == 1) out.parsed = parseRecord(out.records.front());
  co_return true;
}

}  // namespace

std::string_view policyLocationName(PolicyLocation location) {
  return location == PolicyLocation::kDomain ? "domain" : "organizational_domain";
}

boost::asio::awaitable<PolicyDiscovery> discoverPolicy(dns::Resolver& resolver,
                                                       const std::string& domain,
                                                       const PublicSuffixList& suffixes) {
  PolicyDiscovery out;
  out.domain = canonicalName(domain);
  out.organizational_domain = suffixes.organizationalDomain(out.domain).value_or("");
  const std::string at_domain = "_dmarc." + out.domain;
  if (co_await lookAt(resolver, at_domain, PolicyLocation::kDomain, out)) co_return out;
  if (out.organizational_domain.empty() || out.organizational_domain == out.domain) co_return out;
  const std::string at_organization = "_dmarc." + out.organizational_domain;
  co_await lookAt(resolver, at_organization, PolicyLocation::kOrganizationalDomain, out);
  co_return out;
}

}  // namespace outpost::mailauth::dmarc
