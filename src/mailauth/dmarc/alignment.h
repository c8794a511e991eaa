// Identifier alignment (RFC 7489 §3.1): whether the domain SPF authenticates (the MAIL FROM
// domain, §3.1.2) and the d= of a DKIM signature (§3.1.1) match the RFC5322.From domain, in
// relaxed mode (same organizational domain, §3.2) or strict mode (the same name).
// SECURITY: domains may come from DNS or messages: compared in canonical form only.
#pragma once

#include <string>

#include "mailauth/dmarc/public_suffix.h"
#include "mailauth/dmarc/record.h"

namespace outpost::mailauth::dmarc {

enum class Mechanism { kDkim, kSpf };
// "dkim", "spf".
std::string_view mechanismName(Mechanism mechanism);

// Same name (case and a trailing dot aside).
bool strictlyAligned(std::string_view from_domain, std::string_view domain);
// Same organizational domain; names that are public suffixes align only with themselves.
bool relaxedlyAligned(std::string_view from_domain, std::string_view domain,
                      const PublicSuffixList& suffixes);

// The alignment of one mechanism's authenticated domain with the From domain.
struct IdentifierAlignment {
  Mechanism mechanism = Mechanism::kDkim;
  std::string from_domain;
  std::string domain;  // the d= or MAIL FROM domain; "" when there is none (no signature)
  bool relaxed = false;
  bool strict = false;
  AlignmentMode required = AlignmentMode::kRelaxed;  // what the policy's adkim / aspf ask
  bool aligned = false;                              // under `required`
  std::string sentence;                              // says all of the above for a person
};

IdentifierAlignment alignIdentifier(Mechanism mechanism, std::string_view from_domain,
                                    std::string_view domain, AlignmentMode required,
                                    const PublicSuffixList& suffixes);

// Both mechanisms for one sending setup. DMARC passes when either aligned identifier also
// passes its own check (§4.2); `aligned()` says whether one can.
struct SetupAlignment {
  IdentifierAlignment dkim{Mechanism::kDkim};
  IdentifierAlignment spf{Mechanism::kSpf};
  bool aligned() const { return dkim.aligned || spf.aligned; }
};

SetupAlignment alignSetup(std::string_view from_domain, std::string_view dkim_domain,
                          std::string_view mail_from_domain, AlignmentMode adkim,
                          AlignmentMode aspf, const PublicSuffixList& suffixes);

}  // namespace outpost::mailauth::dmarc
