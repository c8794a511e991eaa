// check_host() (RFC 7208 §4–§6): the SPF result for a client IP, a domain and a sender, with
// the explanation, the reason a person can act on, and every DNS lookup made. Used by SPF
// validation and test (advice.h, the API, the CLI); not on the delivery hot path.
// SECURITY: every DNS answer is untrusted; the RFC's limits (10 DNS-querying terms, 2 void
// lookups, 10 names per mx/ptr, include/redirect depth) bound the work one check does.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "dns/resolver.h"
#include "mailauth/spf/record.h"

namespace outpost::mailauth::spf {

enum class SpfResult { kNone, kNeutral, kPass, kFail, kSoftfail, kTemperror, kPermerror };

// "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror".
std::string_view resultName(SpfResult result);

// The limits of §4.6.4 and a depth guard; the defaults are the RFC's.
struct Limits {
  int dns_terms = 10;      // include, a, mx, ptr, exists and redirect, over the whole check
  int void_lookups = 2;    // lookups answering NXDOMAIN or no records
  int names_per_mx = 10;   // MX records looked up for addresses
  int names_per_ptr = 10;  // PTR names checked
};

struct CheckHostInput {
  std::string ip;      // the client address as text (IPv4, IPv6, or IPv4-mapped IPv6)
  std::string domain;  // <domain>: the MAIL FROM domain, or the HELO name
  // MAIL FROM address; empty means a null sender: postmaster@helo is used (§4.3).
  std::string sender;
  std::string helo;
  std::string receiver = "unknown";  // %{r} in explanations
  std::uint64_t now_seconds = 0;     // %{t}; 0 = the system clock
  Limits limits;
};

// One DNS query made during the check.
struct Lookup {
  std::string type;      // "TXT", "A", "AAAA", "MX", "PTR"
  std::string name;      // the name (or, for PTR, the address) queried
  std::string outcome;   // "3 records", "no such domain (NXDOMAIN)", "timeout", …
  int depth = 0;         // 0 for the checked domain, 1 inside its first include or redirect, …
  bool is_void = false;  // NXDOMAIN or no records: counts toward the void-lookup limit
};

struct CheckHostResult {
  SpfResult result = SpfResult::kNone;
  // For fail: the domain's exp= text expanded, or the default explanation. Empty otherwise.
  std::string explanation;
  // A sentence on why this result: "matched -all in example.com", "no SPF record at
  // example.com", "permerror: more than 10 DNS-querying terms (include, a, mx, ptr, exists,
  // redirect)", "temperror: TXT lookup for example.com timed out".
  std::string reason;
  // A stable word for programs and tests:
  //   matched            a mechanism matched (see `mechanism`)
  //   default            no mechanism matched and there is no redirect: neutral
  //   no_record          no SPF record (none)
  //   invalid_domain     the domain is not a valid FQDN (none)
  //   multiple_records   more than one SPF record (permerror)
  //   syntax             a record does not parse (permerror)
  //   include_none       an include'd domain has no SPF record (permerror)
  //   redirect_none      the redirect target has no SPF record (permerror)
  //   too_many_lookups   over Limits::dns_terms (permerror)
  //   too_many_void      over Limits::void_lookups (permerror)
  //   too_many_mx        an MX answer over Limits::names_per_mx (permerror)
  //   macro              a macro does not expand (permerror)
  //   dns                a DNS error other than NXDOMAIN/NODATA (temperror)
  std::string code;
  // The term that decided the result, as written ("-all", "include:_spf.example.net"), and the
  // domain whose record holds it; empty when no mechanism matched.
  std::string mechanism;
  std::string mechanism_domain;
  // The record of the checked domain, as published; empty when there is none.
  std::string record;
  int dns_terms = 0;     // DNS-querying terms evaluated
  int void_lookups = 0;  // lookups that came back empty
  std::vector<Lookup> lookups;
};

// Runs check_host(ip, domain, sender) through `resolver`. Never fails: DNS and record problems
// are results (temperror, permerror). `input` must outlive the coroutine (a named value).
boost::asio::awaitable<CheckHostResult> checkHost(dns::Resolver& resolver,
                                                  const CheckHostInput& input);

// The SPF record of `domain` the way check_host() selects it (§4.4, §4.5): the one TXT string
// starting "v=spf1". Errors: "spf.none" (permanent; NXDOMAIN or no SPF record, the message says
// which), "spf.multiple" (permanent), "dns.*" from the resolver (temporary ones stay temporary).
boost::asio::awaitable<Result<std::string>> findRecord(dns::Resolver& resolver,
                                                       const std::string& domain);

}  // namespace outpost::mailauth::spf
