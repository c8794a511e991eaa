// Relay settings kept as JSON in the store: the default relay as the "smtp" setting, named
// relays as "relay:NAME". The password is sealed with the master key and opened only here,
// for the SMTP client. Stored documents were checked when saved; a field of the wrong type
// reads as its default rather than failing the whole relay.
#include "delivery/relay_settings.h"

#include <algorithm>
#include <boost/json.hpp>

#include "delivery/routing.h"

namespace outpost::delivery {

namespace {

constexpr std::string_view kDefaultKey = "smtp";
constexpr std::string_view kNamedPrefix = "relay:";

std::string namedKey(std::string_view name) {
  return std::string(kNamedPrefix) + std::string(name);
}

Result<RelaySettings> fromJson(std::string_view json, std::string_view name,
                               const SecretBox& secrets) {
  boost::system::error_code parse_error;
  const boost::json::value document = boost::json::parse(json, parse_error);
  if (parse_error || !document.is_object()) {
    const std::string which =
        name.empty() ? std::string("SMTP settings") : "settings of relay " + std::string(name);
    return Error::permanentFailure("settings.corrupt",
                                   "the saved " + which + " do not parse: " +
                                       (parse_error ? parse_error.message() : "not an object"));
  }
  const auto& object = document.as_object();
  const auto text = [&](const char* key) -> std::string {
    const auto* value = object.if_contains(key);
    return value && value->is_string() ? std::string(value->as_string()) : std::string();
  };
  RelaySettings settings;
  settings.name = std::string(name);
  settings.host = text("host");
  if (const auto* port = object.if_contains("port"); port && port->is_int64()) {
    settings.port = static_cast<int>(port->as_int64());
  }
  settings.tls = text("tls");
  if (const auto* verify = object.if_contains("verify_certificate"); verify && verify->is_bool()) {
    settings.verify_certificate = verify->as_bool();
  }
  settings.username = text("username");
  settings.helo_name = text("helo_name");
  settings.ca_file = text("ca_file");
  settings.fallback = text("fallback");
  if (const auto* most = object.if_contains("max_connections");
      most && most->is_int64() && most->as_int64() > 0) {
    settings.max_connections = static_cast<std::size_t>(most->as_int64());
  }
  const std::string sealed = text("password_sealed");
  if (!sealed.empty()) {
    auto opened = secrets.open(sealed);
    if (!opened) return opened.takeError();
    settings.password = std::move(*opened);
  }
  return settings;
}

// The stored form: every field but the name (the key says it) and the password, which is
// sealed.
std::string toJson(const RelaySettings& settings, const SecretBox& secrets) {
  boost::json::object object{{"host", settings.host},
                             {"port", settings.port},
                             {"tls", settings.tls},
                             {"verify_certificate", settings.verify_certificate},
                             {"username", settings.username},
                             {"helo_name", settings.helo_name},
                             {"ca_file", settings.ca_file},
                             {"fallback", settings.fallback},
                             {"max_connections", settings.max_connections}};
  if (!settings.password.empty()) object["password_sealed"] = secrets.seal(settings.password);
  return boost::json::serialize(object);
}

Result<std::optional<RelaySettings>> loadKey(store::Store& store, const SecretBox& secrets,
                                             std::string_view key, std::string_view name) {
  auto stored = store.getSetting(key);
  if (!stored) return stored.takeError();
  if (!stored->has_value()) return std::optional<RelaySettings>();
  auto settings = fromJson(**stored, name, secrets);
  if (!settings) return settings.takeError();
  return std::optional<RelaySettings>(std::move(*settings));
}

Error invalidName(std::string_view name) {
  return Error::permanentFailure(
      "invalid_request",
      "\"" + std::string(name) + "\" is not a relay name (1 to 64 of a-z, 0-9, '-', '_')");
}

}  // namespace

std::optional<smtp::TlsMode> parseTlsMode(std::string_view name) {
  if (name == "starttls") return smtp::TlsMode::kStartTlsRequired;
  if (name == "starttls-opportunistic") return smtp::TlsMode::kStartTlsOpportunistic;
  if (name == "tls") return smtp::TlsMode::kImplicit;
  if (name == "none") return smtp::TlsMode::kNone;
  return std::nullopt;
}

RelaySettingsRepository::RelaySettingsRepository(store::Store& store, const SecretBox& secrets)
    : store_(store), secrets_(secrets) {}

Result<std::optional<RelaySettings>> RelaySettingsRepository::load() {
  return loadKey(store_, secrets_, kDefaultKey, "");
}

Result<void> RelaySettingsRepository::save(const RelaySettings& settings) {
  return store_.putSetting(kDefaultKey, toJson(settings, secrets_));
}

Result<std::optional<RelaySettings>> RelaySettingsRepository::loadNamed(std::string_view name) {
  // An invalid name can never have been saved: nothing to find (and nothing to look up).
  if (!isValidRelayName(name)) return std::optional<RelaySettings>();
  return loadKey(store_, secrets_, namedKey(name), name);
}

Result<std::vector<RelaySettings>> RelaySettingsRepository::listNamed() {
  auto stored = store_.listSettings(kNamedPrefix);
  if (!stored) return stored.takeError();
  std::vector<RelaySettings> relays;
  relays.reserve(stored->size());
  for (const auto& [key, value] : *stored) {
    auto settings = fromJson(value, std::string_view(key).substr(kNamedPrefix.size()), secrets_);
    if (!settings) return settings.takeError();
    relays.push_back(std::move(*settings));
  }
  return relays;
}

Result<void> RelaySettingsRepository::saveNamed(const RelaySettings& settings) {
  if (!isValidRelayName(settings.name)) return invalidName(settings.name);
  return store_.putSetting(namedKey(settings.name), toJson(settings, secrets_));
}

Result<bool> RelaySettingsRepository::removeNamed(std::string_view name) {
  if (!isValidRelayName(name)) return false;
  return store_.deleteSetting(namedKey(name));
}

Result<std::optional<RelaySettings>> RelaySettingsRepository::loadByName(std::string_view name) {
  return name.empty() ? load() : loadNamed(name);
}

std::string fallbackLoop(std::string_view name, const std::vector<RelaySettings>& relays) {
  std::vector<std::string> chain{std::string(name)};
  std::string current(name);
  while (true) {
    const auto relay = std::find_if(relays.begin(), relays.end(),
                                    [&](const RelaySettings& r) { return r.name == current; });
    if (relay == relays.end()) return {};
    const std::optional<Route> next = parseRoute(relay->fallback);
    if (!next || next->kind != Route::Kind::kRelay || next->relay_name.empty()) return {};
    current = next->relay_name;
    const bool seen = std::find(chain.begin(), chain.end(), current) != chain.end();
    chain.push_back(current);
    if (seen) {
      std::string text;
      for (const auto& step : chain) text += (text.empty() ? "" : " → ") + step;
      return text;
    }
  }
}

smtp::ClientOptions clientOptionsFor(const RelaySettings& settings, const std::string& hostname,
                                     const SmtpTimeouts& timeouts) {
  smtp::ClientOptions options;
  options.host = settings.host;
  options.port = settings.port;
  options.tls = parseTlsMode(settings.tls).value_or(smtp::TlsMode::kStartTlsRequired);
  options.verify_certificate = settings.verify_certificate;
  options.ca_file = settings.ca_file;
  options.helo_name = settings.helo_name.empty() ? hostname : settings.helo_name;
  if (!settings.username.empty()) {
    options.credentials = smtp::Credentials{settings.username, settings.password};
  }
  options.timeouts = timeouts;
  return options;
}

}  // namespace outpost::delivery
