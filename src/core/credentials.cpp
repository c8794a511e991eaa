#include "core/credentials.h"

#include <sodium.h>

#include "core/ids.h"

namespace outpost {
namespace {

std::string toHex(const unsigned char* data, std::size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), data, size);
  hex.pop_back();
  return hex;
}

bool isTokenCharacter(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }

}  // namespace

ApiKeyToken generateApiKey() {
  ApiKeyToken token;
  token.prefix = randomToken(8).substr(0, 12);
  token.secret = randomToken(20).substr(0, 32);
  return token;
}

std::optional<ApiKeyToken> parseApiKey(std::string_view text) {
  if (text.size() != 3 + 12 + 1 + 32 || text.substr(0, 3) != "op_" || text[15] != '_') {
    return std::nullopt;
  }
  ApiKeyToken token{std::string(text.substr(3, 12)), std::string(text.substr(16))};
  for (char c : token.prefix + token.secret) {
    if (!isTokenCharacter(c)) return std::nullopt;
  }
  return token;
}

std::string hashApiKeySecret(std::string_view secret) {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  return toHex(digest, sizeof digest);
}

bool verifyApiKeySecret(std::string_view secret, std::string_view stored_hash) {
  return equalSecrets(hashApiKeySecret(secret), stored_hash);
}

Result<std::string> hashPassword(std::string_view password) {
  if (sodium_init() < 0) return Error::permanentFailure("crypto.init", "libsodium failed to start");
  char hashed[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hashed, password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Error::temporaryFailure("crypto.memory", "not enough memory to hash the password");
  }
  return std::string(hashed);
}

bool verifyPassword(std::string_view password, const std::string& stored_hash) {
  if (sodium_init() < 0) return false;
  return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

std::string generateSessionToken() { return randomToken(32); }

std::string hashSessionToken(std::string_view token) { return hashApiKeySecret(token); }

bool equalSecrets(std::string_view given, std::string_view expected) {
  return given.size() == expected.size() &&
         sodium_memcmp(given.data(), expected.data(), given.size()) == 0;
}

std::string generatePassword() { return randomToken(13).substr(0, 20); }

}  // namespace outpost
