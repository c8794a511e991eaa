// SPF checks for outpost's real setup (RFC 7208), shared by the HTTP API, the CLI and the
// deliverability checklist: which paths mail leaves by (each relay's addresses, this node's
// outbound addresses when a route delivers straight to MX), whether the SPF of the MAIL FROM
// domain outpost uses (and of the sending domain) passes each, the findings and the record to
// publish; and a test of check_host() for a given IP, HELO and sender.
// SECURITY: DNS answers are untrusted (mailauth/spf handles them); relay passwords are never read
// beyond the settings' host names.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "delivery/relay_settings.h"
#include "delivery/routing.h"
#include "dns/resolver.h"
#include "mailauth/spf/advice.h"
#include "mailauth/spf/evaluator.h"

namespace outpost::delivery {

// Where mail leaves from, as the stored settings say. Read it once (loadSpfSetup, blocking) and
// validate as many domains as needed with it.
struct SpfSetup {
  std::optional<RelaySettings> default_relay;
  std::vector<RelaySettings> named_relays;
  // The routing in force (the saved table, else the configuration's).
  RoutingTable routing;
  // False when the settings could not be read (e.g. the CLI without a data folder): only the
  // published record is checked, with `unknown_reason` saying why.
  bool known = true;
  std::string unknown_reason;
};

// Reads the relays and the routing in force. Blocking (store calls): run it on the blocking
// pool. Errors "store.*" from the repositories.
Result<SpfSetup> loadSpfSetup(RelaySettingsRepository& relays, RoutingRepository& routing);

// One way mail leaves.
struct SpfPath {
  std::string kind;   // "relay" or "mx"
  std::string relay;  // for "relay": "" (the default relay) or the named relay's name
  std::string label;  // "the default relay smtp.example.net", "direct MX delivery", …
  std::string host;   // the relay's host; for "mx" the EHLO name
  std::vector<std::string> addresses;  // the addresses receivers see connecting
  // Where the addresses come from: "dns" (the relay host's A/AAAA), "config"
  // (delivery.source_address_v4/v6), "public_addresses" (delivery.public_addresses), "system"
  // (the address the system picks for a public destination).
  std::string address_source;
  std::string error;  // the addresses could not be found (the path is then not checked)
  std::string note;   // e.g. the system address is private: NAT hides the public one
  // For relays: the include found in the relay's own domain, or the ip4:/ip6: terms.
  std::optional<mailauth::spf::RelayDiscovery> discovery;
};

// check_host() for one address of one path.
struct SpfPathResult {
  std::string path;  // the SpfPath label
  std::string address;
  mailauth::spf::CheckHostResult check;
};

// One domain checked: the MAIL FROM domain, and the sending domain when it differs.
struct SpfDomainReport {
  std::string domain;
  bool sending = false;    // the domain validated (the From domain)
  bool mail_from = false;  // the MAIL FROM domain outpost uses for it
  mailauth::spf::Analysis analysis;
  std::vector<SpfPathResult> results;  // one per (path, address)
  mailauth::spf::Recommendation recommendation;
  // Every address of every path passes.
  bool allPass() const;
};

struct SpfValidation {
  std::string domain;
  // bounce.return_domain when set (VERP), else the domain itself.
  std::string mail_from_domain;
  std::vector<SpfPath> paths;
  // The MAIL FROM domain first, then the sending domain when it differs.
  std::vector<SpfDomainReport> domains;
  // The checklist's word: "ok" (the MAIL FROM domain's SPF passes every path, no warning),
  // "warning" (it passes but with warnings, or a path gives softfail/neutral, or no path is
  // known), "missing" (no SPF record at the MAIL FROM domain), "error" (a path fails, or the
  // record gives permerror/temperror).
  std::string status;
  std::string reason;     // one sentence: why this status
  std::string next_step;  // one sentence: what to do ("Publish this TXT record at …: v=spf1 …")
  std::vector<std::string> notes;
};

// The paths of `setup`: each relay (default and named) with its host's addresses and include
// discovery, and direct MX delivery when a route (default, domain, sender domain, or a relay's
// fallback) is "mx", with this node's outbound addresses (config, else the system's choice).
boost::asio::awaitable<std::vector<SpfPath>> spfPaths(dns::Resolver& resolver, const Config& config,
                                                      const SpfSetup& setup);

// Validates `domain` (lowercase) for `setup`. Never fails: DNS problems are findings and
// results. Arguments must outlive the coroutine (named values).
boost::asio::awaitable<SpfValidation> validateSpf(dns::Resolver& resolver, const Config& config,
                                                  const SpfSetup& setup, const std::string& domain);

// What to evaluate for a test.
struct SpfTestInput {
  std::string ip;      // required
  std::string helo;    // "" = the configured hostname
  std::string sender;  // "" = postmaster@DOMAIN
};

// The CheckHostInput for a test of `domain`: the sender defaults to postmaster@DOMAIN (a sender
// without '@' is taken as a domain: postmaster@SENDER), the HELO name to `default_helo`; the
// checked domain is the sender's domain.
mailauth::spf::CheckHostInput spfTestInput(const std::string& domain, const SpfTestInput& test,
                                           const std::string& default_helo);

// check_host() for a test input. `input` must outlive the coroutine (a named value).
boost::asio::awaitable<mailauth::spf::CheckHostResult> testSpf(
    dns::Resolver& resolver, const mailauth::spf::CheckHostInput& input);

// JSON forms shared by the API and the CLI `--json` output.
// {"result", "explanation", "reason", "code", "mechanism", "mechanism_domain", "record",
//  "dns_terms", "void_lookups", "lookups": [{"type", "name", "outcome", "depth", "void"}]}
boost::json::object checkHostJson(const mailauth::spf::CheckHostResult& result);
// {"domain", "records", "record", "syntax_error", "dns_error", "spf_rr_type", "dns_terms",
//  "void_lookups", "tree": [...], "findings": [{"code", "severity", "message"}]}
boost::json::object analysisJson(const mailauth::spf::Analysis& analysis);
// {"record", "strings", "kept", "added", "removed", "dns_terms", "changed", "notes"}
boost::json::object recommendationJson(const mailauth::spf::Recommendation& recommendation);
// {"domain", "mail_from_domain", "status", "reason", "next_step", "notes", "paths": [...],
//  "domains": [{"domain", "sending", "mail_from", "analysis", "results": [{"path", "address",
//  "check"}], "recommendation", "pass"}]}
boost::json::object spfValidationJson(const SpfValidation& validation);
// {"ip", "helo", "sender", "domain" (the domain checked: the sender's), …checkHostJson}
boost::json::object spfTestJson(const mailauth::spf::CheckHostInput& input,
                                const mailauth::spf::CheckHostResult& result);

}  // namespace outpost::delivery
