// DKIM signing keys: generating new ones with OpenSSL and importing PEM private keys (RFC 6376
// §3.3 rsa-sha256, RFC 8301 key sizes, RFC 8463 ed25519-sha256), with the TXT record to publish
// and the default selector. SECURITY: imported PEM text comes from an administrator's upload and
// is untrusted; the private PEM produced here is a secret: seal it before storing, never log it.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "mailauth/dkim/key_record.h"

namespace outpost::mailauth::dkim {

// Error code of generateKey and importPrivateKeyPem: the request or the PEM text cannot give a
// key outpost signs with (permanent, the message says why and what to do).
inline constexpr std::string_view kKeyRefused = "dkim.key_refused";

enum class KeyAlgorithm { kRsaSha256, kEd25519Sha256 };

// "rsa-sha256", "ed25519-sha256": the a= values.
std::string_view algorithmName(KeyAlgorithm algorithm);
// The inverse of algorithmName.
Result<KeyAlgorithm> parseAlgorithm(std::string_view name);

// RSA sizes for new keys: RFC 8301 §3.2 makes 1024 the floor for verifiers, outpost asks more of
// its own keys. 3072 and 4096 are allowed but sign several times slower (design.md).
inline constexpr int kDefaultRsaBits = 2048;
inline constexpr int kMinimumRsaBits = 2048;

struct KeyMaterial {
  KeyAlgorithm algorithm = KeyAlgorithm::kRsaSha256;
  // The RSA modulus size, or 256 for Ed25519.
  int bits = 0;
  // Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"): seal it with the master key.
  std::string private_pem;
  // The private key, ready for the signer.
  KeyHandle private_key;
  // Its public half alone, for comparing with what DNS publishes.
  KeyHandle public_key;
  // "v=DKIM1; k=...; p=...": see splitTxtStrings and zoneFileTxt for publishing it.
  std::string txt_record;
};

// A new key: RSA of `rsa_bits` (2048, 3072 or 4096; anything else is refused, 1024 with the
// reason) or Ed25519 (rsa_bits ignored).
Result<KeyMaterial> generateKey(KeyAlgorithm algorithm, int rsa_bits = kDefaultRsaBits);

// A private key in PEM: PKCS#8 ("BEGIN PRIVATE KEY", RSA or Ed25519) or traditional RSA ("BEGIN
// RSA PRIVATE KEY"). Refuses encrypted keys, public keys, other key types, RSA below 2048 bits
// and anything that is not PEM, each with a sentence saying what to do.
Result<KeyMaterial> importPrivateKeyPem(std::string_view pem);

// "op" + the UTC year and month of `now` + 'r' (RSA) or 'e' (Ed25519): "op202611r". One key per
// algorithm and month keeps rotation readable in DNS.
std::string defaultSelector(UnixMillis now, KeyAlgorithm algorithm);

}  // namespace outpost::mailauth::dkim
