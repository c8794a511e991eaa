// DKIM key record validation for the console's Validate button: looks up
// selector._domainkey.domain (RFC 6376 §3.6.2) through the dns Resolver and says exactly what is
// wrong with what is published, compared with the key outpost signs with (RFC 8301 sizes).
// SECURITY: every answer comes from DNS and is untrusted; findings quote it but never act on it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "dns/resolver.h"
#include "mailauth/dkim/key_record.h"

namespace outpost::mailauth::dkim {

enum class KeyValidationStatus {
  kOk,       // a usable record is published (warnings may remain)
  kMissing,  // nothing is published at the name
  kProblem,  // something is published but verifiers would fail, or DNS could not tell
};

// "ok", "missing", "problem".
std::string_view keyValidationStatusName(KeyValidationStatus status);

enum class FindingSeverity { kError, kWarning, kNote };

// "error", "warning", "note".
std::string_view findingSeverityName(FindingSeverity severity);

// One thing validation noticed. Codes (stable, for the API and the console):
//   nxdomain         the name does not exist                                   (missing)
//   no_txt           the name exists but has no TXT record (NODATA)            (missing)
//   no_dkim_record   TXT records exist but none is a DKIM key record           (error)
//   several_records  more than one TXT record at the name                      (error)
//   syntax           the record does not parse (the parser's sentence)         (error)
//   wrong_key_type   k= or p= holds another key type than outpost's key         (error)
//   different_key    p= is a valid key, but not outpost's                      (error)
//   revoked          p= is empty                                               (error)
//   key_too_short    RSA below 1024 bits (error) or below 2048 bits (warning)
//   testing          t=y is still set                                          (warning)
//   hash_excluded    h= does not list sha256                                   (error)
//   service_excluded s= allows neither * nor email                             (error)
//   dns_temporary    SERVFAIL, timeout, refused: try again                     (error, temporary)
//   dns_error        another DNS failure                                       (error)
// A "cname" finding is not produced: the Resolver follows CNAMEs without saying so.
struct KeyFinding {
  std::string code;
  FindingSeverity severity = FindingSeverity::kError;
  std::string message;
};

struct KeyValidation {
  KeyValidationStatus status = KeyValidationStatus::kMissing;
  // "selector._domainkey.domain", the name looked up.
  std::string name;
  std::vector<KeyFinding> findings;
  // Every TXT record found at the name (character-strings joined).
  std::vector<std::string> records;
  // The record the findings about its content refer to, parsed when it parses.
  std::optional<std::string> record;
  std::optional<KeyRecord> parsed;
  // The TTL of the TXT answer, when there was one.
  std::optional<std::chrono::seconds> ttl;
  // Whether a finding is a temporary DNS failure: asking again later may give another answer.
  bool temporary = false;

  bool has(std::string_view code) const;
};

// Looks up the key record of `selector` in `domain` and checks it; `expected` is the key outpost
// signs with (private or public), or null to check the record alone. Never fails: DNS trouble is
// a finding. Every argument must outlive the coroutine: pass named variables, not temporaries
// (references, because GCC 12 mishandles temporaries and by-value arguments in co_await).
boost::asio::awaitable<KeyValidation> validateKeyRecord(dns::Resolver& resolver,
                                                        const std::string& domain,
                                                        const std::string& selector,
                                                        const KeyHandle& expected);

}  // namespace outpost::mailauth::dkim
