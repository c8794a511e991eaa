// The routing table: parsing and checking it (from the API's JSON and from the configuration),
// matching a domain against its keys, and keeping it as the "routes" setting. The JSON comes
// from API clients and the configuration from a file: both are untrusted and checked field by
// field; the stored setting was checked when it was saved, and is checked again when read.
#include "delivery/routing.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <set>
#include <utility>

#include "core/text.h"

namespace outpost::delivery {

namespace {

constexpr std::string_view kSettingKey = "routes";
constexpr std::string_view kRouteHint = "must be sandbox, mx, relay or relay:NAME";
constexpr std::string_view kTlsHint = "must be opportunistic, require-tls or none";
// Sanity bounds: a typo (an extra zero or two) should be refused, not obeyed.
constexpr long long kMaxConnections = 10000;
constexpr long long kMaxMessagesPerMinute = 10000000;

// A domain as a key of the table: lowercased, without a final dot; ".example.org" for "every
// subdomain of example.org". Labels are 1–63 octets of letters, digits and '-' (not at either
// end), or UTF-8 (RFC 6531 domains); the whole at most 253 octets. "" when not acceptable.
std::string normalizeDomainKey(std::string_view text) {
  std::string key = lowercase(text);
  const bool suffix = !key.empty() && key.front() == '.';
  std::string_view name(key);
  if (suffix) name.remove_prefix(1);
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return {};
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return {};
    }
    for (char c : label) {
      const auto octet = static_cast<unsigned char>(c);
      if (!std::isalnum(octet) && c != '-' && octet < 0x80) return {};
    }
    start = end + 1;
  }
  return (suffix ? "." : "") + std::string(name);
}

// The value for `domain` in a table keyed by normalizeDomainKey's keys: the exact key, else the
// longest ".suffix" key that covers it.
template <class Value>
const Value* findForDomain(const std::map<std::string, Value>& table, std::string_view domain) {
  if (table.empty() || domain.empty()) return nullptr;
  std::string name = lowercase(domain);
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (auto exact = table.find(name); exact != table.end()) return &exact->second;
  // ".b.example.org", then ".example.org", then ".org": longest first.
  for (std::size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
    if (auto found = table.find(name.substr(dot)); found != table.end()) {
      return &found->second;
    }
  }
  return nullptr;
}

// The table key for a member of one of the domain objects; "" (with an error for `field`) when
// it is not a domain, or the same domain as an earlier member.
template <class Value>
std::string domainKey(std::string_view text, const std::string& field,
                      const std::map<std::string, Value>& out,
                      std::vector<mime::FieldError>& errors) {
  std::string key = normalizeDomainKey(text);
  if (key.empty()) {
    errors.push_back({field, "is not a domain (example.org, or .example.org for subdomains)"});
  } else if (out.contains(key)) {
    errors.push_back({field, "repeats the domain " + key});
    key.clear();
  }
  return key;
}

const boost::json::object* objectField(const boost::json::object& document, std::string_view name,
                                       std::vector<mime::FieldError>& errors) {
  const boost::json::value* value = document.if_contains(name);
  if (value == nullptr || value->is_null()) return nullptr;
  if (!value->is_object()) {
    errors.push_back({std::string(name), "must be an object"});
    return nullptr;
  }
  return &value->get_object();
}

// Reads one "domain": value object (domains, sender_domains, tls) into `out`, with `convert`
// turning each string into a value or nullopt (then `hint` is the error).
template <class Value, class Convert>
void readDomainMap(const boost::json::object& document, std::string_view name,
                   std::string_view hint, Convert convert, std::map<std::string, Value>& out,
                   std::vector<mime::FieldError>& errors) {
  const boost::json::object* object = objectField(document, name, errors);
  if (object == nullptr) return;
  for (const auto& member : *object) {
    const std::string field = std::string(name) + "." + std::string(member.key());
    const std::string key = domainKey(member.key(), field, out, errors);
    if (key.empty()) continue;
    const std::optional<Value> value =
        member.value().is_string() ? convert(member.value().get_string()) : std::nullopt;
    if (!value) {
      errors.push_back({field, std::string(hint)});
      continue;
    }
    out.emplace(key, *value);
  }
}

// One limit from JSON or the configuration: an integer within [minimum, maximum].
std::optional<std::size_t> checkLimit(long long value, long long minimum, long long maximum,
                                      const std::string& field,
                                      std::vector<mime::FieldError>& errors) {
  if (value < minimum || value > maximum) {
    errors.push_back(
        {field, "must be between " + std::to_string(minimum) + " and " + std::to_string(maximum)});
    return std::nullopt;
  }
  return static_cast<std::size_t>(value);
}

// Sets one field of `limits` by name; false for an unknown name.
bool setLimit(DomainLimits& limits, std::string_view name, long long value,
              const std::string& field, std::vector<mime::FieldError>& errors) {
  if (name == "connections") {
    limits.connections = checkLimit(value, 1, kMaxConnections, field, errors);
  } else if (name == "messages_per_minute") {
    limits.messages_per_minute = checkLimit(value, 0, kMaxMessagesPerMinute, field, errors);
  } else {
    return false;
  }
  return true;
}

void readLimits(const boost::json::object& document, std::map<std::string, DomainLimits>& out,
                std::vector<mime::FieldError>& errors) {
  const boost::json::object* object = objectField(document, "limits", errors);
  if (object == nullptr) return;
  for (const auto& member : *object) {
    const std::string field = "limits." + std::string(member.key());
    const std::string key = domainKey(member.key(), field, out, errors);
    if (key.empty()) continue;
    if (!member.value().is_object()) {
      errors.push_back(
          {field, R"(must be an object: {"connections": N, "messages_per_minute": N})"});
      continue;
    }
    DomainLimits limits;
    for (const auto& limit : member.value().get_object()) {
      const std::string limit_field = field + "." + std::string(limit.key());
      if (limit.value().is_null()) continue;
      if (!limit.value().is_int64()) {
        const bool known = limit.key() == "connections" || limit.key() == "messages_per_minute";
        errors.push_back({limit_field, known ? "must be an integer" : "unknown field"});
        continue;
      }
      if (!setLimit(limits, limit.key(), limit.value().get_int64(), limit_field, errors)) {
        errors.push_back({limit_field, "unknown field"});
      }
    }
    out.emplace(key, limits);
  }
}

void collectRelayFields(const std::map<std::string, Route>& routes, std::string_view prefix,
                        std::string_view name, std::vector<std::string>& out) {
  for (const auto& [domain, route] : routes) {
    if (route.kind == Route::Kind::kRelay && route.relay_name == name) {
      out.push_back(std::string(prefix) + "." + domain);
    }
  }
}

boost::json::object routesJson(const std::map<std::string, Route>& routes) {
  boost::json::object object;
  for (const auto& [domain, route] : routes) object[domain] = toString(route);
  return object;
}

}  // namespace

std::optional<Route> parseRoute(std::string_view text) {
  if (text == "sandbox") return Route{Route::Kind::kSandbox, {}};
  if (text == "mx") return Route{Route::Kind::kMx, {}};
  if (text == "relay") return Route{Route::Kind::kRelay, {}};
  constexpr std::string_view kNamed = "relay:";
  if (text.starts_with(kNamed) && isValidRelayName(text.substr(kNamed.size()))) {
    return Route{Route::Kind::kRelay, std::string(text.substr(kNamed.size()))};
  }
  return std::nullopt;
}

std::string toString(const Route& route) {
  switch (route.kind) {
    case Route::Kind::kSandbox:
      return "sandbox";
    case Route::Kind::kMx:
      return "mx";
    case Route::Kind::kRelay:
      return route.relay_name.empty() ? "relay" : "relay:" + route.relay_name;
  }
  return "sandbox";
}

bool isValidRelayName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::optional<TlsPolicy> parseTlsPolicy(std::string_view text) {
  if (text == "opportunistic") return TlsPolicy::kOpportunistic;
  if (text == "require-tls") return TlsPolicy::kRequire;
  if (text == "none") return TlsPolicy::kNone;
  return std::nullopt;
}

std::string_view toString(TlsPolicy policy) {
  switch (policy) {
    case TlsPolicy::kOpportunistic:
      return "opportunistic";
    case TlsPolicy::kRequire:
      return "require-tls";
    case TlsPolicy::kNone:
      return "none";
  }
  return "opportunistic";
}

std::optional<Route> RoutingTable::routeFor(std::string_view sender_domain,
                                            std::string_view recipient_domain) const {
  if (const Route* route = findForDomain(domains, recipient_domain)) return *route;
  if (const Route* route = findForDomain(sender_domains, sender_domain)) return *route;
  return default_route;
}

TlsPolicy RoutingTable::tlsPolicyFor(std::string_view recipient_domain) const {
  const TlsPolicy* policy = findForDomain(tls, recipient_domain);
  return policy ? *policy : TlsPolicy::kOpportunistic;
}

DomainLimits RoutingTable::limitsFor(std::string_view recipient_domain,
                                     const DeliveryConfig& defaults) const {
  // The most specific entry alone applies; what it leaves unset comes from the defaults, not
  // from a less specific entry (one place to read a domain's limits).
  DomainLimits result;
  if (const DomainLimits* found = findForDomain(limits, recipient_domain)) result = *found;
  if (!result.connections) result.connections = defaults.domain_connections;
  if (!result.messages_per_minute) {
    result.messages_per_minute = defaults.domain_messages_per_minute;
  }
  return result;
}

std::vector<std::string> RoutingTable::relayNames() const {
  std::set<std::string> names;
  const auto add = [&names](const Route& route) {
    if (route.kind == Route::Kind::kRelay && !route.relay_name.empty()) {
      names.insert(route.relay_name);
    }
  };
  if (default_route) add(*default_route);
  for (const auto& [domain, route] : domains) add(route);
  for (const auto& [domain, route] : sender_domains) add(route);
  return {names.begin(), names.end()};
}

std::vector<std::string> RoutingTable::fieldsUsingRelay(std::string_view name) const {
  std::vector<std::string> fields;
  if (default_route && default_route->kind == Route::Kind::kRelay &&
      default_route->relay_name == name) {
    fields.emplace_back("default");
  }
  collectRelayFields(domains, "domains", name, fields);
  collectRelayFields(sender_domains, "sender_domains", name, fields);
  return fields;
}

std::optional<RoutingTable> parseRoutingJson(std::string_view json,
                                             std::vector<mime::FieldError>& errors) {
  const std::size_t errors_before = errors.size();
  boost::system::error_code parse_error;
  const boost::json::value document = boost::json::parse(json, parse_error);
  if (parse_error) {
    errors.push_back({"body", "is not JSON: " + parse_error.message()});
    return std::nullopt;
  }
  if (!document.is_object()) {
    errors.push_back({"body", "must be a JSON object"});
    return std::nullopt;
  }
  const boost::json::object& object = document.get_object();
  for (const auto& member : object) {
    static constexpr std::string_view kKnown[] = {"default", "domains", "sender_domains", "tls",
                                                  "limits"};
    if (std::find(std::begin(kKnown), std::end(kKnown), member.key()) == std::end(kKnown)) {
      errors.push_back({std::string(member.key()), "unknown field"});
    }
  }

  RoutingTable table;
  if (const auto* value = object.if_contains("default"); value && !value->is_null()) {
    // null (or absent) is the automatic default: the default relay once saved, else sandbox.
    std::optional<Route> route =
        value->is_string() ? parseRoute(value->get_string()) : std::nullopt;
    if (route) {
      table.default_route = std::move(route);
    } else {
      errors.push_back({"default", std::string(kRouteHint)});
    }
  }
  const auto route_of = [](std::string_view text) { return parseRoute(text); };
  readDomainMap(object, "domains", kRouteHint, route_of, table.domains, errors);
  readDomainMap(object, "sender_domains", kRouteHint, route_of, table.sender_domains, errors);
  readDomainMap(
      object, "tls", kTlsHint, [](std::string_view text) { return parseTlsPolicy(text); },
      table.tls, errors);
  readLimits(object, table.limits, errors);
  if (errors.size() != errors_before) return std::nullopt;
  return table;
}

std::string routingToJson(const RoutingTable& table) {
  boost::json::object tls;
  for (const auto& [domain, policy] : table.tls) tls[domain] = toString(policy);
  boost::json::object limits;
  for (const auto& [domain, limit] : table.limits) {
    boost::json::object entry;
    if (limit.connections) entry["connections"] = *limit.connections;
    if (limit.messages_per_minute) entry["messages_per_minute"] = *limit.messages_per_minute;
    limits[domain] = std::move(entry);
  }
  boost::json::object document{
      {"default", table.default_route ? boost::json::value(toString(*table.default_route))
                                      : boost::json::value(nullptr)},
      {"domains", routesJson(table.domains)},
      {"sender_domains", routesJson(table.sender_domains)},
      {"tls", std::move(tls)},
      {"limits", std::move(limits)},
  };
  return boost::json::serialize(document);
}

Result<RoutingTable> routingFromConfig(const RoutingConfig& config) {
  // The configuration is the JSON document written another way: one set of checks for both,
  // with the errors named by configuration key.
  boost::json::object document;
  if (!config.default_route.empty()) document["default"] = config.default_route;
  const auto strings = [](const std::map<std::string, std::string>& map) {
    boost::json::object object;
    for (const auto& [key, value] : map) object[key] = value;
    return object;
  };
  document["domains"] = strings(config.domains);
  document["sender_domains"] = strings(config.sender_domains);
  document["tls"] = strings(config.tls);
  boost::json::object limits;
  for (const auto& [domain, fields] : config.limits) {
    boost::json::object entry;
    for (const auto& [name, value] : fields) entry[name] = value;
    limits[domain] = std::move(entry);
  }
  document["limits"] = std::move(limits);

  std::vector<mime::FieldError> errors;
  auto table = parseRoutingJson(boost::json::serialize(document), errors);
  if (table) return std::move(*table);
  std::string message = "invalid [routing] configuration:";
  for (const auto& error : errors) {
    // "default" is the key routing.default (--default-route); maps keep their table's name.
    message += " routing." + error.field + " " + error.message + ";";
  }
  message.pop_back();
  return Error::permanentFailure("config.invalid_value", message);
}

RoutingRepository::RoutingRepository(store::Store& store, RoutingTable from_config)
    : store_(store), from_config_(std::move(from_config)) {}

Result<EffectiveRouting> RoutingRepository::load() {
  auto stored = store_.getSetting(kSettingKey);
  if (!stored) return stored.takeError();
  if (!stored->has_value()) return EffectiveRouting{from_config_, "config"};
  std::vector<mime::FieldError> errors;
  auto table = parseRoutingJson(**stored, errors);
  if (!table) {
    std::string detail = errors.empty() ? std::string("unreadable")
                                        : errors.front().field + " " + errors.front().message;
    return Error::permanentFailure(
        "settings.corrupt",
        "the saved routes do not parse (" + detail + "): PUT or DELETE /api/v1/settings/routes");
  }
  return EffectiveRouting{std::move(*table), "api"};
}

Result<void> RoutingRepository::save(const RoutingTable& table) {
  return store_.putSetting(kSettingKey, routingToJson(table));
}

Result<void> RoutingRepository::reset() {
  auto removed = store_.deleteSetting(kSettingKey);
  if (!removed) return removed.takeError();
  return success();
}

}  // namespace outpost::delivery
