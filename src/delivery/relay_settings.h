// The SMTP relay settings (the default relay): kept in the store as the "smtp" setting, the
// password sealed with the master key. The password is never returned to callers that
// display settings (toPublicJson).
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "core/secret_box.h"
#include "smtp/client.h"
#include "store/store.h"

namespace outpost::delivery {

struct RelaySettings {
  std::string host;
  int port = 587;
  // "starttls" (required), "starttls-opportunistic", "tls" (implicit), "none"
  std::string tls = "starttls";
  bool verify_certificate = true;
  std::string username;
  std::string password;   // plain text in memory only
  std::string helo_name;  // "" = the configured hostname
  std::string ca_file;    // a private CA bundle to verify the relay with; "" = system store
};

// Checks and converts a TLS mode name; nullopt when unknown.
std::optional<smtp::TlsMode> parseTlsMode(std::string_view name);

class RelaySettingsRepository {
 public:
  RelaySettingsRepository(store::Store& store, const SecretBox& secrets);
  // nullopt when no relay was saved (the default route is then sandbox).
  Result<std::optional<RelaySettings>> load();
  Result<void> save(const RelaySettings& settings);

 private:
  store::Store& store_;
  const SecretBox& secrets_;
};

// The client options for a relay, with the configured timeouts and EHLO name.
smtp::ClientOptions clientOptionsFor(const RelaySettings& settings, const std::string& hostname,
                                     const SmtpTimeouts& timeouts);

}  // namespace outpost::delivery
