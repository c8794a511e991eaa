// API keys, console sessions and user passwords. API keys are long random tokens, so a fast keyed
// hash (BLAKE2b) is enough to store them; passwords are chosen by people, so they get argon2id.
// Keys look like "op_<prefix>_<secret>": the prefix finds the stored key, the secret proves it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace outpost {

struct ApiKeyToken {
  std::string prefix;  // 12 characters, public
  std::string secret;  // 32 characters, shown once
  std::string text() const { return "op_" + prefix + "_" + secret; }
};

ApiKeyToken generateApiKey();
std::optional<ApiKeyToken> parseApiKey(std::string_view text);
std::string hashApiKeySecret(std::string_view secret);
// Constant-time comparison of the secret's hash with the stored one.
bool verifyApiKeySecret(std::string_view secret, std::string_view stored_hash);

// argon2id (libsodium crypto_pwhash_str, interactive limits).
Result<std::string> hashPassword(std::string_view password);
bool verifyPassword(std::string_view password, const std::string& stored_hash);
// A console session's token (for the cookie) and its CSRF token: 256 random bits each,
// URL-safe. The store keeps only hashSessionToken() of the session token.
std::string generateSessionToken();
std::string hashSessionToken(std::string_view token);
// Compares two secrets in constant time (for their length).
bool equalSecrets(std::string_view given, std::string_view expected);

// A password for a person to copy: 20 characters from an unambiguous alphabet.
std::string generatePassword();

}  // namespace outpost
