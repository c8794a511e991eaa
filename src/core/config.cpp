#include "core/config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <type_traits>

#include "core/text.h"

namespace outpost {
namespace {

// "90", "90s", "15m", "2h", "5d" → seconds; -1 when malformed.
long long parseDuration(const std::string& text) {
  if (text.empty()) return -1;
  std::size_t consumed = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &consumed);
  } catch (...) {
    return -1;
  }
  if (value < 0) return -1;
  const std::string unit = text.substr(consumed);
  if (unit.empty() || unit == "s") return value;
  if (unit == "m") return value * 60;
  if (unit == "h") return value * 3600;
  if (unit == "d") return value * 86400;
  return -1;
}

// Like parseDuration, with "ms" too: "500ms", "5s" → milliseconds; -1 when malformed.
long long parseMillis(const std::string& text) {
  if (text.size() > 2 && text.ends_with("ms")) {
    const std::string number = text.substr(0, text.size() - 2);
    if (!std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return -1;
    }
    return parseDuration(number);  // a bare number: already the count of milliseconds
  }
  const long long seconds = parseDuration(text);
  return seconds < 0 ? -1 : seconds * 1000;
}

bool isIpAddress(const std::string& text, int family) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(family, text.c_str(), buffer) == 1;
}

bool isPort(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const int port = std::stoi(std::string(text));
  return port >= 1 && port <= 65535;
}

// One DNS server: "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]",
// "[2001:db8::1]:5353" (the forms c-ares's server list takes; names are not resolved there).
bool isDnsServer(const std::string& text) {
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string::npos) return false;
    const std::string rest = text.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !isPort(std::string_view(rest).substr(1)))) {
      return false;
    }
    return isIpAddress(text.substr(1, close - 1), AF_INET6);
  }
  if (isIpAddress(text, AF_INET6)) return true;
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos) return isIpAddress(text, AF_INET);
  return isIpAddress(text.substr(0, colon), AF_INET) &&
         isPort(std::string_view(text).substr(colon + 1));
}

// A comma-separated list of DNS servers; "" is the system's.
bool isDnsServerList(const std::string& text) {
  if (text.empty()) return true;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (!isDnsServer(text.substr(start, end - start))) return false;
    start = end + 1;
  }
  return true;
}

// Parses "1m,5m,15m" into a schedule.
bool parseSchedule(const std::string& text, std::vector<std::chrono::seconds>& out) {
  std::vector<std::chrono::seconds> schedule;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const long long seconds = parseDuration(text.substr(start, end - start));
    if (seconds <= 0) return false;
    schedule.emplace_back(seconds);
    start = end + 1;
  }
  if (schedule.empty()) return false;
  out = std::move(schedule);
  return true;
}

using Setter = std::function<bool(Config&, const std::string&)>;

Setter stringSetter(std::string Config::*member) {
  return [member](Config& config, const std::string& value) {
    config.*member = value;
    return true;
  };
}

// A whole number within [minimum, maximum] into the member `target` returns.
template <class Target>
Setter numberSetter(Target target, long long minimum, long long maximum) {
  return [target, minimum, maximum](Config& config, const std::string& value) {
    try {
      std::size_t consumed = 0;
      const long long parsed = std::stoll(value, &consumed);
      if (consumed != value.size() || parsed < minimum || parsed > maximum) return false;
      using Member = std::remove_reference_t<decltype(target(config))>;
      target(config) = static_cast<Member>(parsed);
      return true;
    } catch (...) {
      return false;
    }
  };
}

template <class Target>
Setter sizeSetter(Target target) {
  return numberSetter(target, 1, std::numeric_limits<long long>::max());
}

// A string member that must pass `valid`.
Setter checkedStringSetter(std::string Config::*member, bool (*valid)(const std::string&)) {
  return [member, valid](Config& config, const std::string& value) {
    if (!valid(value)) return false;
    config.*member = value;
    return true;
  };
}

// An IP address of one family, or "" (the system's choice), into a delivery member.
Setter sourceAddressSetter(std::string DeliveryConfig::*member, int family) {
  return [member, family](Config& config, const std::string& value) {
    if (!value.empty() && !isIpAddress(value, family)) return false;
    config.delivery.*member = value;
    return true;
  };
}

template <class Target>
Setter durationSetter(Target target) {
  return [target](Config& config, const std::string& value) {
    const long long seconds = parseDuration(value);
    if (seconds <= 0) return false;
    target(config) = std::chrono::seconds(seconds);
    return true;
  };
}

// A duration where 0 means "off" (no expiry, no periodic check).
template <class Target>
Setter durationOrZeroSetter(Target target) {
  return [target](Config& config, const std::string& value) {
    const long long seconds = parseDuration(value);
    if (seconds < 0) return false;
    target(config) = std::chrono::seconds(seconds);
    return true;
  };
}

// Every configurable key: its name in the file ("section.key"); the environment variable
// and command line flag derive from it (dots and underscores become '_' / '-').
const std::map<std::string, Setter>& settings() {
  static const std::map<std::string, Setter> table = {
      {"data", stringSetter(&Config::data_dir)},
      {"http", stringSetter(&Config::http_listen)},
      {"hostname", stringSetter(&Config::hostname)},
      {"node_name", stringSetter(&Config::node_name)},
      {"log_level", stringSetter(&Config::log_level)},
      {"max_message_size",
       sizeSetter([](Config& c) -> std::size_t& { return c.max_message_bytes; })},
      {"max_recipients", sizeSetter([](Config& c) -> std::size_t& { return c.max_recipients; })},
      {"intake_threads", sizeSetter([](Config& c) -> std::size_t& { return c.intake_threads; })},
      {"dns_server", checkedStringSetter(&Config::dns_server, &isDnsServerList)},
      {"dns_timeout",
       [](Config& c, const std::string& value) {
         const long long millis = parseMillis(value);
         if (millis <= 0) return false;
         c.dns_timeout = std::chrono::milliseconds(millis);
         return true;
       }},
      // Route names and TLS policies are checked with the whole [routing] table, in one place:
      // delivery's routingFromConfig, which serve runs before it starts.
      {"routing.default",
       [](Config& c, const std::string& value) {
         c.routing.default_route = value;
         return true;
       }},
      {"delivery.retry_schedule",
       [](Config& c, const std::string& value) {
         return parseSchedule(value, c.delivery.retry_schedule);
       }},
      {"delivery.max_lifetime",
       durationSetter([](Config& c) -> std::chrono::seconds& { return c.delivery.max_lifetime; })},
      {"delivery.max_connections",
       sizeSetter([](Config& c) -> std::size_t& { return c.delivery.max_connections; })},
      {"delivery.max_total_connections",
       sizeSetter([](Config& c) -> std::size_t& { return c.delivery.max_total_connections; })},
      {"delivery.domain_connections",
       sizeSetter([](Config& c) -> std::size_t& { return c.delivery.domain_connections; })},
      {"delivery.domain_messages_per_minute",
       numberSetter([](Config& c) -> std::size_t& { return c.delivery.domain_messages_per_minute; },
                    0, std::numeric_limits<long long>::max())},
      {"delivery.backoff_initial", durationSetter([](Config& c) -> std::chrono::seconds& {
         return c.delivery.backoff_initial;
       })},
      {"delivery.backoff_max",
       durationSetter([](Config& c) -> std::chrono::seconds& { return c.delivery.backoff_max; })},
      {"delivery.mx_port",
       numberSetter([](Config& c) -> int& { return c.delivery.mx_port; }, 1, 65535)},
      {"delivery.max_mx_addresses",
       sizeSetter([](Config& c) -> std::size_t& { return c.delivery.max_mx_addresses; })},
      {"delivery.helo_name",
       [](Config& c, const std::string& value) {
         // It goes on the EHLO line: one word.
         if (value.find_first_of(" \t\r\n") != std::string::npos) return false;
         c.delivery.helo_name = value;
         return true;
       }},
      {"delivery.source_address_v4",
       sourceAddressSetter(&DeliveryConfig::source_address_v4, AF_INET)},
      {"delivery.source_address_v6",
       sourceAddressSetter(&DeliveryConfig::source_address_v6, AF_INET6)},
      {"delivery.public_addresses",
       [](Config& c, const std::string& value) {
         std::vector<std::string> addresses;
         std::size_t start = 0;
         while (start < value.size()) {
           std::size_t end = value.find(',', start);
           if (end == std::string::npos) end = value.size();
           std::string address = value.substr(start, end - start);
           address.erase(0, address.find_first_not_of(" \t"));
           address.erase(address.find_last_not_of(" \t") + 1);
           if (!isIpAddress(address, AF_INET) && !isIpAddress(address, AF_INET6)) return false;
           addresses.push_back(std::move(address));
           start = end + 1;
         }
         c.delivery.public_addresses = std::move(addresses);
         return true;
       }},
      {"delivery.mx_ca_file",
       [](Config& c, const std::string& value) {
         c.delivery.mx_ca_file = value;
         return true;
       }},
      {"delivery.max_messages_per_connection", sizeSetter([](Config& c) -> std::size_t& {
         return c.delivery.max_messages_per_connection;
       })},
      {"delivery.idle_connection_timeout", durationSetter([](Config& c) -> std::chrono::seconds& {
         return c.delivery.idle_connection_timeout;
       })},
      {"delivery.lease_duration", durationSetter([](Config& c) -> std::chrono::seconds& {
         return c.delivery.lease_duration;
       })},
      {"delivery.claim_batch",
       sizeSetter([](Config& c) -> std::size_t& { return c.delivery.claim_batch; })},
      {"delivery.poll_interval",
       [](Config& c, const std::string& value) {
         const long long seconds = parseDuration(value);
         if (seconds <= 0) return false;
         c.delivery.poll_interval = std::chrono::seconds(seconds);
         return true;
       }},
      {"submission.listen",
       [](Config& c, const std::string& value) {
         c.submission.listen = value;
         return true;
       }},
      {"submission.tls_listen",
       [](Config& c, const std::string& value) {
         c.submission.tls_listen = value;
         return true;
       }},
      {"submission.certificate_file",
       [](Config& c, const std::string& value) {
         c.submission.certificate_file = value;
         return true;
       }},
      {"submission.key_file",
       [](Config& c, const std::string& value) {
         c.submission.key_file = value;
         return true;
       }},
      // CIDR syntax is checked by the smtp module's network list, when serve starts.
      {"submission.trusted_networks",
       [](Config& c, const std::string& value) {
         c.submission.trusted_networks = value;
         return true;
       }},
      {"submission.max_connections",
       sizeSetter([](Config& c) -> std::size_t& { return c.submission.max_connections; })},
      {"submission.max_connections_per_client", sizeSetter([](Config& c) -> std::size_t& {
         return c.submission.max_connections_per_client;
       })},
      {"submission.max_errors",
       sizeSetter([](Config& c) -> std::size_t& { return c.submission.max_errors; })},
      {"submission.command_timeout", durationSetter([](Config& c) -> std::chrono::seconds& {
         return c.submission.command_timeout;
       })},
      {"submission.data_timeout", durationSetter([](Config& c) -> std::chrono::seconds& {
         return c.submission.data_timeout;
       })},
      {"submission.auth_failures",
       sizeSetter([](Config& c) -> std::size_t& { return c.submission.auth_failures; })},
      {"submission.auth_failure_window", durationSetter([](Config& c) -> std::chrono::seconds& {
         return c.submission.auth_failure_window;
       })},
      {"console.session_idle", durationSetter([](Config& c) -> std::chrono::seconds& {
         return c.console.session_idle;
       })},
      {"console.session_lifetime", durationSetter([](Config& c) -> std::chrono::seconds& {
         return c.console.session_lifetime;
       })},
      {"console.login_failures",
       sizeSetter([](Config& c) -> std::size_t& { return c.console.login_failures; })},
      {"console.login_failure_window", durationSetter([](Config& c) -> std::chrono::seconds& {
         return c.console.login_failure_window;
       })},
      {"console.secure_cookies",
       [](Config& c, const std::string& value) {
         if (value != "true" && value != "false") return false;
         c.console.secure_cookies = value == "true";
         return true;
       }},
      {"bounce.listen",
       [](Config& c, const std::string& value) {
         c.bounce.listen = value;
         return true;
       }},
      {"bounce.return_domain",
       [](Config& c, const std::string& value) {
         c.bounce.return_domain = value;
         return true;
       }},
      {"bounce.suppress_hard_bounces",
       [](Config& c, const std::string& value) {
         if (value != "true" && value != "false") return false;
         c.bounce.suppress_hard_bounces = value == "true";
         return true;
       }},
      {"bounce.max_report_bytes",
       sizeSetter([](Config& c) -> std::size_t& { return c.bounce.max_report_bytes; })},
      {"dkim.fallback_domain",
       [](Config& c, const std::string& value) {
         c.dkim.fallback_domain = lowercase(value);
         return true;
       }},
      {"dkim.expire_after",
       durationOrZeroSetter([](Config& c) -> std::chrono::seconds& { return c.dkim.expire_after; })},
      {"dkim.canonicalization",
       [](Config& c, const std::string& value) {
         static const std::set<std::string, std::less<>> known = {
             "relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed"};
         if (!known.contains(lowercase(value))) return false;
         c.dkim.canonicalization = lowercase(value);
         return true;
       }},
      {"dkim.check_interval",
       durationOrZeroSetter([](Config& c) -> std::chrono::seconds& { return c.dkim.check_interval; })},
      {"dkim.key_cache_ttl",
       durationSetter([](Config& c) -> std::chrono::seconds& { return c.dkim.key_cache_ttl; })},
#define OUTPOST_TIMEOUT(name)  \
  {"delivery.timeouts." #name, \
   durationSetter([](Config& c) -> std::chrono::seconds& { return c.delivery.timeouts.name; })}
      OUTPOST_TIMEOUT(connect),
      OUTPOST_TIMEOUT(greeting),
      OUTPOST_TIMEOUT(ehlo),
      OUTPOST_TIMEOUT(tls_handshake),
      OUTPOST_TIMEOUT(auth),
      OUTPOST_TIMEOUT(mail),
      OUTPOST_TIMEOUT(rcpt),
      OUTPOST_TIMEOUT(data_init),
      OUTPOST_TIMEOUT(data_block),
      OUTPOST_TIMEOUT(data_term),
      OUTPOST_TIMEOUT(rset),
      OUTPOST_TIMEOUT(quit),
#undef OUTPOST_TIMEOUT
  };
  return table;
}

// "delivery.max_connections" → OUTPOST_DELIVERY_MAX_CONNECTIONS; "mx-port" → OUTPOST_MX_PORT.
std::string environmentName(const std::string& key) {
  std::string name = "OUTPOST_";
  for (char c : key) {
    name.push_back(c == '.' || c == '-'
                       ? '_'
                       : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return name;
}

std::string nodeText(const toml::node& node) {
  if (auto text = node.value<std::string>()) return *text;
  // Before numbers: toml++ would also read a boolean as the number 0 or 1.
  if (node.is_boolean()) return *node.value<bool>() ? "true" : "false";
  if (auto number = node.value<long long>()) return std::to_string(*number);
  if (const auto* array = node.as_array()) {
    std::string joined;
    for (const auto& element : *array) {
      if (!joined.empty()) joined += ',';
      joined += nodeText(element);
    }
    return joined;
  }
  return {};
}

// What a key takes, for the error that refuses a value.
std::string_view expectedFor(const std::string& key) {
  static const std::map<std::string, std::string_view, std::less<>> hints = {
      {"dns_server", "IP[:PORT] or [IPv6]:PORT, comma-separated"},
      {"dns_timeout", "a duration: 500ms, 5s"},
      {"delivery.mx_port", "a port, 1 to 65535"},
      {"delivery.domain_messages_per_minute", "a whole number, 0 for no limit"},
      {"delivery.source_address_v4", "an IPv4 address"},
      {"delivery.source_address_v6", "an IPv6 address"},
      {"delivery.public_addresses", R"(IP addresses: ["192.0.2.10", "2001:db8::10"])"},
      {"delivery.helo_name", "a host name"},
      {"delivery.retry_schedule", R"(durations: ["1m", "5m"] or 1m,5m)"},
      {"bounce.suppress_hard_bounces", "true or false"},
      {"dkim.canonicalization", "relaxed/relaxed, simple/simple, relaxed/simple or simple/relaxed"},
  };
  if (auto found = hints.find(key); found != hints.end()) return found->second;
  if (key.find("timeout") != std::string::npos || key.ends_with("lifetime") ||
      key.ends_with("duration") || key.ends_with("interval") || key.ends_with("_after") ||
      key.ends_with("_ttl") || key.starts_with("delivery.backoff")) {
    return "a duration: 90, 90s, 15m, 2h, 5d";
  }
  return {};
}

Error invalidValue(const std::string& where, const std::string& key, const std::string& value,
                   std::string_view expected = {}) {
  std::string message = where + "invalid value for \"" + key + "\": \"" + value + "\"";
  if (expected.empty()) expected = expectedFor(key);
  if (!expected.empty()) message += " (expected " + std::string(expected) + ")";
  return Error::permanentFailure("config.invalid_value", message);
}

// The [routing] tables whose keys are domains, not configuration keys.
bool isDomainTable(const std::string& key) {
  return key == "routing.domains" || key == "routing.sender_domains" || key == "routing.tls" ||
         key == "routing.limits";
}

std::string quoted(std::string_view table, std::string_view domain) {
  return std::string(table) + ".\"" + std::string(domain) + "\"";
}

// An unquoted domain (example.org = "mx") is a nested table in TOML: say how to write it.
Error unquotedDomain(const std::string& path, std::string_view table, std::string_view first) {
  return Error::permanentFailure(
      "config.invalid_value",
      path + ": \"" + quoted(table, first) + "\" is a table: quote domain names, as in [" +
          std::string(table) + R"(] "example.org" = "mx" or [routing.limits."example.org"])");
}

// [routing.domains], [routing.sender_domains], [routing.tls]: "domain" = "text" pairs. The
// domains and values are checked with the rest of the table by delivery (routingFromConfig).
Result<void> readDomainStrings(const toml::table& table, const std::string& name,
                               std::map<std::string, std::string>& out, const std::string& path) {
  for (const auto& [domain, node] : table) {
    const std::string field = quoted(name, domain.str());
    if (node.is_table()) return unquotedDomain(path, name, domain.str());
    const auto text = node.value<std::string>();
    if (!text) return invalidValue(path + ": ", field, nodeText(node), "a string");
    out.insert_or_assign(std::string(domain.str()), *text);
  }
  return success();
}

// [routing.limits."gmail.com"]: connections = 5, messages_per_minute = 600.
Result<void> readLimits(const toml::table& table, RoutingConfig& routing, const std::string& path) {
  for (const auto& [domain, node] : table) {
    const std::string field = quoted("routing.limits", domain.str());
    const auto* limits = node.as_table();
    if (limits == nullptr) {
      return Error::permanentFailure(
          "config.invalid_value",
          path + ": \"" + field + "\" must be a table: [" + field + "] connections = 5");
    }
    auto& entry = routing.limits[std::string(domain.str())];
    for (const auto& [name, limit] : *limits) {
      if (limit.is_table()) return unquotedDomain(path, "routing.limits", domain.str());
      const std::string key = field + "." + std::string(name.str());
      if (name.str() != "connections" && name.str() != "messages_per_minute") {
        return Error::permanentFailure("config.unknown_key",
                                       path + ": unknown configuration key \"" + key +
                                           "\" (connections, messages_per_minute)");
      }
      const auto* number = limit.as_integer();
      const long long minimum = name.str() == "connections" ? 1 : 0;
      if (number == nullptr || number->get() < minimum) {
        return Error::permanentFailure("config.invalid_value",
                                       path + ": invalid value for \"" + key +
                                           "\" (expected a whole number, at least " +
                                           std::to_string(minimum) + ")");
      }
      entry.insert_or_assign(std::string(name.str()), number->get());
    }
  }
  return success();
}

// One of the isDomainTable tables.
Result<void> readRoutingTable(const std::string& name, const toml::table& table,
                              RoutingConfig& routing, const std::string& path) {
  if (name == "routing.limits") return readLimits(table, routing, path);
  if (name == "routing.domains") return readDomainStrings(table, name, routing.domains, path);
  if (name == "routing.sender_domains") {
    return readDomainStrings(table, name, routing.sender_domains, path);
  }
  return readDomainStrings(table, name, routing.tls, path);
}

Result<void> applyTable(const toml::table& table, const std::string& prefix, Config& config,
                        const std::string& path) {
  for (const auto& [key, node] : table) {
    const std::string full =
        prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    if (isDomainTable(full)) {
      const auto* sub = node.as_table();
      if (sub == nullptr) {
        return Error::permanentFailure("config.invalid_value",
                                       path + ": \"" + full + "\" must be a table: [" + full + "]");
      }
      Result<void> read = readRoutingTable(full, *sub, config.routing, path);
      if (!read) return read;
      continue;
    }
    if (const auto* sub = node.as_table()) {
      if (auto result = applyTable(*sub, full, config, path); !result) return result;
      continue;
    }
    const auto found = settings().find(full);
    if (found == settings().end()) {
      return Error::permanentFailure("config.unknown_key",
                                     path + ": unknown configuration key \"" + full + "\"");
    }
    if (!found->second(config, nodeText(node))) {
      return invalidValue(path + ": ", full, nodeText(node));
    }
  }
  return success();
}

// Flags named otherwise than their key; their environment variable follows the flag's name
// (OUTPOST_DEFAULT_ROUTE), as design.md has it, besides the key's (OUTPOST_ROUTING_DEFAULT).
const std::map<std::string, std::string, std::less<>>& flagAliases() {
  static const std::map<std::string, std::string, std::less<>> aliases = {
      {"default-route", "routing.default"},
      {"mx-port", "delivery.mx_port"},
      {"trusted-networks", "submission.trusted_networks"},
      {"submission", "submission.listen"},
      {"submissions", "submission.tls_listen"},
      {"bounce-listen", "bounce.listen"},
      {"return-domain", "bounce.return_domain"},
      {"dkim-fallback-domain", "dkim.fallback_domain"},
  };
  return aliases;
}

}  // namespace

Result<void> loadConfigFile(const std::string& path, Config& config) {
  // Debian's toml++ is built with exceptions: a parse error is thrown, and caught right here.
  try {
    const toml::table table = toml::parse_file(path);
    return applyTable(table, "", config, path);
  } catch (const toml::parse_error& error) {
    return Error::permanentFailure("config.parse", path + ":" +
                                                       std::to_string(error.source().begin.line) +
                                                       ": " + std::string(error.description()));
  }
}

Result<void> applyEnvironment(Config& config) {
  const auto apply = [&config](const std::string& name, const std::string& key) -> Result<void> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return success();
    if (!settings().at(key)(config, value)) {
      return invalidValue("environment variable " + name + ": ", key, value);
    }
    return success();
  };
  for (const auto& [key, setter] : settings()) {
    if (auto applied = apply(environmentName(key), key); !applied) return applied;
  }
  // After the keys' own names: the flag's name is the one people are told about.
  for (const auto& [flag, key] : flagAliases()) {
    if (auto applied = apply(environmentName(flag), key); !applied) return applied;
  }
  return success();
}

Result<void> applySetting(const std::string& key, const std::string& value, Config& config) {
  const auto found = settings().find(key);
  if (found == settings().end()) {
    return Error::permanentFailure("config.unknown_key",
                                   "unknown configuration key \"" + key + "\"");
  }
  if (!found->second(config, value)) return invalidValue("", key, value);
  return success();
}

std::string configKeyForFlag(std::string_view flag) {
  if (auto alias = flagAliases().find(flag); alias != flagAliases().end()) return alias->second;
  std::string key(flag);
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

void completeConfig(Config& config) {
  if (config.hostname.empty()) {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') {
      config.hostname = name;
    } else {
      config.hostname = "localhost";
    }
  }
  if (config.node_name.empty()) {
    // Stable across restarts: a restarted node takes back its own leases at once (nothing
    // of its is in flight any more) instead of waiting for them to expire.
    config.node_name = config.hostname;
  }
}

}  // namespace outpost
