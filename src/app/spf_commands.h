// `outpost spf check`: SPF from the command line (RFC 7208). With --ip it runs check_host() alone
// (no data folder, no server); without, it validates the domain's SPF for outpost's setup,
// reading the relays and routes from the data folder when it exists.
#pragma once

#include <string>

#include "core/config.h"

namespace outpost::app {

struct SpfCheckOptions {
  std::string domain;
  std::string ip;      // "" = validate instead of check_host()
  std::string sender;  // "" = postmaster@DOMAIN
  std::string helo;    // "" = the configured hostname
  bool json = false;
};

// With an IP: exit 0 when the result is pass, 1 otherwise. Without: 0 when the status is ok,
// 1 otherwise (warning, missing, error). 2 for unusable arguments.
int spfCheck(const Config& config, const SpfCheckOptions& options);

}  // namespace outpost::app
