// The submission server's first certificate: until an administrator configures PEM files, a
// self-signed one (ECDSA P-256, the host name as subject and DNS name, valid for two years) is
// made once in the data folder, so that STARTTLS and implicit TLS work from the first start
// and AUTH never goes over plain text. Clients must be told to accept it, or be given a real one.
#pragma once

#include <string>

#include "core/result.h"

namespace outpost::smtp {

// Makes `certificate_path` and `key_path` (mode 0600) unless both exist already.
Result<void> ensureSelfSignedCertificate(const std::string& certificate_path,
                                         const std::string& key_path, const std::string& hostname);

}  // namespace outpost::smtp
