// The relay settings as the API reads and writes them (PUT /settings/smtp, the optional body
// of /settings/smtp/validate) and as it shows them (GET, never with the password). The body is
// untrusted: the host must be a host name or IP, the port 1..65535, the TLS mode known.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "delivery/relay_settings.h"
#include "mime/compose.h"

namespace outpost::http {

// Parses settings; an omitted "password" keeps `saved`'s. nullopt when `errors` got entries.
std::optional<delivery::RelaySettings> parseRelaySettings(
    const boost::json::value& body, const std::optional<delivery::RelaySettings>& saved,
    std::vector<mime::FieldError>& errors);

// {"configured", "host", "port", "tls", "verify_certificate", "username", "has_password",
// "helo_name"}: what GET answers; the password never leaves.
boost::json::object relaySettingsJson(const std::optional<delivery::RelaySettings>& settings);

// A DNS host name (RFC 1123 labels) or an IPv4/IPv6 literal (brackets allowed around IPv6).
bool isValidHost(std::string_view host);

}  // namespace outpost::http
