// DMARC advice: findings about the published policy and outpost's alignment, the record to
// publish now and the steps from p=none to p=reject.
#include "mailauth/dmarc/advice.h"

#include <algorithm>

namespace outpost::mailauth::dmarc {

namespace {

int strength(Disposition disposition) { return static_cast<int>(disposition); }

void add(Advice& advice, std::string code, std::string severity, std::string message) {
  advice.findings.push_back({std::move(code), std::move(severity), std::move(message)});
}

// The domain a policy record belongs to: the name without "_dmarc.".
std::string policyDomain(const PolicyDiscovery& policy) {
  if (policy.name.starts_with("_dmarc.")) return policy.name.substr(7);
  return policy.domain;
}

// The record the steps start from: what is published, with what receivers discard dropped.
DmarcRecord startingRecord(const PolicyDiscovery& policy, const std::string& org_domain) {
  DmarcRecord record;
  if (policy.parsed) {
    record = policy.parsed->record;
  } else if (policy.several()) {
    // Several records: start from one that receivers could apply alone, preferring one that
    // asks for reports. DNS returns them in any order, so ties go by text.
    std::vector<std::string> texts = policy.records;
    std::sort(texts.begin(), texts.end());
    std::optional<DmarcRecord> chosen;
    for (const auto& text : texts) {
      auto parsed = parseRecord(text);
      if (!parsed.usable) continue;
      if (!chosen || (chosen->rua.empty() && !parsed.record.rua.empty())) {
        chosen = parsed.record;
      }
    }
    if (chosen) record = *chosen;
  }
  record.tags.clear();
  record.unknown_tags.clear();
  record.p_assumed = false;
  if (record.rua.empty()) {
    ReportUri uri;
    uri.address = "dmarc-reports@" + org_domain;
    uri.uri = "mailto:" + uri.address;
    uri.scheme = "mailto";
    record.rua.push_back(uri);
  }
  return record;
}

DmarcRecord withPolicy(DmarcRecord record, Disposition p, int pct) {
  record.p = p;
  record.pct = pct;
  if (!record.sp_given) record.sp = p;
  return record;
}

}  // namespace

bool Advice::has(std::string_view code) const {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const AdviceFinding& finding) { return finding.code == code; });
}

std::string Advice::worst() const {
  std::string out = "ok";
  for (const auto& finding : findings) {
    if (finding.severity == "error") return "error";
    if (finding.severity == "warning") out = "warning";
  }
  return out;
}

boost::asio::awaitable<std::vector<ReportDestination>> checkReportDestinations(
    dns::Resolver& resolver, const PolicyDiscovery& policy, const PublicSuffixList& suffixes) {
  std::vector<ReportDestination> out;
  if (!policy.parsed) co_return out;
  const std::string owner = policyDomain(policy);
  const std::string owner_org = suffixes.organizationalDomain(owner).value_or(owner);
  const DmarcRecord& record = policy.parsed->record;
  for (const auto* uris : {&record.rua, &record.ruf}) {
    for (const auto& uri : *uris) {
      const std::string destination = uri.domain();
      if (destination.empty()) continue;
      if (suffixes.organizationalDomain(destination).value_or(destination) == owner_org) continue;
      ReportDestination check;
      check.tag = uris == &record.rua ? "rua" : "ruf";
      check.uri = uri.uri;
      check.destination_domain = destination;
      check.authorization_name = owner + "._report._dmarc." + destination;
      auto answer = co_await resolver.lookupTxt(check.authorization_name);
      if (answer) {
        check.authorized = std::any_of(answer->records.begin(), answer->records.end(),
                                       [](const std::string& text) { return isDmarcRecord(text); });
      } else if (answer.error().code == dns::kNxdomain || answer.error().code == dns::kNodata) {
        check.authorized = false;
      } else {
        check.error = answer.error().message;
      }
      out.push_back(std::move(check));
    }
  }
  co_return out;
}

Advice recommend(const PolicyDiscovery& policy, const SetupAlignment& alignment,
                 const SenderFacts& sender, const std::vector<ReportDestination>& destinations) {
  Advice advice;
  const std::string& domain = policy.domain;
  const std::string org_domain =
      policy.organizational_domain.empty() ? domain : policy.organizational_domain;
  advice.name = policy.location ? policy.name : "_dmarc." + org_domain;

  // What is published.
  if (policy.error) {
    const bool temporary = policy.error->temporary;
    add(advice, temporary ? "dns_temporary" : "dns_error", "error",
        policy.error->message + (temporary ? "; try again later" : ""));
  } else if (policy.none()) {
    add(advice, "no_policy", "warning",
        "No DMARC record at _dmarc." + domain +
            (org_domain != domain ? " or _dmarc." + org_domain : std::string()) +
            ": receivers apply no policy and send no reports.");
  } else if (policy.several()) {
    add(advice, "several_records", "error",
        std::to_string(policy.records.size()) + " DMARC records at " + policy.name +
            ": receivers apply none of them (RFC 7489 §6.6.3). Keep one.");
  }
  const DmarcRecord* published = policy.parsed ? &policy.parsed->record : nullptr;
  if (policy.parsed) {
    for (const auto& error : policy.parsed->errors) add(advice, "syntax", "error", error.message);
    if (published->p_assumed) {
      add(advice, "p_assumed", "error",
          "p= is missing or invalid: receivers act as if p=none was published, because rua is "
          "valid (RFC 7489 §6.6.3).");
    } else if (!policy.parsed->usable) {
      add(advice, "not_applied", "error",
          "Receivers do not apply this record: it has no valid p= (and no valid rua= to fall "
          "back on).");
    }
  }
  if (published && policy.parsed->usable) {
    const bool at_org = policy.location == PolicyLocation::kOrganizationalDomain;
    const Disposition effective = at_org ? published->sp : published->p;
    if (at_org) {
      add(advice, "org_domain_policy", "note",
          "The policy is the organizational domain's (" + policy.name + "): for mail from " +
              domain + " receivers apply its sp=" + std::string(dispositionName(published->sp)) +
              ".");
    }
    if (effective == Disposition::kNone) {
      add(advice, "policy_none", "note",
          "p=none only monitors: receivers deliver mail that fails DMARC as usual. It is the "
          "right start, not the place to stay: move on once the reports are clean.");
    }
    if (published->pct < 100 && effective != Disposition::kNone) {
      add(advice, "pct_partial", "warning",
          "pct=" + std::to_string(published->pct) + ": the policy applies to " +
              std::to_string(published->pct) +
              "% of failing mail; the rest is treated one step weaker. Raise it to 100 once the "
              "reports are clean.");
    }
    if (published->sp_given && strength(published->sp) < strength(published->p)) {
      add(advice, "sp_weaker", "warning",
          "sp=" + std::string(dispositionName(published->sp)) +
              " is weaker than p=" + std::string(dispositionName(published->p)) +
              ": spoofed mail from subdomains is treated more leniently than from the domain.");
    }
    if (published->rua.empty()) {
      add(advice, "no_rua", "warning",
          "No rua=: no receiver sends aggregate reports, so nobody sees which mail fails.");
    }
    for (const auto* uris : {&published->rua, &published->ruf}) {
      for (const auto& uri : *uris) {
        if (uri.scheme != "mailto") {
          add(advice, "rua_not_mailto", "warning",
              uri.uri +
                  ": receivers must support mailto: only (RFC 7489 §6.2); most send no "
                  "reports elsewhere.");
        }
      }
    }
    if (!published->ruf.empty()) {
      add(advice, "ruf_present", "note",
          "ruf= asks for failure reports: few receivers send them, and they can carry personal "
          "data from the messages.");
    }
    if (!published->unknown_tags.empty()) {
      std::string names;
      for (const auto& name : published->unknown_tags) names += (names.empty() ? "" : ", ") + name;
      add(advice, "unknown_tags", "note",
          "Tags RFC 7489 does not define, which receivers ignore: " + names +
              " (np, psd and t are DMARCbis draft tags).");
    }
  }
  for (const auto& destination : destinations) {
    if (destination.authorized == std::optional<bool>(true)) continue;
    if (!destination.authorized) {
      add(advice, "rua_unchecked", "warning",
          destination.tag + " " + destination.uri + ": could not look up " +
              destination.authorization_name + ": " + destination.error);
    } else {
      add(advice, "rua_unauthorized", "warning",
          destination.tag + " " + destination.uri + " is in another domain, which has not " +
              "authorized reports for " + policyDomain(policy) +
              ": receivers drop them unless "
              "it publishes \"v=DMARC1\" at " +
              destination.authorization_name + " (RFC 7489 §7.1).");
    }
  }

  // outpost's mail.
  if (!sender.dkim_signs) {
    add(advice, "no_dkim", "warning",
        "outpost sends mail from " + domain +
            " unsigned: add a DKIM key for it (or set dkim.fallback_domain) so that DMARC can "
            "pass through DKIM.");
  }
  if (!alignment.aligned()) {
    add(advice, "not_aligned", "error",
        "Neither DKIM nor SPF aligns with " + domain + " for outpost's mail, so it fails DMARC. " +
            alignment.dkim.sentence + " " + alignment.spf.sentence);
  } else if (!alignment.dkim.aligned) {
    add(advice, "spf_only", "warning",
        "Only SPF aligns for outpost's mail: forwarding breaks SPF, and with it DMARC. " +
            alignment.dkim.sentence);
  }
  if (alignment.dkim.required == AlignmentMode::kStrict && alignment.dkim.relaxed &&
      !alignment.dkim.strict) {
    add(advice, "strict_dkim_fails", "warning",
        "adkim=s: " + alignment.dkim.sentence + " Use adkim=r, or sign with d=" + domain + ".");
  }
  if (alignment.spf.required == AlignmentMode::kStrict && alignment.spf.relaxed &&
      !alignment.spf.strict) {
    add(advice, "strict_spf_fails", "warning",
        "aspf=s: " + alignment.spf.sentence + " Use aspf=r.");
  }
  if (alignment.spf.aligned && sender.spf_passes != std::optional<bool>(true)) {
    add(advice, "spf_unverified", "note",
        "SPF alignment counts only when SPF passes for " + alignment.spf.domain +
            (sender.spf_passes ? " (it does not now)." : " (check it with outpost spf check)."));
  }

  // The record to publish now, and the steps.
  DmarcRecord now = startingRecord(policy, org_domain);
  if (!alignment.aligned()) {
    // Relaxing a strict mode is enough when outpost's identifiers share the organizational
    // domain.
    if (alignment.dkim.relaxed) now.adkim = AlignmentMode::kRelaxed;
    if (alignment.spf.relaxed) now.aspf = AlignmentMode::kRelaxed;
  }
  advice.record = formatRecord(now);
  advice.change = !(policy.records.size() == 1 && published && policy.parsed->errors.empty() &&
                    !published->p_assumed && formatRecord(*published) == advice.record);

  const bool cannot_align =
      !alignment.aligned() && !alignment.dkim.relaxed && !alignment.spf.relaxed;
  if (cannot_align) {
    advice.steps.push_back(
        {"Make outpost's mail align before any policy stronger than p=none: add a DKIM key for " +
             domain + " (outpost then signs with d=" + domain + ").",
         "", "now: until then DMARC fails for every message outpost sends as " + domain});
  }
  const std::string who =
      "all legitimate mail from " + domain + " (outpost and every other service that sends as it)";
  if (advice.change || policy.records.size() != 1) {
    advice.steps.push_back(
        {"Publish this record at " + advice.name + " (replacing any other DMARC record there).",
         advice.record, "now"});
  }
  if (now.p == Disposition::kNone) {
    advice.steps.push_back(
        {"Read the aggregate reports sent to the rua address.", "",
         "for 2 to 4 weeks, until they show " + who + " passing DKIM or SPF aligned"});
    advice.steps.push_back({"Quarantine a quarter of the failing mail.",
                            formatRecord(withPolicy(now, Disposition::kQuarantine, 25)),
                            "when the reports show " + who + " aligned"});
  }
  if (now.p == Disposition::kNone || (now.p == Disposition::kQuarantine && now.pct < 100)) {
    advice.steps.push_back({"Quarantine all failing mail.",
                            formatRecord(withPolicy(now, Disposition::kQuarantine, 100)),
                            "after 1 to 2 weeks with no legitimate mail reported failing"});
  }
  if (now.p != Disposition::kReject || now.pct < 100) {
    advice.steps.push_back({"Reject failing mail.",
                            formatRecord(withPolicy(now, Disposition::kReject, 100)),
                            "after a few weeks at quarantine with clean reports"});
  }
  return advice;
}

}  // namespace outpost::mailauth::dmarc
