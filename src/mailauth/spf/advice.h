// SPF advice (RFC 7208): what a deliverability expert would say about a domain's published SPF
// — the records found, the worst-case DNS-querying term count over its include/redirect tree,
// the findings (+all, ?all, ptr, too many lookups, several records, the SPF RR type, size) —
// the record to publish so that every path a sender uses passes, and the include a relay's own
// domain offers, found through DNS rather than from a table of providers.
// SECURITY: every DNS answer is untrusted; the tree walk is bounded (depth, names visited).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.h"
#include "mailauth/spf/evaluator.h"
#include "mailauth/spf/record.h"

namespace outpost::mailauth::spf {

enum class Severity { kError, kWarning, kInfo };
// "error", "warning", "info".
std::string_view severityName(Severity severity);

// Finding codes (stable, for programs and docs/spf.md):
//   no_record, several_records, syntax, dns_error, pass_all (+all), neutral_all (?all),
//   no_all (neither all nor redirect: neutral default), all_not_last, ptr, too_many_lookups,
//   too_many_void, include_none (an include'd domain has no SPF), redirect_none, include_loop,
//   include_error (an include'd record is broken), too_many_mx, lookups_near_limit (8 to 10),
//   spf_rr_type, record_too_long (> 512 octets), exp (an explanation is published), macros
//   (the tree uses macros: the count is a lower bound), tree_truncated, unknown_modifier,
//   redirect_with_all (redirect is ignored).
struct Finding {
  std::string code;
  Severity severity = Severity::kInfo;
  std::string message;
};

// One record of the include/redirect tree, in the order the walk met it (depth first).
struct TreeNode {
  std::string domain;
  std::string via;  // "" for the analyzed domain, "include" or "redirect"
  int depth = 0;
  std::string record;   // as published; empty when there is none
  std::string problem;  // "no SPF record", "2 SPF records", "syntax: …", "DNS: …"; "" when fine
  int dns_terms = 0;    // this record's own DNS-querying terms (include, a, mx, ptr, exists,
                        // redirect)
};

struct Analysis {
  std::string domain;
  // The SPF records published at the domain (none, one, or several).
  std::vector<std::string> records;
  // The record when there is exactly one and it parses.
  std::optional<Record> parsed;
  std::string syntax_error;  // the parser's message when the one record does not parse
  std::string dns_error;     // a temporary DNS failure looking the record up
  // Whether the name also has records of the obsolete SPF RR type (99, RFC 7208 §3.1).
  bool spf_rr_type = false;
  // Worst case over the whole tree: every DNS-querying term counted as if evaluated (§4.6.4
  // allows 10), and the void lookups the walk met (§4.6.4 allows 2).
  int dns_terms = 0;
  int void_lookups = 0;
  std::vector<TreeNode> tree;
  std::vector<Finding> findings;

  // An error finding is present: receivers get permerror (or none) for every sender.
  bool hasErrors() const;
};

// Looks the domain's SPF up and walks its include/redirect tree (names holding macros are not
// followed). Never fails: DNS problems are findings. `domain` must outlive the coroutine.
boost::asio::awaitable<Analysis> analyze(dns::Resolver& resolver, const std::string& domain);

// A path mail leaves by, and what it needs from the domain's SPF.
struct SendingSource {
  std::string label;                   // "relay smtp.example.net", "direct MX delivery"
  std::vector<std::string> addresses;  // the addresses receivers see
  // The terms that make it pass, best first (relayTerms() for a relay; ip4:/ip6: otherwise).
  std::vector<std::string> terms;
  // Used instead of `terms` when they would take the record over the lookup limit (the
  // relay's ip4:/ip6: terms, which cost no lookup); empty when there is no alternative.
  std::vector<std::string> fallback_terms;
};

// ip4:ADDR / ip6:ADDR for each address (duplicates dropped).
std::vector<std::string> addressTerms(const std::vector<std::string>& addresses);

struct Recommendation {
  std::string record;  // ready to copy (the TXT value)
  // The record as ≤255-octet character-strings (RFC 7208 §3.3), for a zone file.
  std::vector<std::string> strings;
  std::vector<std::string> kept;     // terms of the published record kept
  std::vector<std::string> added;    // terms added for outpost's paths
  std::vector<std::string> removed;  // terms replaced ("+all" → "~all") or dropped
  int dns_terms = 0;                 // worst case for the recommended record
  bool changed = false;              // differs from what is published
  // Sentences on what was decided and why ("include:_spf.relay.example covers relay …").
  std::vector<std::string> notes;
};

// The record to publish: the published record's terms (of every SPF record found, when there
// are several), the terms of each source that does not pass yet (checked with checkHost() for
// each address), under the lookup limit (fallback terms when the preferred ones would go over),
// and the all qualifier: the published one when it is - or ~, else ~all; never +all. A
// redirect= is kept (then no all is added). `analysis` and `sources` must outlive the coroutine.
boost::asio::awaitable<Recommendation> recommend(dns::Resolver& resolver, const Analysis& analysis,
                                                 const std::vector<SendingSource>& sources);

// One name tried while looking for a relay's include.
struct IncludeCandidate {
  std::string name;
  std::string result;  // "pass by include:…", "softfail by ~all", "none", …: the last address's
  int dns_terms = 0;
  bool passes = false;  // every address passes, by a mechanism other than all
};

struct RelayDiscovery {
  std::string host;
  std::vector<std::string> addresses;  // A and AAAA of the host
  std::string error;                   // the host does not resolve (then no terms)
  // The name whose SPF covers all the addresses ("_spf.relay.example"); empty when none does.
  std::string include;
  std::vector<IncludeCandidate> candidates;
  // include:<include> when found, else the ip4:/ip6: terms for the addresses.
  std::vector<std::string> terms;
  // The ip4:/ip6: terms (the fallback when the include costs too many lookups).
  std::vector<std::string> address_terms;
};

// The parent names of `host` from the nearest up to its organizational domain:
// "smtp.eu.mailgun.org" → {"eu.mailgun.org", "mailgun.org"}. `organizational` is the
// registrable domain when known (empty: the last two labels).
std::vector<std::string> relayDomains(std::string_view host, std::string_view organizational = {});

// Resolves the relay's addresses and tries, for each name of relayDomains(), "_spf.NAME",
// "spf.NAME" and NAME: the one whose SPF passes every address (not by all) with the fewest
// DNS-querying terms gives include:NAME; none → ip4:/ip6: terms. `host` must outlive the
// coroutine.
boost::asio::awaitable<RelayDiscovery> discoverRelay(dns::Resolver& resolver,
                                                     const std::string& host);

}  // namespace outpost::mailauth::spf
