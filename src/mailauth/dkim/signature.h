// The DKIM-Signature header field (RFC 6376 §3.5, RFC 8463 for ed25519-sha256): parsing it from
// a message for verification, and writing it for signing, folded the way go-msgauth folds it.
// SECURITY: parsed fields come from received mail; every fault is a permanent Error with a reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "mailauth/dkim/canonicalization.h"
#include "mailauth/dkim/key_material.h"

namespace outpost::mailauth::dkim {

// Error code of parseSignature and blankSignatureValue (permanent: RFC 6376 PERMFAIL).
inline constexpr std::string_view kSignatureSyntax = "dkim.signature_syntax";
inline constexpr std::string_view kSignatureFieldName = "DKIM-Signature";

struct Signature {
  KeyAlgorithm algorithm = KeyAlgorithm::kRsaSha256;  // a=
  std::string signature;                              // b=, decoded bytes
  std::string body_hash;                              // bh=, decoded bytes
  Canonicalization header_canonicalization =
      Canonicalization::kSimple;  // c= (default simple/simple)
  Canonicalization body_canonicalization = Canonicalization::kSimple;
  std::string domain;                        // d=
  std::vector<std::string> signed_headers;   // h=, as written (case kept)
  std::string identity;                      // i=; empty when absent
  std::optional<std::uint64_t> body_length;  // l=
  std::string selector;                      // s=
  std::optional<std::uint64_t> timestamp;    // t=, seconds since the epoch
  std::optional<std::uint64_t> expiration;   // x=
  std::string copied_headers;                // z=, raw (diagnostics only)

  // i= or, when absent, "@" + d= (§3.5).
  std::string effectiveIdentity() const;
};

// Parses the value of a DKIM-Signature field (the text after the colon). Checks what §6.1.1 asks
// of a verifier: v=1; a=, b=, bh=, d=, h=, s= present; h= includes From; i= within d=; x= not
// before t=; known algorithm (rsa-sha1 is refused, RFC 8301) and canonicalization; q=dns/txt.
Result<Signature> parseSignature(std::string_view value);

// The whole field with the value of b= removed (everything else byte for byte), which is what
// the signer hashed (§3.7). `field` is "DKIM-Signature: ...", with or without the final CRLF.
Result<std::string> blankSignatureValue(std::string_view field);

// Writes "DKIM-Signature: a=...; bh=...; ...\r\n b=...\r\n": tags in alphabetical order with b=
// last on lines of its own, folded at 75 columns like go-msgauth (so its known-answer tests
// reproduce). With an empty `signature` the field ends in " b=" + CRLF: the form that is hashed.
std::string formatSignature(const Signature& signature);

// Whether the domain of `identity` (i=, "local@domain") is `domain` or a subdomain of it (§3.5).
bool identityWithinDomain(std::string_view identity, std::string_view domain);

// RFC 4648 base64 decoding of a b=/bh= value after whitespace removal; nullopt if malformed.
std::optional<std::string> decodeBase64Value(std::string_view text);

}  // namespace outpost::mailauth::dkim
