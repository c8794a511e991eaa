// Shared helpers of the DKIM signing tests: reading the vectors folder and a small independent
// verifier built on OpenSSL alone (the real verifier lives in the library later), and fresh keys.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "mailauth/dkim/key_record.h"

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

// A new RSA key of `bits` (any size: tests also need keys too short to be allowed).
inline KeyHandle generateRsa(unsigned bits) { return adoptKey(EVP_RSA_gen(bits)); }

inline KeyHandle generateEd25519() {
  EVP_PKEY* key = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr), &EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &key) != 1) {
    return nullptr;
  }
  return adoptKey(key);
}

}  // namespace outpost::mailauth::dkim::testing
