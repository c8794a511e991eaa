// Relay settings kept as JSON in the store; the password is sealed with the master key and
// opened only here, for the SMTP client.
#include "delivery/relay_settings.h"

#include <boost/json.hpp>

namespace outpost::delivery {

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
  auto stored = store_.getSetting("smtp");
  if (!stored) return stored.takeError();
  if (!stored->has_value()) return std::optional<RelaySettings>();
  boost::system::error_code parse_error;
  const boost::json::value document = boost::json::parse(**stored, parse_error);
  if (parse_error || !document.is_object()) {
    return Error::permanentFailure(
        "settings.corrupt", "the saved SMTP settings do not parse: " + parse_error.message());
  }
  const auto& object = document.as_object();
  const auto text = [&](const char* key) -> std::string {
    const auto* value = object.if_contains(key);
    return value && value->is_string() ? std::string(value->as_string()) : std::string();
  };
  RelaySettings settings;
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
  const std::string sealed = text("password_sealed");
  if (!sealed.empty()) {
    auto opened = secrets_.open(sealed);
    if (!opened) return opened.takeError();
    settings.password = std::move(*opened);
  }
  return std::optional<RelaySettings>(std::move(settings));
}

Result<void> RelaySettingsRepository::save(const RelaySettings& settings) {
  boost::json::object object{
      {"host", settings.host},         {"port", settings.port},
      {"tls", settings.tls},           {"verify_certificate", settings.verify_certificate},
      {"username", settings.username}, {"helo_name", settings.helo_name},
      {"ca_file", settings.ca_file}};
  if (!settings.password.empty()) object["password_sealed"] = secrets_.seal(settings.password);
  return store_.putSetting("smtp", boost::json::serialize(object));
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
