// Relay settings in and out of JSON. Input is untrusted: each field is checked and every
// problem is reported; the password is write-only.
#include "http/settings_request.h"

#include <arpa/inet.h>
#include <unistd.h>

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
  if (!settings.username.empty() && settings.password.empty() && errors.size() == errors_before) {
    reader.fail("password", "is required with a username");
  }

  if (errors.size() != errors_before) return std::nullopt;
  return settings;
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
