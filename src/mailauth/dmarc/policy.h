// DMARC policy discovery (RFC 7489 §6.6.3): the TXT records at _dmarc.<From domain>, then, when
// none is a DMARC record, at _dmarc.<organizational domain> (§3.2, Public Suffix List). Several
// DMARC records at the name mean no policy; a DNS failure other than "no such name / no such
// record" stops discovery and is kept with its code, text and whether it is temporary.
// SECURITY: TXT answers are untrusted; they are parsed by record.h and quoted, never executed.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "dns/resolver.h"
#include "mailauth/dmarc/public_suffix.h"
#include "mailauth/dmarc/record.h"

namespace outpost::mailauth::dmarc {

enum class PolicyLocation { kDomain, kOrganizationalDomain };
// "domain", "organizational_domain".
std::string_view policyLocationName(PolicyLocation location);

struct PolicyDiscovery {
  // The From domain asked about and its organizational domain ("" when the From domain is a
  // public suffix itself), lowercase.
  std::string domain;
  std::string organizational_domain;
  // The _dmarc names queried, in order.
  std::vector<std::string> names_queried;
  // Where the DMARC record(s) were found; empty when none was.
  std::optional<PolicyLocation> location;
  std::string name;  // the _dmarc name of `location`
  // Every DMARC record (v=DMARC1 first) at that name, and the other TXT records seen at the
  // names queried (ignored, §6.6.3 step 5).
  std::vector<std::string> records;
  std::vector<std::string> ignored_txt;
  // Exactly one DMARC record: it and its parse.
  std::optional<ParsedRecord> parsed;
  // The DNS failure that stopped discovery (temporary ones: SERVFAIL, timeout, refused).
  std::optional<Error> error;

  // More than one DMARC record at the name: receivers apply none of them.
  bool several() const { return records.size() > 1; }
  // No DMARC record at either name (and no DNS failure).
  bool none() const { return records.empty() && !error; }
  // A policy receivers apply: one record, usable (record.h).
  bool applies() const { return !error && parsed && parsed->usable; }
};

// Discovers the policy for mail from `domain`. Never fails: DNS trouble is in `error`.
// Arguments must outlive the coroutine (named values: GCC 12).
boost::asio::awaitable<PolicyDiscovery> discoverPolicy(dns::Resolver& resolver,
                                                       const std::string& domain,
                                                       const PublicSuffixList& suffixes);

}  // namespace outpost::mailauth::dmarc
