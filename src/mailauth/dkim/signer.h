// DKIM signing (RFC 6376 §5, RFC 8463 for ed25519-sha256, RFC 8301 for key sizes): one Signer per
// domain key, shared by every thread of the CPU pool. The message to sign is trusted more than
// received mail but still checked: a header block that does not split is refused, not signed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "mailauth/dkim/canonicalization.h"
#include "mailauth/dkim/key_material.h"
#include "mailauth/dkim/key_record.h"

namespace outpost::mailauth::dkim {

// Error codes of Signer: "dkim.signing_key" (the key or options cannot sign: wrong key type,
// RSA below 2048 bits, no d= or s=, i= outside d=) and "dkim.sign_message" (the message cannot
// be signed: no From, bad header block), both permanent; "dkim.sign_crypto" (OpenSSL failed),
// temporary.
inline constexpr std::string_view kSigningKeyRefused = "dkim.signing_key";
inline constexpr std::string_view kMessageNotSignable = "dkim.sign_message";
inline constexpr std::string_view kSignCrypto = "dkim.sign_crypto";

// The header fields outpost signs when present (issue 5).
inline constexpr std::string_view kDefaultSignedHeaders[] = {"from",
                                                             "to",
                                                             "cc",
                                                             "subject",
                                                             "date",
                                                             "message-id",
                                                             "reply-to",
                                                             "mime-version",
                                                             "content-type",
                                                             "content-transfer-encoding",
                                                             "in-reply-to",
                                                             "references",
                                                             "list-unsubscribe",
                                                             "list-unsubscribe-post"};
// Signed once more than present, so nobody can add another instance later (§8.15).
inline constexpr std::string_view kDefaultOversignedHeaders[] = {"from", "subject", "to", "date"};

struct SignOptions {
  std::string domain;    // d=
  std::string selector;  // s=
  Canonicalization header_canonicalization = Canonicalization::kRelaxed;
  Canonicalization body_canonicalization = Canonicalization::kRelaxed;
  // Names to sign where present, in this order; h= spells them as given here (verifiers compare
  // without case), once per occurrence in the message.
  std::vector<std::string> headers{std::begin(kDefaultSignedHeaders),
                                   std::end(kDefaultSignedHeaders)};
  // Names of `headers` listed once more than they occur (also when absent: then none can be added).
  std::vector<std::string> oversigned_headers{std::begin(kDefaultOversignedHeaders),
                                              std::end(kDefaultOversignedHeaders)};
  // x= is t= plus this many seconds; none when absent.
  std::optional<std::uint64_t> expire_after_seconds;
  // i=; empty means none (verifiers then use "@" + d=).
  std::string identity;
};

class Signer {
 public:
  // Refuses keys that are not RSA or Ed25519 and RSA keys below kMinimumRsaBits.
  static Result<Signer> create(KeyHandle private_key, SignOptions options);

  // The complete "DKIM-Signature: ...\r\n" field to put on top of `message` (CRLF text, header
  // and body). `now_seconds` becomes t=. Thread-safe: the key is only read.
  Result<std::string> sign(std::string_view message, std::uint64_t now_seconds) const;

  KeyAlgorithm algorithm() const { return algorithm_; }
  const SignOptions& options() const { return options_; }

 private:
  Signer(KeyHandle key, KeyAlgorithm algorithm, SignOptions options)
      : key_(std::move(key)), algorithm_(algorithm), options_(std::move(options)) {}

  KeyHandle key_;
  KeyAlgorithm algorithm_;
  SignOptions options_;
};

// Signs without the key policy of Signer::create (any RSA size): for known-answer tests with
// the RFCs' 1024-bit keys and for tools. `algorithm` must match the key. Outpost's own sending
// goes through Signer.
Result<std::string> signMessage(EVP_PKEY& key, KeyAlgorithm algorithm, const SignOptions& options,
                                std::string_view message, std::uint64_t now_seconds);

// The h= list for `message` under `options`: every listed name present in the header block once
// per occurrence, then once more for the oversigned ones (names lower case). Exposed for tests.
std::vector<std::string> headersToSign(const std::vector<std::string_view>& present_names,
                                       const SignOptions& options);

}  // namespace outpost::mailauth::dkim
