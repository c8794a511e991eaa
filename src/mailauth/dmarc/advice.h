// What a deliverability expert would say about a domain's DMARC policy for a given sending
// setup, and the record to publish: a safe p=none with aggregate reports (rua) first, then the
// steps to quarantine (a pct ramp) and reject, each with the condition to meet before it
// (RFC 7489 §6.3 tags, §6.6.3 discovery, §7.1 external report destinations).
// SECURITY: the policy and DNS answers are untrusted; they are quoted, never acted on.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dns/resolver.h"
#include "mailauth/dmarc/alignment.h"
#include "mailauth/dmarc/policy.h"

namespace outpost::mailauth::dmarc {

// A report URI whose domain is not the policy's organizational domain, and whether the
// destination authorized it (RFC 7489 §7.1: a DMARC record at
// <policy domain>._report._dmarc.<destination domain>).
struct ReportDestination {
  std::string tag;                 // "rua" | "ruf"
  std::string uri;                 // as written
  std::string destination_domain;  // the mailto address's domain
  std::string authorization_name;  // the name looked up
  // true: authorized; false: no DMARC record there; empty: DNS could not tell (see `error`).
  std::optional<bool> authorized;
  std::string error;
};

// Looks up the §7.1 authorization of every mailto rua/ruf URI outside the organizational domain
// of the policy found. Never fails. Arguments must outlive the coroutine.
boost::asio::awaitable<std::vector<ReportDestination>> checkReportDestinations(
    dns::Resolver& resolver, const PolicyDiscovery& policy, const PublicSuffixList& suffixes);

// One thing the advice noticed. Codes (stable, for the API and the console):
//   no_policy             no DMARC record at the domain or its organizational domain   (warning)
//   several_records       more than one DMARC record: receivers apply none             (error)
//   syntax                a tag error (one finding per error, the parser's sentence)   (error)
//   p_assumed             p= missing or invalid, rua valid: receivers act as p=none    (error)
//   not_applied           the record is not applied (no valid p, no valid rua)         (error)
//   dns_temporary         DNS failed temporarily (SERVFAIL, timeout): try again        (error)
//   dns_error             another DNS failure                                          (error)
//   org_domain_policy     the policy is the organizational domain's; sp applies        (note)
//   policy_none           p=none monitors only: failing mail is delivered as usual     (note)
//   pct_partial           pct<100 applies the policy to part of the failing mail       (warning)
//   sp_weaker             sp= is weaker than p= for subdomains                         (warning)
//   no_rua                no aggregate reports: nobody sees what fails                 (warning)
//   rua_not_mailto        a report URI receivers need not support (only mailto: is)    (warning)
//   rua_unauthorized      an external destination without its §7.1 record              (warning)
//   rua_unchecked         the §7.1 record could not be looked up (DNS)                 (warning)
//   ruf_present           failure reports: few receivers send them; personal data      (note)
//   unknown_tags          tags RFC 7489 does not define (DMARCbis np/psd/t, typos)     (note)
//   not_aligned           neither DKIM nor SPF aligns for outpost: DMARC fails         (error)
//   strict_dkim_fails     adkim=s and outpost's d= aligns only in relaxed mode         (warning)
//   strict_spf_fails      aspf=s and outpost's MAIL FROM aligns only in relaxed mode   (warning)
//   spf_only              only SPF aligns: forwarding breaks it; sign with DKIM        (warning)
//   no_dkim               outpost sends this domain's mail unsigned                    (warning)
//   spf_unverified        SPF alignment counts only if SPF passes for that domain      (note)
struct AdviceFinding {
  std::string code;
  std::string severity;  // "error" | "warning" | "note"
  std::string message;
};

// One step towards p=reject, with the condition to meet before taking it.
struct AdviceStep {
  std::string step;       // what to do, a sentence
  std::string record;     // the record to publish for it ("" when nothing is published)
  std::string condition;  // when to take it
};

struct Advice {
  // Where to publish (the name of the policy found, or _dmarc.<organizational domain>).
  std::string name;
  // The record to publish now: the current one kept (or fixed), or the starting p=none.
  std::string record;
  // Whether `record` differs from what is published.
  bool change = false;
  std::vector<AdviceStep> steps;
  std::vector<AdviceFinding> findings;

  bool has(std::string_view code) const;
  // "error" if any finding is an error, else "warning" if any is a warning, else "ok".
  std::string worst() const;
};

// What the advice needs to know about the sender.
struct SenderFacts {
  // outpost signs the domain's mail (with its own key or the fallback domain's).
  bool dkim_signs = false;
  // Whether SPF passes for the MAIL FROM domain; empty when not checked here.
  std::optional<bool> spf_passes;
};

Advice recommend(const PolicyDiscovery& policy, const SetupAlignment& alignment,
                 const SenderFacts& sender, const std::vector<ReportDestination>& destinations);

}  // namespace outpost::mailauth::dmarc
