// Relay settings in and out of JSON. Input is untrusted: each field is checked and every
// problem is reported; the password is write-only.
#include "http/settings_request.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <string>

#include "http/request_json.h"

namespace outpost::http {

bool isValidHost(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::string text(host);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
    in6_addr address6{};
    return inet_pton(AF_INET6, text.c_str(), &address6) == 1;
  }
  in_addr address4{};
  in6_addr address6{};
  if (inet_pton(AF_INET, text.c_str(), &address4) == 1) return true;
  if (inet_pton(AF_INET6, text.c_str(), &address6) == 1) return true;
  if (text.back() == '.') text.pop_back();  // an absolute name
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('.', start);
    if (end == std::string::npos) end = text.size();
    std::string_view label(text.data() + start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    }
    start = end + 1;
  }
  return true;
}

namespace {

constexpr std::int64_t kMaxRelayConnections = 1000;

// The fields the default relay and named relays share; `reader` has already refused unknown
// members.
delivery::RelaySettings readRelayFields(FieldReader& reader,
                                        const std::optional<delivery::RelaySettings>& saved) {
  delivery::RelaySettings settings;
  if (auto host = reader.string("host", true)) {
    if (!isValidHost(*host)) {
      reader.fail("host", "must be a host name or an IP address");
    } else {
      settings.host = std::move(*host);
    }
  }
  if (reader.raw("port") != nullptr) {
    auto port = reader.integer("port");
    if (port && (*port < 1 || *port > 65535)) {
      reader.fail("port", "must be between 1 and 65535");
    } else if (port) {
      settings.port = static_cast<int>(*port);
    }
  }
  if (auto tls = reader.string("tls")) {
    if (!delivery::parseTlsMode(*tls)) {
      reader.fail("tls", "must be one of starttls, starttls-opportunistic, tls, none");
    } else {
      settings.tls = std::move(*tls);
    }
  }
  if (auto verify = reader.boolean("verify_certificate")) settings.verify_certificate = *verify;
  if (auto username = reader.string("username")) {
    if (hasLineBreakOrNul(*username)) {
      reader.fail("username", "must not contain CR, LF or NUL");
    } else {
      settings.username = std::move(*username);
    }
  }
  if (reader.raw("password") != nullptr) {
    if (auto password = reader.string("password")) {
      if (hasLineBreakOrNul(*password)) {
        reader.fail("password", "must not contain CR, LF or NUL");
      } else {
        settings.password = std::move(*password);
      }
    }
  } else if (saved) {
    settings.password = saved->password;
  }
  if (auto helo_name = reader.string("helo_name")) {
    if (!helo_name->empty() && !isValidHost(*helo_name)) {
      reader.fail("helo_name", "must be a host name (or empty for the configured hostname)");
    } else {
      settings.helo_name = std::move(*helo_name);
    }
  }
  if (auto ca_file = reader.string("ca_file")) {
    // A private CA bundle for an internal relay; checked now so a typo is caught at save time.
    if (!ca_file->empty() && ::access(ca_file->c_str(), R_OK) != 0) {
      reader.fail("ca_file",
                  "cannot read \"" + *ca_file + "\" (give a PEM file readable by outpost)");
    } else {
      settings.ca_file = std::move(*ca_file);
    }
  }
  return settings;
}

void requirePasswordWithUsername(FieldReader& reader, const delivery::RelaySettings& settings,
                                 std::size_t errors_before, std::size_t errors_now) {
  if (!settings.username.empty() && settings.password.empty() && errors_now == errors_before) {
    reader.fail("password", "is required with a username");
  }
}

const delivery::RelaySettings* findRelay(const std::vector<delivery::RelaySettings>& relays,
                                         std::string_view name) {
  for (const auto& relay : relays) {
    if (relay.name == name) return &relay;
  }
  return nullptr;
}

}  // namespace

std::optional<delivery::RelaySettings> parseRelaySettings(
    const boost::json::value& body, const std::optional<delivery::RelaySettings>& saved,
    std::vector<mime::FieldError>& errors) {
  std::size_t errors_before = errors.size();
  if (!body.is_object()) {
    errors.push_back({"body", "must be a JSON object"});
    return std::nullopt;
  }
  FieldReader reader(body.get_object(), "", errors);
  // "configured" and "has_password" are what GET shows; accepting them lets a client PUT
  // back what it read.
  reader.rejectUnknown({"host", "port", "tls", "verify_certificate", "username", "password",
                        "helo_name", "ca_file", "configured", "has_password"});
  delivery::RelaySettings settings = readRelayFields(reader, saved);
  requirePasswordWithUsername(reader, settings, errors_before, errors.size());
  if (errors.size() != errors_before) return std::nullopt;
  return settings;
}

std::optional<delivery::RelaySettings> parseNamedRelaySettings(
    const boost::json::value& body, std::string_view name,
    const std::optional<delivery::RelaySettings>& saved, std::vector<mime::FieldError>& errors) {
  std::size_t errors_before = errors.size();
  if (!body.is_object()) {
    errors.push_back({"body", "must be a JSON object"});
    return std::nullopt;
  }
  FieldReader reader(body.get_object(), "", errors);
  reader.rejectUnknown({"name", "host", "port", "tls", "verify_certificate", "username", "password",
                        "helo_name", "ca_file", "fallback", "max_connections", "has_password"});
  if (auto given = reader.string("name"); given && *given != name) {
    reader.fail("name", "must be the name in the URL (\"" + std::string(name) + "\")");
  }
  delivery::RelaySettings settings = readRelayFields(reader, saved);
  settings.name = std::string(name);
  if (auto fallback = reader.string("fallback"); fallback && !fallback->empty()) {
    const std::optional<delivery::Route> route = delivery::parseRoute(*fallback);
    if (!route || route->kind == delivery::Route::Kind::kSandbox) {
      reader.fail("fallback", "must be mx, relay, relay:NAME or empty (no fallback)");
    } else if (route->kind == delivery::Route::Kind::kRelay && route->relay_name == name) {
      reader.fail("fallback", "must not be the relay itself");
    } else {
      settings.fallback = std::move(*fallback);
    }
  }
  if (reader.raw("max_connections") != nullptr) {
    auto most = reader.integer("max_connections");
    if (most && (*most < 0 || *most > kMaxRelayConnections)) {
      reader.fail("max_connections", "must be between 0 (delivery.max_connections) and " +
                                         std::to_string(kMaxRelayConnections));
    } else if (most) {
      settings.max_connections = static_cast<std::size_t>(*most);
    }
  }
  requirePasswordWithUsername(reader, settings, errors_before, errors.size());
  if (errors.size() != errors_before) return std::nullopt;
  return settings;
}

boost::json::object namedRelayJson(const delivery::RelaySettings& relay) {
  boost::json::object shown{{"name", relay.name}};
  // relaySettingsJson's fields in their order; "configured" says nothing of a relay that exists.
  for (const auto& field : relaySettingsJson(relay)) {
    if (field.key() != "configured") shown[field.key()] = field.value();
  }
  shown["fallback"] = relay.fallback;
  shown["max_connections"] = relay.max_connections;
  return shown;
}

void checkRelayFallback(const delivery::RelaySettings& relay,
                        const std::vector<delivery::RelaySettings>& relays,
                        std::vector<mime::FieldError>& errors) {
  const std::optional<delivery::Route> fallback = delivery::parseRoute(relay.fallback);
  if (!fallback || fallback->kind != delivery::Route::Kind::kRelay ||
      fallback->relay_name.empty()) {
    return;
  }
  if (findRelay(relays, fallback->relay_name) == nullptr) {
    errors.push_back({"fallback", "no relay is named \"" + fallback->relay_name + "\""});
    return;
  }
  // The chain as it will be once this relay is saved.
  std::vector<delivery::RelaySettings> after = relays;
  const auto same = std::find_if(after.begin(), after.end(),
                                 [&](const auto& saved) { return saved.name == relay.name; });
  if (same != after.end()) {
    *same = relay;
  } else {
    after.push_back(relay);
  }
  if (std::string loop = delivery::fallbackLoop(relay.name, after); !loop.empty()) {
    errors.push_back({"fallback", "makes a loop: " + loop});
  }
}

void checkRouteRelays(const delivery::RoutingTable& table,
                      const std::vector<delivery::RelaySettings>& relays,
                      std::vector<mime::FieldError>& errors) {
  for (const std::string& name : table.relayNames()) {
    std::string problem;
    if (findRelay(relays, name) == nullptr) {
      problem =
          "no relay is named \"" + name + "\" (PUT /api/v1/settings/relays/" + name + " first)";
    } else if (std::string loop = delivery::fallbackLoop(name, relays); !loop.empty()) {
      problem = "the fallbacks of relay \"" + name + "\" make a loop: " + loop;
    }
    if (problem.empty()) continue;
    for (const std::string& field : table.fieldsUsingRelay(name))
      errors.push_back({field, problem});
  }
}

std::vector<std::string> relayUsers(std::string_view name, const delivery::RoutingTable& table,
                                    const std::vector<delivery::RelaySettings>& relays) {
  std::vector<std::string> users;
  for (const std::string& field : table.fieldsUsingRelay(name)) users.push_back("route " + field);
  const std::string route = "relay:" + std::string(name);
  for (const auto& relay : relays) {
    if (relay.name != name && relay.fallback == route) {
      users.push_back("fallback of relay " + relay.name);
    }
  }
  return users;
}

boost::json::object routingJson(const delivery::EffectiveRouting& routing,
                                bool default_relay_saved) {
  boost::json::object shown =
      boost::json::parse(delivery::routingToJson(routing.table)).as_object();
  shown["source"] = routing.source;
  const std::string automatic = default_relay_saved ? "relay" : "sandbox";
  shown["effective_default"] =
      routing.table.default_route ? delivery::toString(*routing.table.default_route) : automatic;
  return shown;
}

boost::json::object relaySettingsJson(const std::optional<delivery::RelaySettings>& settings) {
  delivery::RelaySettings shown = settings.value_or(delivery::RelaySettings{});
  return boost::json::object{
      {"configured", settings.has_value()},
      {"host", shown.host},
      {"port", shown.port},
      {"tls", shown.tls},
      {"verify_certificate", shown.verify_certificate},
      {"username", shown.username},
      {"has_password", !shown.password.empty()},
      {"helo_name", shown.helo_name},
      {"ca_file", shown.ca_file},
  };
}

}  // namespace outpost::http
