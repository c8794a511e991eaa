// Identifier alignment (RFC 7489 §3.1) in relaxed and strict mode, with the sentence the console
// and the CLI show.
#include "mailauth/dmarc/alignment.h"

namespace outpost::mailauth::dmarc {

std::string_view mechanismName(Mechanism mechanism) {
  return mechanism == Mechanism::kDkim ? "dkim" : "spf";
}

bool strictlyAligned(std::string_view from_domain, std::string_view domain) {
  const std::string from = canonicalName(from_domain);
  return !from.empty() && from == canonicalName(domain);
}

bool relaxedlyAligned(std::string_view from_domain, std::string_view domain,
                      const PublicSuffixList& suffixes) {
  if (strictlyAligned(from_domain, domain)) return true;
  const auto from_org = suffixes.organizationalDomain(from_domain);
  const auto org = suffixes.organizationalDomain(domain);
  return from_org && org && *from_org == *org;
}

IdentifierAlignment alignIdentifier(Mechanism mechanism, std::string_view from_domain,
                                    std::string_view domain, AlignmentMode required,
                                    const PublicSuffixList& suffixes) {
  IdentifierAlignment out;
  out.mechanism = mechanism;
  out.from_domain = canonicalName(from_domain);
  out.domain = canonicalName(domain);
  out.required = required;
  const std::string what =
      mechanism == Mechanism::kDkim ? "the DKIM signature's d=" : "the MAIL FROM domain";
  if (out.domain.empty()) {
    out.sentence = mechanism == Mechanism::kDkim ? "No DKIM signature: DKIM cannot align."
                                                 : "No MAIL FROM domain: SPF cannot align.";
    return out;
  }
  out.strict = strictlyAligned(out.from_domain, out.domain);
  out.relaxed = relaxedlyAligned(out.from_domain, out.domain, suffixes);
  out.aligned = required == AlignmentMode::kStrict ? out.strict : out.relaxed;
  if (out.strict) {
    out.sentence =
        what + " " + out.domain + " is the From domain: aligned in strict and " + "relaxed mode.";
  } else if (out.relaxed) {
    out.sentence = what + " " + out.domain + " shares the organizational domain " +
                   suffixes.organizationalDomain(out.domain).value_or(out.domain) + " with " +
                   out.from_domain + ": aligned in relaxed mode, not in strict mode" +
                   (required == AlignmentMode::kStrict ? ", which the policy asks for." : ".");
  } else {
    out.sentence = what + " " + out.domain + " and the From domain " + out.from_domain +
                   " have different organizational domains: not aligned in either mode.";
  }
  return out;
}

SetupAlignment alignSetup(std::string_view from_domain, std::string_view dkim_domain,
                          std::string_view mail_from_domain, AlignmentMode adkim,
                          AlignmentMode aspf, const PublicSuffixList& suffixes) {
  SetupAlignment out;
  out.dkim = alignIdentifier(Mechanism::kDkim, from_domain, dkim_domain, adkim, suffixes);
  out.spf = alignIdentifier(Mechanism::kSpf, from_domain, mail_from_domain, aspf, suffixes);
  return out;
}

}  // namespace outpost::mailauth::dmarc
