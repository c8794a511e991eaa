// Shared helpers of the DKIM signing tests: reading the vectors folder and a small independent
// verifier built on OpenSSL alone (the real verifier lives in the library later).
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#ifndef OUTPOST_DKIM_VECTORS_DIR
#error "OUTPOST_DKIM_VECTORS_DIR must point at the shared DKIM test vectors"
#endif

namespace outpost::mailauth::dkim::testing {

inline std::string vectorPath(const std::string& name) {
  return std::string(OUTPOST_DKIM_VECTORS_DIR) + "/" + name;
}

inline std::string readVector(const std::string& name) {
  std::ifstream in(vectorPath(name), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace outpost::mailauth::dkim::testing
