// Secrets at rest (relay passwords, later DKIM private keys): sealed with libsodium's
// secretbox (XSalsa20-Poly1305) under a 32-byte master key kept in the data folder
// (file "master.key", mode 0600, created on first use).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace outpost {

class SecretBox {
 public:
  // Loads DATA_DIR/master.key, creating it (and the folder) when missing.
  static Result<SecretBox> openDataDir(const std::string& data_dir);
  explicit SecretBox(std::string key) : key_(std::move(key)) {}

  // "sb1:" + base64(nonce || ciphertext)
  std::string seal(std::string_view plaintext) const;
  // Error code "secret.corrupt" when the text was not sealed with this key.
  Result<std::string> open(std::string_view sealed) const;
  // A 32-byte key for one purpose ("verp"), derived from the master key: each use gets its own
  // key, and none reveals the master key.
  std::string deriveKey(std::string_view purpose) const;

 private:
  std::string key_;
};

}  // namespace outpost
