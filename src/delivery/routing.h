// Routing: which way each recipient's mail leaves — the sandbox, straight to the recipient's MX
// hosts, or through a relay (the default relay of PUT /settings/smtp, or a named one) — plus the
// per-domain TLS policy for MX delivery and the per-domain shaping limits. One RoutingTable is in
// force at a time: the one saved through the API (PUT /api/v1/settings/routes) when there is one,
// else the one from the configuration ([routing] in the file, --default-route).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "mime/compose.h"
#include "store/store.h"

namespace outpost::delivery {

struct Route {
  enum class Kind { kSandbox, kMx, kRelay };
  Kind kind = Kind::kSandbox;
  std::string relay_name;  // for kRelay: "" = the default relay (settings/smtp), else a named one

  friend bool operator==(const Route&, const Route&) = default;
};

// "sandbox", "mx", "relay" (the default relay), "relay:NAME" (a named relay); nullopt otherwise.
std::optional<Route> parseRoute(std::string_view text);
std::string toString(const Route& route);

// Relay names: 1 to 64 characters of a-z, 0-9, '-' and '_' (they appear in URLs and routes).
bool isValidRelayName(std::string_view name);

// TLS for MX delivery (relays have their own tls setting). kOpportunistic: STARTTLS when offered,
// certificate not verified, plain text after a failed handshake (RFC 7435). kRequire: STARTTLS
// with a verified certificate for the MX host name, else deferred. kNone: never STARTTLS.
enum class TlsPolicy { kOpportunistic, kRequire, kNone };
// "opportunistic", "require-tls", "none".
std::optional<TlsPolicy> parseTlsPolicy(std::string_view text);
std::string_view toString(TlsPolicy policy);

// Shaping for one destination domain; unset fields take the defaults from DeliveryConfig.
struct DomainLimits {
  std::optional<std::size_t> connections;          // at once, to this domain's MX hosts
  std::optional<std::size_t> messages_per_minute;  // 0 = no limit
  friend bool operator==(const DomainLimits&, const DomainLimits&) = default;
};

struct RoutingTable {
  // nullopt = automatic: the default relay when one is saved, else the sandbox (a fresh install
  // never sends mail anywhere until someone says where).
  std::optional<Route> default_route;
  // Keys are lowercased domains. "example.org" matches that domain only; ".example.org" matches
  // every subdomain of it (not example.org itself). The exact key wins over the suffix key, and
  // a longer suffix over a shorter one.
  std::map<std::string, Route> domains;         // by recipient domain
  std::map<std::string, Route> sender_domains;  // by the sender's (MAIL FROM) domain
  std::map<std::string, TlsPolicy> tls;         // by recipient domain, same matching
  std::map<std::string, DomainLimits> limits;   // by recipient domain, same matching

  // The route for one recipient: its domain's route, else the sender domain's, else the
  // default (nullopt when the default is automatic).
  std::optional<Route> routeFor(std::string_view sender_domain,
                                std::string_view recipient_domain) const;
  TlsPolicy tlsPolicyFor(std::string_view recipient_domain) const;
  // The limits for a domain with the configured defaults filled in.
  DomainLimits limitsFor(std::string_view recipient_domain, const DeliveryConfig& defaults) const;
  // Every relay name the table refers to (for "cannot delete relay X: route Y uses it").
  std::vector<std::string> relayNames() const;
  // The fields whose route is relay:NAME ("default", "domains.example.org", …), sorted.
  std::vector<std::string> fieldsUsingRelay(std::string_view name) const;
};

// Reads the routes document of GET/PUT /api/v1/settings/routes:
// {"default": "mx", "domains": {"example.org": "relay:eu"}, "sender_domains": {...},
//  "tls": {"bank.example": "require-tls"}, "limits": {"gmail.com": {"connections": 5,
//  "messages_per_minute": 600}}}. Every field is optional. Problems are reported per field
// ("domains.example.org") in `errors`; the result is nullopt when there were any.
std::optional<RoutingTable> parseRoutingJson(std::string_view json,
                                             std::vector<mime::FieldError>& errors);
std::string routingToJson(const RoutingTable& table);

// The table from the configuration ([routing] section, --default-route). Fails with the key
// that is wrong.
Result<RoutingTable> routingFromConfig(const RoutingConfig& config);

struct EffectiveRouting {
  RoutingTable table;
  std::string source;  // "api" (saved through the API) or "config"
};

// The "routes" setting in the store; the config's table when none is saved.
class RoutingRepository {
 public:
  RoutingRepository(store::Store& store, RoutingTable from_config);
  Result<EffectiveRouting> load();
  Result<void> save(const RoutingTable& table);
  // Forgets the saved table: the configuration's applies again.
  Result<void> reset();

 private:
  store::Store& store_;
  RoutingTable from_config_;
};

}  // namespace outpost::delivery
