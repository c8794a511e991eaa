// Where mail for a domain goes when it is delivered straight to the recipient's servers
// (RFC 5321 §5.1): the MX hosts by preference, equal preferences shuffled, each host's IPv6 and
// IPv4 addresses; the domain itself when it has no MX (the implicit MX); nowhere for a null MX
// (RFC 7505). DNS answers are untrusted input.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/result.h"
#include "dns/resolver.h"

namespace outpost::delivery {

// One address to try: the MX host (for the attempt record and certificate checks) and one of its
// IP addresses.
struct MxCandidate {
  std::string host;
  std::string ip;
  std::uint16_t preference = 0;
  bool implicit = false;  // the domain's own address: it has no MX records (RFC 5321 §5.1)

  friend bool operator==(const MxCandidate&, const MxCandidate&) = default;
};

struct MxPlan {
  std::string domain;                   // as looked up: lowercased, A-labels
  std::vector<MxCandidate> candidates;  // in the order to try them
  // Hosts left out, and why ("mx2.example.org: AAAA lookup … timed out"), for the transcript.
  std::vector<std::string> skipped;
};

// Error codes (each message names the domain and what was looked up):
// - "mx.null_mx" (permanent): the domain publishes a null MX: it accepts no mail.
// - "dns.nxdomain" (permanent): the domain does not exist.
// - "mx.no_address" (permanent): no MX host (or, without MX, the domain) has an address.
// - "mx.invalid_domain" (permanent): an address literal or an internationalized name that does
//   not convert. An address literal ("[192.0.2.1]", "[IPv6:2001:db8::1]") is its own host.
// - the DNS error codes of dns/resolver.h (temporary ones stay temporary): a lookup failed.
// A temporary failure of the MX lookup never falls back to the domain's A records; a temporary
// failure of a host's address lookup makes the plan fail temporarily only when no host is left.
struct MxPlanOptions {
  std::size_t max_candidates = 5;  // addresses tried in one attempt (RFC 5321 §5.1 "limit")
  bool ipv6 = true;
  bool ipv4 = true;
};

boost::asio::awaitable<Result<MxPlan>> planMxDelivery(dns::Resolver& resolver,
                                                      const std::string& domain,
                                                      const MxPlanOptions& options,
                                                      std::mt19937& random);

// Orders MX records: by preference, equal preferences in random order (RFC 5321 §5.1), with
// duplicates of a host removed.
std::vector<dns::MxRecord> orderMxRecords(std::vector<dns::MxRecord> records, std::mt19937& random);

}  // namespace outpost::delivery
