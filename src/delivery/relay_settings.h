// The SMTP relay settings (the default relay): kept in the store as the "smtp" setting, the
// password sealed with the master key. The password is never returned to callers that
// display settings (toPublicJson).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/secret_box.h"
#include "smtp/client.h"
#include "store/store.h"

namespace outpost::delivery {

struct RelaySettings {
  std::string name;  // "" for the default relay (settings/smtp); else a named relay
  std::string host;
  int port = 587;
  // "starttls" (required), "starttls-opportunistic", "tls" (implicit), "none"
  std::string tls = "starttls";
  bool verify_certificate = true;
  std::string username;
  std::string password;   // plain text in memory only
  std::string helo_name;  // "" = the configured hostname
  std::string ca_file;    // a private CA bundle to verify the relay with; "" = system store
  // Where mail goes when this relay cannot be reached (connect, TLS, EHLO or AUTH fails), within
  // the same attempt: "" (nowhere: deferred), "mx", "relay" (the default relay) or "relay:NAME".
  std::string fallback;
  std::size_t max_connections = 0;  // sessions at once; 0 = delivery.max_connections
};

// Checks and converts a TLS mode name; nullopt when unknown.
std::optional<smtp::TlsMode> parseTlsMode(std::string_view name);

class RelaySettingsRepository {
 public:
  RelaySettingsRepository(store::Store& store, const SecretBox& secrets);
  // The default relay; nullopt when none was saved (the automatic default route is then sandbox).
  Result<std::optional<RelaySettings>> load();
  Result<void> save(const RelaySettings& settings);

  // Named relays ("relay:NAME" routes), kept as the "relay:NAME" settings.
  Result<std::optional<RelaySettings>> loadNamed(std::string_view name);
  Result<std::vector<RelaySettings>> listNamed();
  // settings.name must be a valid relay name (routing.h isValidRelayName).
  Result<void> saveNamed(const RelaySettings& settings);
  // False when there was no such relay.
  Result<bool> removeNamed(std::string_view name);
  // "" → the default relay, else the named one.
  Result<std::optional<RelaySettings>> loadByName(std::string_view name);

 private:
  store::Store& store_;
  const SecretBox& secrets_;
};

// Follows the fallback chain that starts at the named relay `name` through `relays` (the named
// relays): "" when it ends (at "", "mx", "relay" or an unknown relay), else the loop it makes,
// as "eu → us → eu".
std::string fallbackLoop(std::string_view name, const std::vector<RelaySettings>& relays);

// The client options for a relay, with the configured timeouts and EHLO name.
smtp::ClientOptions clientOptionsFor(const RelaySettings& settings, const std::string& hostname,
                                     const SmtpTimeouts& timeouts);

}  // namespace outpost::delivery
