// The deliverability checklist (GET /api/v1/deliverability, the console's Overview): for each
// sending domain, SMTP, SPF, DKIM and DMARC, each ok | warning | missing | error with the reason
// and the next step, in the order the product teaches them: SMTP first, SPF before DKIM, then
// DMARC. A domain whose DKIM key is active while its SPF does not validate is told to fix SPF
// first. Built from the same checks the API's validate routes and the CLI run, so that every
// place says the same thing.
// SECURITY: DNS answers are untrusted (the checks handle them); relay passwords are never read
// into the result.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "delivery/dkim_checks.h"
#include "delivery/dmarc_checks.h"
#include "delivery/relay_settings.h"
#include "delivery/routing.h"
#include "delivery/spf_checks.h"
#include "dns/resolver.h"
#include "store/store.h"

namespace outpost::delivery {

// One line of the checklist.
struct ChecklistItem {
  std::string check;      // "smtp", "spf", "dkim", "dmarc"
  std::string status;     // "ok", "warning", "missing", "error"
  std::string reason;     // one sentence: why this status
  std::string next_step;  // one sentence: what to do now ("" when nothing is needed)
  // The status comes from a temporary failure (DNS timeout, store down): ask again later.
  bool temporary = false;
  // DKIM only: the domain signs while its SPF is missing or broken; the console warns to fix
  // SPF first (design.md's seed order).
  bool spf_first = false;
};

// Where outpost's mail from the domain leaves (the SMTP line's details).
struct SmtpRoute {
  std::string route;       // "sandbox", "mx", "relay", "relay:NAME"
  bool automatic = false;  // no route is set: the default relay when saved, else the sandbox
  std::string relay_host;  // host:port of the relay, when the route is one
  std::string tls;         // the relay's TLS mode
  // For direct MX delivery: each outbound address, its PTR names and whether one of them
  // resolves back to it (forward-confirmed reverse DNS).
  struct ReverseDns {
    std::string address;
    std::vector<std::string> names;
    bool confirmed = false;
    std::string error;
  };
  std::vector<ReverseDns> reverse_dns;
};

struct DomainChecklist {
  std::string domain;
  // Why the domain is listed: "dkim_key", "fallback_domain", "sender_route", "requested".
  std::vector<std::string> sources;
  // SMTP, SPF, DKIM, DMARC, in that order.
  std::vector<ChecklistItem> items;
  // The worst item status (error > missing > warning > ok).
  std::string status;
  SmtpRoute smtp;
  SpfValidation spf;
  // The domain's active and pending keys with their live validation (nothing is activated).
  std::vector<DkimKeyCheck> dkim_keys;
  DmarcReport dmarc;
};

struct Deliverability {
  UnixMillis checked_at = 0;
  std::vector<DomainChecklist> domains;
};

// The sending domains outpost knows of, each with why: domains with DKIM keys, the DKIM fallback
// domain and the sender domains routing names (exact names only). Blocking: reads the store.
Result<std::vector<std::pair<std::string, std::vector<std::string>>>> knownSendingDomains(
    store::Store& store, const Config& config, const SpfSetup& setup);

class DeliverabilityChecks {
 public:
  // `blocking` runs the store calls (never on the I/O threads).
  DeliverabilityChecks(store::Store& store, RelaySettingsRepository& relays,
                       RoutingRepository& routing, const Config& config, const Clock& clock,
                       boost::asio::any_io_executor blocking);

  // The checklist of `domains` (lowercase), or of every known sending domain when empty. Runs on
  // the calling coroutine's executor, which must be the one `resolver` is bound to. Errors
  // "store.*" only when the settings cannot be read at all; every other problem is an item.
  boost::asio::awaitable<Result<Deliverability>> check(dns::Resolver& resolver,
                                                       const std::vector<std::string>& domains);

 private:
  boost::asio::awaitable<DomainChecklist> checkDomain(dns::Resolver& resolver,
                                                      const SpfSetup& setup,
                                                      const std::string& domain,
                                                      const std::vector<store::DkimKey>& keys);

  store::Store& store_;
  RelaySettingsRepository& relays_;
  RoutingRepository& routing_;
  const Config& config_;
  const Clock& clock_;
  boost::asio::any_io_executor blocking_;
};

// {"checked_at", "domains": [{"domain", "status", "sources", "checks": [{"check", "status",
//  "reason", "next_step", "temporary"}], "smtp": {"route", "automatic", "relay", "tls",
//  "reverse_dns": [{"address", "names", "confirmed", "error"}]}, "spf": spfValidationJson,
//  "dkim": {"keys": [keyCheckJson]}, "dmarc": dmarcReportJson}]}
boost::json::object deliverabilityJson(const Deliverability& deliverability);

}  // namespace outpost::delivery
