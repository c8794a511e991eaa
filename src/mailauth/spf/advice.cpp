// SPF advice: the analysis of a published record and its include/redirect tree, the record to
// publish, and relay include discovery (RFC 7208 §4.6.4 limits, §3.4 record size, §5.5 ptr).
// SECURITY: DNS answers are untrusted: the walk follows at most kMaxNodes records, kMaxDepth deep,
// and never a name already on the current include chain.
#include "mailauth/spf/advice.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <utility>

#include "core/text.h"
#include "mailauth/dmarc/public_suffix.h"

namespace outpost::mailauth::spf {

namespace {

namespace asio = boost::asio;

constexpr int kMaxDepth = 10;                  // deeper than the 10-term limit allows anyway
constexpr int kMaxNodes = 60;                  // records fetched by one walk
constexpr std::size_t kUdpRecordOctets = 512;  // §3.4: keep answers within a UDP datagram
constexpr std::size_t kTxtStringOctets = 255;  // one DNS character-string

bool isAllTerm(std::string_view mechanism_text) {
  std::string text = lowercase(mechanism_text);
  if (!text.empty() && std::string_view("+-~?").find(text.front()) != std::string_view::npos) {
    text.erase(0, 1);
  }
  return text == "all";
}

bool hasMacro(std::string_view text) { return text.find('%') != std::string_view::npos; }

std::vector<std::string> splitTerms(std::string_view record) {
  std::vector<std::string> terms;
  std::istringstream in{std::string(record)};
  std::string term;
  while (in >> term) terms.push_back(term);
  return terms;
}

int ownDnsTerms(const Record& record) {
  int count = 0;
  bool has_all = false;
  for (const auto& mechanism : record.mechanisms) {
    if (mechanism.queriesDns()) ++count;
    if (mechanism.kind == MechanismKind::kAll) has_all = true;
  }
  // §6.1: redirect is ignored when the record has an all mechanism.
  if (record.redirect && !has_all) ++count;
  return count;
}

bool isVoid(const Error& error) {
  return error.code == dns::kNxdomain || error.code == dns::kNodata;
}

// The SPF records among a name's TXT records, or the lookup error.
struct Fetched {
  std::vector<std::string> records;
  std::optional<Error> error;
};

asio::awaitable<Fetched> fetchRecords(dns::Resolver& resolver, const std::string& domain) {
  Fetched fetched;
  auto txt = co_await resolver.lookupTxt(domain);
  if (!txt) {
    fetched.error = txt.error();
    co_return fetched;
  }
  for (const auto& text : txt->records) {
    if (isSpfRecord(text)) fetched.records.push_back(text);
  }
  co_return fetched;
}

void addFinding(Analysis& analysis, std::string code, Severity severity, std::string message) {
  for (const auto& finding : analysis.findings) {
    if (finding.code == code && finding.message == message) return;
  }
  analysis.findings.push_back({std::move(code), severity, std::move(message)});
}

class Walker {
 public:
  Walker(dns::Resolver& resolver, Analysis& analysis) : resolver_(resolver), analysis_(analysis) {}

  // The records below the analyzed domain: `record` was published at `domain`.
  asio::awaitable<void> walkRecord(const std::string& domain, const Record& record, int depth) {
    chain_.push_back(domain);
    bool has_all = false;
    for (const auto& mechanism : record.mechanisms) {
      if (mechanism.kind == MechanismKind::kAll) has_all = true;
      if (mechanism.kind == MechanismKind::kPtr) {
        addFinding(analysis_, "ptr", Severity::kWarning,
                   "\"" + mechanism.text + "\" in " + domain +
                       ": ptr is deprecated (RFC 7208 §5.5): slow, unreliable, and many "
                       "receivers ignore it; list the addresses with ip4:/ip6: instead");
      }
      if (hasMacro(mechanism.domain_spec)) {
        macros_ = true;
        continue;
      }
      if (mechanism.kind == MechanismKind::kInclude) {
        const std::string target = dns::normalizeName(mechanism.domain_spec);
        co_await walkName(target, "include", depth + 1);
      } else if (mechanism.kind == MechanismKind::kA || mechanism.kind == MechanismKind::kMx) {
        const std::string target =
            dns::normalizeName(mechanism.domain_spec.empty() ? domain : mechanism.domain_spec);
        co_await checkTarget(mechanism, target);
      }
    }
    if (record.redirect && !has_all) {
      if (hasMacro(record.redirect->value)) {
        macros_ = true;
      } else {
        const std::string target = dns::normalizeName(record.redirect->value);
        co_await walkName(target, "redirect", depth + 1);
      }
    }
    chain_.pop_back();
  }

  // Fetches and walks the record of an include or redirect target.
  asio::awaitable<void> walkName(const std::string& domain, const std::string& via, int depth) {
    if (std::find(chain_.begin(), chain_.end(), domain) != chain_.end()) {
      addFinding(analysis_, "include_loop", Severity::kError,
                 via + " of " + domain +
                     " loops back to a record already being evaluated: "
                     "receivers give permerror once the lookup limit is reached");
      co_return;
    }
    if (depth > kMaxDepth || nodes_ >= kMaxNodes) {
      truncated_ = true;
      co_return;
    }
    ++nodes_;
    const std::size_t index = analysis_.tree.size();
    analysis_.tree.push_back(TreeNode{domain, via, depth, "", "", 0});
    auto fetched = co_await fetchRecords(resolver_, domain);
    const std::string code_none = via == "include" ? "include_none" : "redirect_none";
    if (fetched.error) {
      if (isVoid(*fetched.error)) {
        ++analysis_.void_lookups;
        analysis_.tree[index].problem = "no SPF record (" + fetched.error->message + ")";
        addFinding(analysis_, code_none, Severity::kError,
                   via + ":" + domain + " has no SPF record: receivers give permerror");
      } else {
        analysis_.tree[index].problem = "DNS: " + fetched.error->message;
        addFinding(analysis_, "dns_error", Severity::kError,
                   "the SPF record of " + domain + " could not be looked up (" +
                       fetched.error->message + "): receivers may give temperror");
      }
      co_return;
    }
    if (fetched.records.empty()) {
      analysis_.tree[index].problem = "no SPF record";
      addFinding(analysis_, code_none, Severity::kError,
                 via + ":" + domain + " has no SPF record: receivers give permerror");
      co_return;
    }
    if (fetched.records.size() > 1) {
      analysis_.tree[index].problem = std::to_string(fetched.records.size()) + " SPF records";
      addFinding(analysis_, "include_error", Severity::kError,
                 domain + " (" + via + ") publishes " + std::to_string(fetched.records.size()) +
                     " SPF records: receivers give permerror");
      co_return;
    }
    analysis_.tree[index].record = fetched.records.front();
    auto parsed = parseRecord(fetched.records.front());
    if (!parsed) {
      analysis_.tree[index].problem = "syntax: " + parsed.error().message;
      addFinding(analysis_, "include_error", Severity::kError,
                 "the SPF record of " + domain + " (" + via +
                     ") does not parse: " + parsed.error().message + "; receivers give permerror");
      co_return;
    }
    const int own = ownDnsTerms(*parsed);
    analysis_.tree[index].dns_terms = own;
    analysis_.dns_terms += own;
    const Record record = std::move(*parsed);
    co_await walkRecord(domain, record, depth);
  }

  bool macros() const { return macros_; }
  bool truncated() const { return truncated_; }

 private:
  // a and mx targets: empty answers are void lookups; an MX answer over 10 names is permerror.
  asio::awaitable<void> checkTarget(const Mechanism& mechanism, const std::string& target) {
    const std::string key = std::string(mechanismName(mechanism.kind)) + " " + target;
    if (!checked_.insert(key).second) co_return;
    if (mechanism.kind == MechanismKind::kMx) {
      auto mx = co_await resolver_.lookupMx(target);
      if (!mx) {
        if (isVoid(mx.error())) ++analysis_.void_lookups;
        co_return;
      }
      if (mx->records.size() > 10) {
        addFinding(analysis_, "too_many_mx", Severity::kError,
                   "\"" + mechanism.text + "\": " + target + " has " +
                       std::to_string(mx->records.size()) +
                       " MX records, over the 10 check_host() may look up: permerror");
      }
      co_return;
    }
    auto a = co_await resolver_.lookupA(target);
    if (a) co_return;
    auto aaaa = co_await resolver_.lookupAaaa(target);
    if (!aaaa && isVoid(a.error()) && isVoid(aaaa.error())) ++analysis_.void_lookups;
  }

  dns::Resolver& resolver_;
  Analysis& analysis_;
  std::vector<std::string> chain_;
  std::set<std::string> checked_;
  int nodes_ = 0;
  bool macros_ = false;
  bool truncated_ = false;
};

void rootFindings(Analysis& analysis, const Record& record) {
  const Mechanism* all = nullptr;
  for (std::size_t i = 0; i < record.mechanisms.size(); ++i) {
    const auto& mechanism = record.mechanisms[i];
    if (mechanism.kind != MechanismKind::kAll) continue;
    if (all == nullptr) all = &mechanism;
    if (i + 1 != record.mechanisms.size()) {
      addFinding(analysis, "all_not_last", Severity::kWarning,
                 "terms after \"" + mechanism.text + "\" are never evaluated: put all last");
    }
  }
  if (all != nullptr) {
    if (all->qualifier == Qualifier::kPass) {
      addFinding(analysis, "pass_all", Severity::kError,
                 "\"" + all->text + "\" lets anyone on the Internet send as " + analysis.domain +
                     ": use ~all or -all");
    } else if (all->qualifier == Qualifier::kNeutral) {
      addFinding(analysis, "neutral_all", Severity::kWarning,
                 "\"" + all->text +
                     "\" says nothing about other senders (neutral): receivers "
                     "treat forgeries like unauthenticated mail; use ~all or -all");
    }
    if (record.redirect) {
      addFinding(analysis, "redirect_with_all", Severity::kWarning,
                 "\"" + record.redirect->text + "\" is ignored because the record has \"" +
                     all->text + "\" (RFC 7208 §6.1)");
    }
  } else if (!record.redirect) {
    addFinding(analysis, "no_all", Severity::kWarning,
               "the record has neither all nor redirect: other senders get neutral; end it "
               "with ~all or -all");
  }
  if (record.exp) {
    addFinding(analysis, "exp", Severity::kInfo,
               "\"" + record.exp->text +
                   "\": few receivers show explanations, and each fail "
                   "costs them one more lookup");
  }
  for (const auto& modifier : record.unknown_modifiers) {
    addFinding(analysis, "unknown_modifier", Severity::kInfo,
               "\"" + modifier.text + "\" is not defined by RFC 7208: receivers ignore it");
  }
}

// A term parsed alone, to keep whatever parses of a broken or split record.
struct LooseTerm {
  std::optional<Mechanism> mechanism;
  std::optional<Modifier> modifier;  // redirect, exp or unknown
  std::string error;
};

LooseTerm parseTerm(const std::string& term) {
  LooseTerm loose;
  auto parsed = parseRecord("v=spf1 " + term);
  if (!parsed) {
    loose.error = parsed.error().message;
  } else if (!parsed->mechanisms.empty()) {
    loose.mechanism = parsed->mechanisms.front();
  } else if (parsed->redirect) {
    loose.modifier = parsed->redirect;
  } else if (parsed->exp) {
    loose.modifier = parsed->exp;
  } else if (!parsed->unknown_modifiers.empty()) {
    loose.modifier = parsed->unknown_modifiers.front();
  }
  return loose;
}

std::vector<std::string> splitStrings(const std::string& record) {
  std::vector<std::string> strings;
  for (std::size_t at = 0; at < record.size(); at += kTxtStringOctets) {
    strings.push_back(record.substr(at, kTxtStringOctets));
  }
  if (strings.empty()) strings.emplace_back();
  return strings;
}

// Worst-case DNS-querying terms one added term costs (itself and, for include, its tree).
asio::awaitable<int> termCost(dns::Resolver& resolver, const std::string& term) {
  auto loose = parseTerm(term);
  if (!loose.mechanism || !loose.mechanism->queriesDns()) co_return 0;
  if (loose.mechanism->kind != MechanismKind::kInclude || hasMacro(loose.mechanism->domain_spec)) {
    co_return 1;
  }
  const std::string target = dns::normalizeName(loose.mechanism->domain_spec);
  auto included = co_await analyze(resolver, target);
  co_return 1 + included.dns_terms;
}

// Whether check_host() passes every address for `domain`, by a mechanism other than all.
asio::awaitable<bool> passesAll(dns::Resolver& resolver, const std::string& domain,
                                const std::vector<std::string>& addresses, std::string& by,
                                int* dns_terms = nullptr) {
  if (addresses.empty()) co_return false;
  for (const auto& address : addresses) {
    CheckHostInput input;
    input.ip = address;
    input.domain = domain;
    input.sender = "postmaster@" + domain;
    input.helo = domain;
    auto result = co_await checkHost(resolver, input);
    if (dns_terms != nullptr) *dns_terms = std::max(*dns_terms, result.dns_terms);
    by = std::string(resultName(result.result));
    if (!result.mechanism.empty()) by += " by " + result.mechanism;
    if (result.result != SpfResult::kPass || isAllTerm(result.mechanism)) co_return false;
  }
  co_return true;
}

}  // namespace

std::string_view severityName(Severity severity) {
  switch (severity) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "info";
  }
  return "info";
}

bool Analysis::hasErrors() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& finding) { return finding.severity == Severity::kError; });
}

asio::awaitable<Analysis> analyze(dns::Resolver& resolver, const std::string& domain) {
  Analysis analysis;
  analysis.domain = dns::normalizeName(domain);
  const std::string& name = analysis.domain;
  auto fetched = co_await fetchRecords(resolver, name);
  analysis.tree.push_back(TreeNode{name, "", 0, "", "", 0});
  auto spf_type = co_await resolver.hasSpfTypeRecords(name);
  if (spf_type && *spf_type) {
    analysis.spf_rr_type = true;
    addFinding(analysis, "spf_rr_type", Severity::kWarning,
               name +
                   " still publishes the obsolete SPF RR type (99): receivers use only TXT "
                   "(RFC 7208 §3.1); remove it so the two cannot disagree");
  }
  if (fetched.error) {
    if (isVoid(*fetched.error)) {
      analysis.tree[0].problem = "no SPF record (" + fetched.error->message + ")";
      addFinding(analysis, "no_record", Severity::kError,
                 name + " publishes no SPF record (" + fetched.error->message +
                     "): receivers get none, and many treat the mail as suspect");
    } else {
      analysis.dns_error = fetched.error->message;
      analysis.tree[0].problem = "DNS: " + fetched.error->message;
      addFinding(
          analysis, "dns_error", Severity::kError,
          "the SPF record of " + name + " could not be looked up: " + fetched.error->message);
    }
    co_return analysis;
  }
  analysis.records = fetched.records;
  if (analysis.records.empty()) {
    analysis.tree[0].problem = "no SPF record";
    addFinding(analysis, "no_record", Severity::kError,
               name + " has TXT records but none starts with v=spf1: receivers get none");
    co_return analysis;
  }
  Walker walker(resolver, analysis);
  if (analysis.records.size() > 1) {
    analysis.tree[0].problem = std::to_string(analysis.records.size()) + " SPF records";
    addFinding(analysis, "several_records", Severity::kError,
               name + " publishes " + std::to_string(analysis.records.size()) +
                   " SPF records: receivers give permerror (RFC 7208 §4.5); merge them into one");
  }
  for (const auto& text : analysis.records) {
    if (text.size() > kUdpRecordOctets) {
      addFinding(analysis, "record_too_long", Severity::kWarning,
                 "the record is " + std::to_string(text.size()) +
                     " octets: over 512 it may not fit a UDP answer (RFC 7208 §3.4); shorten it "
                     "or move terms into an include");
    }
  }
  if (analysis.records.size() == 1) {
    analysis.tree[0].record = analysis.records.front();
    auto parsed = parseRecord(analysis.records.front());
    if (!parsed) {
      analysis.syntax_error = parsed.error().message;
      analysis.tree[0].problem = "syntax: " + parsed.error().message;
      addFinding(
          analysis, "syntax", Severity::kError,
          "the record does not parse: " + parsed.error().message + "; receivers give permerror");
      co_return analysis;
    }
    analysis.parsed = std::move(*parsed);
  }
  // Several records: each is walked, so the count covers whichever a merge would keep.
  for (const auto& text : analysis.records) {
    auto parsed = parseRecord(text);
    if (!parsed) continue;
    const int own = ownDnsTerms(*parsed);
    analysis.tree[0].dns_terms += own;
    analysis.dns_terms += own;
    rootFindings(analysis, *parsed);
    const Record record = std::move(*parsed);
    co_await walker.walkRecord(name, record, 0);
  }
  if (analysis.dns_terms > 10) {
    addFinding(analysis, "too_many_lookups", Severity::kError,
               "the record needs up to " + std::to_string(analysis.dns_terms) +
                   " DNS-querying terms (include, a, mx, ptr, exists, redirect) over its "
                   "includes; receivers stop at 10 with permerror (RFC 7208 §4.6.4): replace "
                   "includes by ip4:/ip6: terms or drop unused ones");
  } else if (analysis.dns_terms >= 8) {
    addFinding(analysis, "lookups_near_limit", Severity::kInfo,
               "the record needs up to " + std::to_string(analysis.dns_terms) +
                   " of the 10 DNS-querying terms allowed: little room for another include");
  }
  if (analysis.void_lookups > 2) {
    addFinding(analysis, "too_many_void", Severity::kWarning,
               std::to_string(analysis.void_lookups) +
                   " names in the record's tree do not exist or have no records; receivers give "
                   "permerror after 2 such lookups (RFC 7208 §4.6.4)");
  }
  if (walker.macros()) {
    addFinding(analysis, "macros", Severity::kInfo,
               "the record uses macros: the names they expand to depend on each message and "
               "were not followed, so the lookup count is a lower bound");
  }
  if (walker.truncated()) {
    addFinding(analysis, "tree_truncated", Severity::kWarning,
               "the include tree is deeper or larger than the analysis follows; the lookup "
               "count is a lower bound");
  }
  co_return analysis;
}

std::vector<std::string> addressTerms(const std::vector<std::string>& addresses) {
  std::vector<std::string> terms;
  for (const auto& address : addresses) {
    std::string term = (address.find(':') != std::string::npos ? "ip6:" : "ip4:") + address;
    if (std::find(terms.begin(), terms.end(), term) == terms.end()) terms.push_back(term);
  }
  return terms;
}

asio::awaitable<Recommendation> recommend(dns::Resolver& resolver, const Analysis& analysis,
                                          const std::vector<SendingSource>& sources) {
  Recommendation out;
  std::vector<Mechanism> mechanisms;
  std::optional<Mechanism> all;
  std::optional<Modifier> redirect;
  std::optional<Modifier> exp;
  std::vector<Modifier> others;
  std::set<std::string> seen;
  for (const auto& text : analysis.records) {
    const auto terms = splitTerms(text);
    for (std::size_t i = 1; i < terms.size(); ++i) {
      const std::string key = lowercase(terms[i]);
      if (!seen.insert(key).second) continue;
      auto loose = parseTerm(terms[i]);
      if (!loose.error.empty()) {
        out.removed.push_back(terms[i]);
        out.notes.push_back("dropped \"" + terms[i] + "\": " + loose.error);
      } else if (loose.mechanism && loose.mechanism->kind == MechanismKind::kAll) {
        if (!all) all = loose.mechanism;
      } else if (loose.mechanism) {
        mechanisms.push_back(*loose.mechanism);
      } else if (loose.modifier && loose.modifier->name == "redirect") {
        if (!redirect) redirect = loose.modifier;
      } else if (loose.modifier && loose.modifier->name == "exp") {
        if (!exp) exp = loose.modifier;
      } else if (loose.modifier) {
        others.push_back(*loose.modifier);
      }
    }
  }
  if (analysis.records.size() > 1) {
    out.notes.push_back("merged the " + std::to_string(analysis.records.size()) +
                        " records into one: delete the others");
  }
  for (const auto& mechanism : mechanisms) out.kept.push_back(mechanism.text);

  // The all term: the published one when it is - or ~; +all and ?all become ~all.
  std::string all_term;
  if (all) {
    if (all->qualifier == Qualifier::kFail || all->qualifier == Qualifier::kSoftfail) {
      all_term = all->text;
      out.kept.push_back(all->text);
    } else {
      all_term = "~all";
      out.removed.push_back(all->text);
      out.notes.push_back("replaced \"" + all->text +
                          "\" by \"~all\": other senders soft-fail instead of passing or "
                          "staying neutral");
    }
    if (redirect) {
      out.removed.push_back(redirect->text);
      out.notes.push_back("dropped \"" + redirect->text + "\": it is ignored next to all");
      redirect.reset();
    }
  } else if (!redirect) {
    all_term = "~all";
    out.notes.emplace_back("added \"~all\": without it, other senders get neutral");
  }
  if (redirect) out.kept.push_back(redirect->text);
  if (exp) out.kept.push_back(exp->text);
  for (const auto& modifier : others) out.kept.push_back(modifier.text);

  int dns_terms = analysis.dns_terms;
  const bool published_usable = analysis.parsed.has_value();
  std::vector<std::string> added;
  for (const auto& source : sources) {
    if (source.addresses.empty()) continue;
    if (published_usable) {
      std::string by;
      if (co_await passesAll(resolver, analysis.domain, source.addresses, by)) {
        out.notes.push_back(source.label + " already passes (" + by + ")");
        continue;
      }
    }
    std::vector<std::string> fresh;
    int cost = 0;
    for (const auto& term : source.terms) {
      if (seen.contains(lowercase(term)) ||
          std::find(added.begin(), added.end(), term) != added.end()) {
        continue;
      }
      fresh.push_back(term);
      cost += co_await termCost(resolver, term);
    }
    if (dns_terms + cost > 10 && !source.fallback_terms.empty()) {
      out.notes.push_back("for " + source.label + ": " + std::to_string(cost) +
                          " more lookups would pass the limit of 10, so its addresses are "
                          "listed instead (update them if the relay's addresses change)");
      fresh.clear();
      cost = 0;
      for (const auto& term : source.fallback_terms) {
        if (seen.contains(lowercase(term))) continue;
        if (std::find(added.begin(), added.end(), term) != added.end()) continue;
        fresh.push_back(term);
      }
    } else if (!fresh.empty()) {
      std::string joined;
      for (const auto& term : fresh) joined += (joined.empty() ? "" : " ") + term;
      out.notes.push_back("added " + joined + " for " + source.label);
    }
    dns_terms += cost;
    for (auto& term : fresh) added.push_back(std::move(term));
  }
  out.added = added;
  out.dns_terms = dns_terms;
  if (dns_terms > 10) {
    out.notes.push_back("the record still needs up to " + std::to_string(dns_terms) +
                        " DNS-querying terms: remove includes you no longer use or replace "
                        "them by ip4:/ip6: terms");
  }
  for (const auto& mechanism : mechanisms) {
    if (mechanism.kind == MechanismKind::kPtr) {
      out.notes.push_back("kept \"" + mechanism.text +
                          "\" as published; consider replacing it by ip4:/ip6: terms");
    }
  }

  std::string record = "v=spf1";
  for (const auto& mechanism : mechanisms) record += " " + mechanism.text;
  for (const auto& term : added) record += " " + term;
  if (!all_term.empty()) record += " " + all_term;
  if (redirect) record += " " + redirect->text;
  if (exp) record += " " + exp->text;
  for (const auto& modifier : others) record += " " + modifier.text;
  out.record = record;
  out.strings = splitStrings(record);
  out.changed = analysis.records.size() != 1 || analysis.records.front() != record;
  if (record.size() > kUdpRecordOctets) {
    out.notes.push_back("the record is " + std::to_string(record.size()) +
                        " octets: move terms into an include to stay under 512");
  }
  co_return out;
}

std::vector<std::string> relayDomains(std::string_view host, std::string_view organizational) {
  std::string name = dns::normalizeName(host);
  std::string org = dns::normalizeName(organizational);
  if (org.empty()) {
    const auto last = name.rfind('.');
    const auto second =
        last == std::string::npos || last == 0 ? std::string::npos : name.rfind('.', last - 1);
    org = second == std::string::npos ? name : name.substr(second + 1);
  }
  std::vector<std::string> names;
  for (auto dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
    std::string parent = name.substr(dot + 1);
    if (parent.size() < org.size()) break;
    names.push_back(parent);
    if (parent == org) break;
  }
  // A relay named by its registrable domain itself ("relay.example"): try that name.
  if (names.empty() && !name.empty()) names.push_back(name);
  return names;
}

asio::awaitable<RelayDiscovery> discoverRelay(dns::Resolver& resolver, const std::string& host) {
  RelayDiscovery out;
  out.host = dns::normalizeName(host);
  auto a = co_await resolver.lookupA(out.host);
  if (a) out.addresses = a->records;
  auto aaaa = co_await resolver.lookupAaaa(out.host);
  if (aaaa) out.addresses.insert(out.addresses.end(), aaaa->records.begin(), aaaa->records.end());
  if (out.addresses.empty()) {
    out.error = "the relay host " + out.host +
                " has no address: " + (a ? std::string("no A record") : a.error().message);
    co_return out;
  }
  out.address_terms = addressTerms(out.addresses);
  int best_terms = 0;
  const auto organizational = dmarc::PublicSuffixList::system().organizationalDomain(out.host);
  for (const auto& domain : relayDomains(out.host, organizational.value_or(""))) {
    for (const std::string prefix : {"_spf.", "spf.", ""}) {
      IncludeCandidate candidate;
      candidate.name = prefix + domain;
      std::string by;
      candidate.passes =
          co_await passesAll(resolver, candidate.name, out.addresses, by, &candidate.dns_terms);
      candidate.result = by;
      if (candidate.passes && (out.include.empty() || candidate.dns_terms < best_terms)) {
        out.include = candidate.name;
        best_terms = candidate.dns_terms;
      }
      out.candidates.push_back(std::move(candidate));
    }
  }
  if (!out.include.empty()) {
    out.terms = {"include:" + out.include};
  } else {
    out.terms = out.address_terms;
  }
  co_return out;
}

}  // namespace outpost::mailauth::spf
