// The DMARC check of one sending domain for the way outpost actually sends its mail (RFC 7489):
// the policy published for it, whether the DKIM d= outpost signs with and the MAIL FROM domain it
// uses align with the From domain, and the record to publish next. Shared by the HTTP API, the
// CLI and the deliverability checklist, so that they say the same.
// SECURITY: DNS answers are untrusted (mailauth/dmarc handles them); the store is read only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "core/config.h"
#include "core/result.h"
#include "dns/resolver.h"
#include "mailauth/dmarc/advice.h"
#include "mailauth/dmarc/alignment.h"
#include "mailauth/dmarc/policy.h"
#include "store/store.h"

namespace outpost::delivery {

// The identifiers outpost's mail from one domain carries, as DMARC receivers will see them.
struct DmarcSetup {
  std::string from_domain;
  // The d= outpost signs this domain's mail with; "" when it goes out unsigned.
  std::string dkim_domain;
  // "own_key" (the domain has an active key), "fallback_domain" (config dkim.fallback_domain),
  // "none" (unsigned).
  std::string dkim_source = "none";
  // The RFC5321.MailFrom domain SPF is checked for.
  std::string mail_from_domain;
  // "return_domain" (config bounce.return_domain: VERP return paths), "from_domain" (the
  // submitter's address is the MAIL FROM).
  std::string mail_from_source = "from_domain";
};

struct DmarcReport {
  std::string domain;
  // "ok": a valid policy is published and outpost's mail aligns through DKIM;
  // "warning": it works, but something an expert would fix (p=none is a note, not a warning;
  //            SPF-only alignment, pct<100, no rua, unauthorized external rua, ...);
  // "missing": no DMARC policy is published (neither at the domain nor its organizational
  //            domain);
  // "error": the policy is broken (syntax, several records), DNS failed, the store could not
  //          be read, or outpost's mail cannot align (it would fail DMARC).
  std::string status = "missing";
  // One sentence saying why, and one saying what to do next.
  std::string reason;
  std::string next_step;
  // The status comes from a temporary failure (DNS, store): asking again later may differ.
  bool temporary = false;
  mailauth::dmarc::PolicyDiscovery policy;
  DmarcSetup setup;
  mailauth::dmarc::SetupAlignment alignment;
  mailauth::dmarc::Advice advice;
  // A store failure while reading the DKIM keys ("" when none); the setup then assumes no key.
  std::string store_error;
};

// What outpost would send `domain`'s mail with (reads the DKIM keys: blocking, call it on the
// blocking pool). Error "store.*" when the keys cannot be read.
Result<DmarcSetup> dmarcSetupFor(store::Store& store, const Config& config,
                                 const std::string& domain);

// Discovers the policy of `setup.from_domain` through `resolver`, evaluates alignment and
// recommends a record. Never fails: DNS trouble is an "error" status (temporary when it is).
// Arguments must outlive the coroutine (named values, not temporaries: GCC 12).
boost::asio::awaitable<DmarcReport> checkDmarc(dns::Resolver& resolver, const DmarcSetup& setup);

// Both: reads the keys on `blocking`, then checkDmarc() on the calling coroutine's executor
// (which must be the one `resolver` is bound to). A store failure is kept in store_error and
// makes the status "error" after the DNS part ran with no DKIM key assumed.
boost::asio::awaitable<DmarcReport> checkDmarc(store::Store& store, const Config& config,
                                               dns::Resolver& resolver, const std::string& domain,
                                               const boost::asio::any_io_executor& blocking);

// {"domain", "status", "reason", "next_step", "temporary", "valid",
//  "policy": {"found", "name", "location": "domain"|"organizational_domain"|null,
//             "organizational_domain", "record", "records_found", "tags": {...}, "errors":
//             [{"tag", "message"}], "unknown_tags", "error": {code, message, temporary}|null},
//  "setup": {"from_domain", "dkim_domain", "dkim_source", "mail_from_domain",
//            "mail_from_source"},
//  "alignment": {"dkim": {...}, "spf": {...}} each {"domain", "relaxed", "strict",
//               "required_mode", "aligned", "sentence"},
//  "recommendation": {"record", "name", "steps": [{"step", "record", "condition"}],
//                     "findings": [{"code", "severity", "message"}]},
//  "store_error"}
boost::json::object dmarcReportJson(const DmarcReport& report);

}  // namespace outpost::delivery
