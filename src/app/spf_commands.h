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
  // Reads checks from standard input, one JSON object per line ({"ip", "domain"?, "sender"?,
  // "helo"?}; the domain defaults to DOMAIN, else the sender's), and prints one --json line for
  // each: many check_host() runs on one resolver, for scripts and the pyspf agreement test.
  bool batch = false;
};

// With an IP: exit 0 when the result is pass, 1 otherwise. Without: 0 when the status is ok,
// 1 otherwise (warning, missing, error). 2 for unusable arguments. --batch: 0 when every line
// could be checked (whatever the results), 1 when a line was unusable (its output line says why).
int spfCheck(const Config& config, const SpfCheckOptions& options);

}  // namespace outpost::app
