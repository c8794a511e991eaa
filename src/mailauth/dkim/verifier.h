// DKIM verification (RFC 6376 §6, RFC 8463, RFC 8301): every DKIM-Signature of a message checked
// against the key published in DNS, each with a result and the reason a person can act on. Used
// by the DKIM Test button and diagnostics, not on the delivery hot path.
// SECURITY: the message and every DNS answer are untrusted; nothing here throws or trusts a length.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.h"
#include "mailauth/dkim/signature.h"

namespace outpost::mailauth::dkim {

// RFC 8601 §2.7.1 results (the words Authentication-Results uses).
enum class VerifyResult { kPass, kFail, kNeutral, kTemperror, kPermerror, kNone };

// "pass", "fail", "neutral", "temperror", "permerror", "none".
std::string_view verifyResultName(VerifyResult result);

// The outcome for one DKIM-Signature field. `reason` is a sentence for a person ("the body hash
// does not match: the body was changed after signing (bh= …, computed …)"); `code` is a stable
// word for programs and tests:
//   pass
//   signature_syntax      the field does not parse (missing tag, bad value)      permerror
//   unsupported           an algorithm, canonicalization or q= outpost cannot use permerror
//   expired               x= is in the past                                      permerror
//   future                t= is in the future (beyond the allowed clock skew)     permerror
//   no_key                NXDOMAIN or no TXT record at selector._domainkey.d       permerror
//   key_syntax            the key record does not parse                          permerror
//   key_revoked           p= is empty                                            permerror
//   key_mismatch          k= does not fit a=, h= excludes the hash, s= excludes email,
//                         t=s with i= in a subdomain                             permerror
//   key_too_short         RSA key under 1024 bits (RFC 8301)                     permerror
//   dns_temporary         SERVFAIL, timeout: try again later                     temperror
//   body_length           l= longer than the body                                permerror
//   body_hash             the body hash does not match                           fail
//   signature             the signature does not verify over the headers          fail
//   testing               a failure while the key record says t=y: treated as neutral
//                         (`underlying_code` keeps what the failure was)
//   too_many              beyond VerifyOptions::max_signatures, left unchecked    permerror
//   message_syntax        the header block does not split (see message_error)    permerror
struct SignatureVerdict {
  VerifyResult result = VerifyResult::kPermerror;
  std::string code;
  std::string reason;
  // From the signature when it parsed that far (for display): d=, s=, a=, i=, h=, c=, l=, t=, x=.
  std::optional<Signature> signature;
  // The DKIM-Signature field as it appears in the message (unfolded, without CRLF), for display.
  std::string field;
  // selector._domainkey.domain and the TXT record found there, when a lookup was made.
  std::string key_name;
  std::string key_record;
  bool key_testing = false;  // the key record has t=y
  int key_bits = 0;
  // For code "testing": the code the failure had before t=y made it neutral ("body_hash", …).
  std::string underlying_code;
};

struct VerificationReport {
  // One verdict per DKIM-Signature field, top to bottom as in the message. Empty when the
  // message carries none (then `result` is kNone).
  std::vector<SignatureVerdict> signatures;
  // The best result among them (pass > fail > neutral > temperror > permerror; kNone when there
  // is no signature), the way a receiver summarizes.
  VerifyResult result = VerifyResult::kNone;
  // Set when the message itself cannot be read (no header/body split): every signature is then
  // a permerror with this reason.
  std::string message_error;
};

struct VerifyOptions {
  // The verification time (seconds since the epoch) for t= and x=; 0 means the system clock's
  // current time.
  std::uint64_t now_seconds = 0;
  // Tolerated clock skew for t= in the future.
  std::uint64_t allowed_clock_skew_seconds = 300;
  // Signatures after this many are reported as permerror "too many signatures" unchecked (a
  // message can carry any number; each costs a DNS lookup and public key operation).
  std::size_t max_signatures = 10;
};

// Verifies every DKIM-Signature of `message` (CRLF text, header and body), looking keys up as TXT
// records through `resolver`. Never fails: each problem is a verdict. Every argument must
// outlive the coroutine: pass named variables (GCC 12 mishandles temporaries in co_await).
// Each key name is looked up once per message, however many signatures use it. When several
// TXT records are published at a name (RFC 6376 §6.1.2 leaves the choice to the verifier), the
// first that parses as a key record is used; when none does, the first record's fault is the
// key_syntax reason.
boost::asio::awaitable<VerificationReport> verifyMessage(dns::Resolver& resolver,
                                                         const std::string& message,
                                                         const VerifyOptions& options);

// The same checks with the key record text given instead of looked up: `key_records` maps
// "selector._domainkey.domain" (lower case) to the TXT record, absent names are no_key. For
// tools and tests with no DNS at hand. Synchronous.
VerificationReport verifyMessageWithKeys(
    const std::string& message, const std::vector<std::pair<std::string, std::string>>& key_records,
    const VerifyOptions& options);

}  // namespace outpost::mailauth::dkim
