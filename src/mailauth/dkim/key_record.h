// DKIM key records: parsing the TXT record published at selector._domainkey.domain (RFC 6376
// §3.6.1, RFC 8463 §4 for k=ed25519) into a usable public key, and writing one to publish.
// SECURITY: records come from DNS and are untrusted; every fault becomes an Error a person can act
// on.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace outpost::mailauth::dkim {

// Error codes of parseKeyRecord. "dkim.key_syntax": the tag list or a tag value is malformed;
// "dkim.key_type": k= names a type outpost does not know, or p= holds another type of key;
// "dkim.key_data": p= is not base64 or does not hold a public key. All permanent.
inline constexpr std::string_view kKeySyntax = "dkim.key_syntax";
inline constexpr std::string_view kKeyType = "dkim.key_type";
inline constexpr std::string_view kKeyData = "dkim.key_data";

enum class KeyType { kRsa, kEd25519 };

// "rsa", "ed25519": the k= values.
std::string_view keyTypeName(KeyType type);

// An OpenSSL key shared between copies of the records that hold it (EVP_PKEY is immutable
// once built, and OpenSSL counts its references itself).
using KeyHandle = std::shared_ptr<EVP_PKEY>;
// Takes ownership of `key` (which may be null).
KeyHandle adoptKey(EVP_PKEY* key);

struct KeyRecord {
  KeyType type = KeyType::kRsa;
  // h=: the hash algorithms the key may be used with, as published; empty means all of them.
  std::vector<std::string> hash_algorithms;
  // s=: the service types; "*" (the default) or "email" let it sign mail.
  std::vector<std::string> service_types{"*"};
  bool testing = false;          // t=y: verifiers must not treat failures differently
  bool strict_identity = false;  // t=s: i= must be in d= itself, not in a subdomain
  std::string notes;             // n=, for people
  // p= with its whitespace removed; empty when the key is revoked.
  std::string public_key_base64;
  // Null when revoked.
  KeyHandle public_key;
  // The RSA modulus size (or 256 for Ed25519); 0 when revoked.
  int key_bits = 0;

  bool revoked() const { return public_key_base64.empty(); }
  // Whether h= allows `hash` ("sha256").
  bool allowsHash(std::string_view hash) const;
  // Whether s= allows signing e-mail.
  bool allowsEmail() const;
};

// Parses a key record whose character-strings are already joined. Unknown tags are ignored
// (§3.6.1); a revoked key (empty p=) parses fine and says so through revoked().
Result<KeyRecord> parseKeyRecord(std::string_view text);

// Builds the public key from the decoded p= bytes: for RSA a SubjectPublicKeyInfo, or the bare
// PKCS#1 RSAPublicKey some publishers use; for Ed25519 the raw 32 bytes (RFC 8463 §4).
Result<KeyHandle> decodePublicKey(KeyType type, std::string_view der);

// Whether two keys are the same public key (a private key compares by its public half).
bool samePublicKey(const EVP_PKEY& a, const EVP_PKEY& b);

// The key type of an RSA or Ed25519 key; an error for any other kind.
Result<KeyType> keyTypeOf(const EVP_PKEY& key);

// The record to publish for `key` (public or private; only the public half is written):
// "v=DKIM1; k=rsa; p=<SubjectPublicKeyInfo>" or "v=DKIM1; k=ed25519; p=<raw key>".
Result<std::string> formatKeyRecord(const EVP_PKEY& key);

// A DNS TXT record holds character-strings of at most 255 octets (RFC 1035 §3.3.14); a longer
// record is published as several that verifiers join again. Never returns an empty list.
std::vector<std::string> splitTxtStrings(std::string_view record, std::size_t max_octets = 255);

// The record as zone-file text ready to paste after "TXT": "\"v=DKIM1; ...\" \"...\"", each
// string at most 255 octets, with '"' and '\' escaped.
std::string zoneFileTxt(std::string_view record);

// RFC 4648 §4 base64, used for p=.
std::string encodeBase64(std::string_view bytes);

}  // namespace outpost::mailauth::dkim
