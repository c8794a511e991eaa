// DKIM signing at intake (RFC 6376 §5): every message is signed once, before the durable commit,
// so the stored message is the signed one and every attempt sends the same bytes. Intake runs on
// the blocking pool, so signing never runs on an I/O thread. The From domain's active keys sign
// (both, when it has an RSA and an Ed25519 key); a domain without one falls back to
// dkim.fallback_domain's keys, or goes out unsigned.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "mailauth/dkim/signer.h"

namespace outpost::intake {

// Loads signers for the active keys of a domain, with `options` as the template for their
// SignOptions (d= and s= are the key's). delivery::DkimKeyRepository::activeSigners in serve.
using SignerSource = std::function<Result<std::vector<mailauth::dkim::Signer>>(
    const std::string& domain, const mailauth::dkim::SignOptions& options)>;

// Error code of DkimSigning::sign: a domain has an active key but the message could not be signed
// with it (the store did not answer, the key did not open, OpenSSL failed). Temporary: nothing is
// stored, the submitter tries again (HTTP 503, SMTP 451), rather than mail going out unsigned.
inline constexpr std::string_view kSigningUnavailable = "signing_unavailable";

// The SignOptions `config` asks for (c=, x=), with outpost's signed and oversigned headers.
// "config.invalid_value" for an unknown canonicalization.
Result<mailauth::dkim::SignOptions> signOptionsFromConfig(const DkimConfig& config);

class DkimSigning {
 public:
  DkimSigning(SignerSource source, mailauth::dkim::SignOptions options, const DkimConfig& config);

  // The DKIM-Signature fields (each ending in CRLF) to put on top of `message`, "" when neither
  // `from_domain` nor the fallback domain has an active key. A message the signer refuses (no
  // From field, a header block that does not split) is left unsigned: that is the submitter's
  // message as given, and intake has already accepted its form. Thread-safe.
  Result<std::string> sign(std::string_view message, std::string_view from_domain, UnixMillis now);

  // Forgets the cached signers: keys were added, activated or removed in this process.
  void invalidate();

 private:
  using Signers = std::shared_ptr<const std::vector<mailauth::dkim::Signer>>;
  struct CacheEntry {
    Signers signers;
    UnixMillis loaded_at = 0;
  };

  Result<Signers> signersFor(const std::string& domain, UnixMillis now);

  SignerSource source_;
  mailauth::dkim::SignOptions options_;
  const DkimConfig& config_;
  std::mutex mutex_;  // guards cache_ only; signing happens outside it
  std::unordered_map<std::string, CacheEntry> cache_;
};

}  // namespace outpost::intake
