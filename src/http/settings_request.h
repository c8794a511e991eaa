// The relay settings as the API reads and writes them (PUT /settings/smtp, the optional body
// of /settings/smtp/validate, PUT /settings/relays/{name}) and as it shows them (GET, never with
// the password), and the checks of routes against the saved relays. The body is untrusted: the
// host must be a host name or IP, the port 1..65535, the TLS mode known.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/relay_settings.h"
#include "delivery/routing.h"
#include "mime/compose.h"

namespace outpost::http {

// Parses settings; an omitted "password" keeps `saved`'s. nullopt when `errors` got entries.
std::optional<delivery::RelaySettings> parseRelaySettings(
    const boost::json::value& body, const std::optional<delivery::RelaySettings>& saved,
    std::vector<mime::FieldError>& errors);

// {"configured", "host", "port", "tls", "verify_certificate", "username", "has_password",
// "helo_name"}: what GET answers; the password never leaves.
boost::json::object relaySettingsJson(const std::optional<delivery::RelaySettings>& settings);

// Parses a named relay (PUT /settings/relays/{name}): parseRelaySettings's fields plus
// "fallback" ("", "mx", "relay" or "relay:NAME", never the relay itself) and "max_connections"
// (0 to 1000; 0 is delivery.max_connections); "name", when given, must be `name`. Whether a
// fallback relay exists, and whether the chain loops, is checkRelayFallback's work.
std::optional<delivery::RelaySettings> parseNamedRelaySettings(
    const boost::json::value& body, std::string_view name,
    const std::optional<delivery::RelaySettings>& saved, std::vector<mime::FieldError>& errors);

// A named relay as GET shows it: relaySettingsJson's fields (but "configured") plus "name",
// "fallback" and "max_connections".
boost::json::object namedRelayJson(const delivery::RelaySettings& relay);

// The fallback of `relay`, about to be saved among `relays` (the saved named relays): a named
// fallback must exist and the chain must not loop. Errors go to the field "fallback".
void checkRelayFallback(const delivery::RelaySettings& relay,
                        const std::vector<delivery::RelaySettings>& relays,
                        std::vector<mime::FieldError>& errors);

// Every relay:NAME route of `table` must name a saved relay whose fallback chain ends. Errors
// name the route's field ("domains.example.org").
void checkRouteRelays(const delivery::RoutingTable& table,
                      const std::vector<delivery::RelaySettings>& relays,
                      std::vector<mime::FieldError>& errors);

// What uses the relay `name`: routes ("route domains.example.org") and other relays' fallbacks
// ("fallback of relay us"); empty when nothing does.
std::vector<std::string> relayUsers(std::string_view name, const delivery::RoutingTable& table,
                                    const std::vector<delivery::RelaySettings>& relays);

// GET /settings/routes: the table, where it comes from ("api" or "config") and the default in
// force ("effective_default": the automatic one is the default relay once saved, else sandbox).
boost::json::object routingJson(const delivery::EffectiveRouting& routing,
                                bool default_relay_saved);

// A DNS host name (RFC 1123 labels) or an IPv4/IPv6 literal (brackets allowed around IPv6).
bool isValidHost(std::string_view host);

}  // namespace outpost::http
