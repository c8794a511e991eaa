// `outpost dmarc check DOMAIN`: the DMARC policy of a sending domain (RFC 7489), the alignment
// of outpost's own mail with it (DKIM keys from --data, the return-path domain from the
// configuration), and the record to publish, as the API's /dmarc/validate gives them.
#pragma once

#include <string>

#include "core/config.h"

namespace outpost::app {

// Looks the policy up through config.dns_server (--dns-server). Prints the policy found and
// where, its tags and errors, the alignment, and the recommendation; with `json`, one JSON line
// (the API's form). Exit code 0 when one DMARC policy is published and valid (receivers apply
// it and it has no tag error), 1 otherwise (none, broken, several records, DNS failure), 2 on
// a usage error.
int dmarcCheck(const Config& config, const std::string& domain, bool json);

}  // namespace outpost::app
