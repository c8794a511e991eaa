// MX resolution for direct delivery. Only the MX lookup decides between "MX hosts", "the implicit
// MX" and "no mail": a lookup that failed for a temporary reason is reported, never taken for
// "no MX", so a DNS outage cannot send mail to the domain's web server.
#include "delivery/mx_plan.h"

#include <arpa/inet.h>

#include <algorithm>
#include <set>

#include "mime/address.h"

namespace outpost::delivery {
namespace {

struct HostAddresses {
  std::vector<std::string> addresses;
  bool temporary_failure = false;
  std::vector<std::string> problems;
};

// IPv6 first, as RFC 6724's default policy prefers it; an unreachable IPv6 route fails at once
// and the IPv4 address is next.
boost::asio::awaitable<HostAddresses> lookupAddresses(dns::Resolver& resolver,
                                                      const std::string& host,
                                                      const MxPlanOptions& options) {
  HostAddresses found;
  const auto take = [&found](Result<dns::Answer<std::string>>& answer) {
    if (answer) {
      for (auto& address : answer->records) found.addresses.push_back(std::move(address));
      return;
    }
    // NODATA for one family is normal (a host with IPv4 only); it matters only when both are.
    if (answer.error().code == dns::kNodata) return;
    if (answer.error().temporary) found.temporary_failure = true;
    found.problems.push_back(answer.error().message);
  };
  if (options.ipv6) {
    auto answer = co_await resolver.lookupAaaa(host);
    take(answer);
  }
  if (options.ipv4) {
    auto answer = co_await resolver.lookupA(host);
    take(answer);
  }
  co_return found;
}

// "[192.0.2.1]" → "192.0.2.1", "[IPv6:2001:db8::1]" → "2001:db8::1" (RFC 5321 §4.1.3); "" when
// `domain` is not an address literal or not a valid one.
std::string addressLiteral(const std::string& domain) {
  if (domain.size() < 3 || domain.front() != '[' || domain.back() != ']') return {};
  std::string inside = domain.substr(1, domain.size() - 2);
  int family = AF_INET;
  if (inside.size() > 5 &&
      (inside.compare(0, 5, "IPv6:") == 0 || inside.compare(0, 5, "ipv6:") == 0)) {
    inside.erase(0, 5);
    family = AF_INET6;
  }
  unsigned char buffer[16];
  return inet_pton(family, inside.c_str(), buffer) == 1 ? inside : std::string();
}

}  // namespace

std::vector<dns::MxRecord> orderMxRecords(std::vector<dns::MxRecord> records,
                                          std::mt19937& random) {
  std::shuffle(records.begin(), records.end(), random);
  std::stable_sort(records.begin(), records.end(),
                   [](const auto& a, const auto& b) { return a.preference < b.preference; });
  std::set<std::string> seen;
  std::erase_if(records, [&seen](const dns::MxRecord& record) {
    return !seen.insert(dns::normalizeName(record.exchange)).second;
  });
  return records;
}

boost::asio::awaitable<Result<MxPlan>> planMxDelivery(dns::Resolver& resolver,
                                                      const std::string& domain,
                                                      const MxPlanOptions& options,
                                                      std::mt19937& random) {
  MxPlan plan;
  plan.domain = dns::normalizeName(domain);
  if (!plan.domain.empty() && plan.domain.front() == '[') {
    // An address literal names the host itself: no DNS (RFC 5321 §5.1).
    const std::string address = addressLiteral(domain);
    if (address.empty()) {
      co_return Error::permanentFailure("mx.invalid_domain",
                                        plan.domain + " is not a valid address literal");
    }
    plan.candidates.push_back(MxCandidate{address, address, 0, true});
    co_return plan;
  }
  // Internationalized domains are looked up by their A-labels (RFC 5890).
  auto ascii = mime::domainToAscii(plan.domain);
  if (!ascii) {
    co_return Error::permanentFailure("mx.invalid_domain",
                                      plan.domain + " is not a domain name DNS can look up");
  }
  plan.domain = std::move(*ascii);
  std::vector<dns::MxRecord> hosts;
  bool implicit = false;
  auto mx = co_await resolver.lookupMx(plan.domain);
  if (mx) {
    const bool null_mx = std::any_of(mx->records.begin(), mx->records.end(),
                                     [](const dns::MxRecord& record) { return record.isNullMx(); });
    if (null_mx) {
      // RFC 7505 §3: a null MX means the domain accepts no mail at all, whatever else is there.
      co_return Error::permanentFailure(
          "mx.null_mx", plan.domain + " publishes a null MX record (RFC 7505): it accepts no mail");
    }
    hosts = orderMxRecords(std::move(mx->records), random);
  } else if (mx.error().code == dns::kNodata) {
    // RFC 5321 §5.1: no MX records, so the domain itself is the one host, at preference 0.
    implicit = true;
    hosts.push_back(dns::MxRecord{0, plan.domain});
  } else {
    co_return mx.takeError();
  }

  bool temporary_failure = false;
  for (const auto& host : hosts) {
    if (plan.candidates.size() >= options.max_candidates) break;
    const std::string name = dns::normalizeName(host.exchange);
    auto addresses = co_await lookupAddresses(resolver, name, options);
    temporary_failure = temporary_failure || addresses.temporary_failure;
    for (auto& problem : addresses.problems) plan.skipped.push_back(name + ": " + problem);
    if (addresses.addresses.empty() && addresses.problems.empty()) {
      plan.skipped.push_back(name + ": no A or AAAA record");
    }
    for (auto& address : addresses.addresses) {
      if (plan.candidates.size() >= options.max_candidates) break;
      plan.candidates.push_back(MxCandidate{name, std::move(address), host.preference, implicit});
    }
  }
  if (plan.candidates.empty()) {
    std::string detail;
    for (const auto& problem : plan.skipped) detail += (detail.empty() ? "" : "; ") + problem;
    const std::string what = implicit ? plan.domain + " has no MX record and no address of its own"
                                      : "no MX host of " + plan.domain + " has an address";
    if (temporary_failure) {
      co_return Error::temporaryFailure("mx.no_address", what + " (" + detail + ")");
    }
    co_return Error::permanentFailure("mx.no_address", what + " (" + detail + ")");
  }
  co_return plan;
}

}  // namespace outpost::delivery
