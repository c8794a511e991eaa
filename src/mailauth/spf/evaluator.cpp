// check_host() (RFC 7208 §4–§6); see evaluator.h.
#include "mailauth/spf/evaluator.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <optional>

#include "core/text.h"
#include "mailauth/spf/macro.h"

namespace outpost::mailauth::spf {
namespace {

namespace asio = boost::asio;

// A client or record address: 4 octets (IPv4) or 16.
struct Address {
  bool v4 = true;
  std::array<unsigned char, 16> octets{};
};

// Parses an address; an IPv4-mapped IPv6 address is the IPv4 address (§5).
std::optional<Address> parseAddress(const std::string& text) {
  Address address;
  if (inet_pton(AF_INET, text.c_str(), address.octets.data()) == 1) return address;
  if (inet_pton(AF_INET6, text.c_str(), address.octets.data()) != 1) return std::nullopt;
  static constexpr std::array<unsigned char, 12> kMappedPrefix{0, 0, 0, 0, 0,    0,
                                                               0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), address.octets.begin())) {
    std::copy(address.octets.begin() + 12, address.octets.end(), address.octets.begin());
    std::fill(address.octets.begin() + 4, address.octets.end(), 0);
    return address;
  }
  address.v4 = false;
  return address;
}

std::string addressText(const Address& address) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  inet_ntop(address.v4 ? AF_INET : AF_INET6, address.octets.data(), text.data(), text.size());
  return text.data();
}

bool inNetwork(const Address& client, const Address& network, int prefix) {
  if (client.v4 != network.v4) return false;
  int whole = prefix / 8;
  if (!std::equal(client.octets.begin(), client.octets.begin() + whole, network.octets.begin())) {
    return false;
  }
  int bits = prefix % 8;
  if (bits == 0) return true;
  auto mask = static_cast<unsigned char>(0xff << (8 - bits));
  return (client.octets[whole] & mask) == (network.octets[whole] & mask);
}

// §4.3: a check on a malformed or single-label domain gives "none".
bool isValidDomain(std::string_view domain) {
  if (domain.ends_with('.')) domain.remove_suffix(1);
  if (domain.empty() || domain.size() > 253) return false;
  std::size_t labels = 0;
  std::size_t start = 0;
  while (start <= domain.size()) {
    std::size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    std::size_t length = dot - start;
    if (length == 0 || length > 63) return false;
    ++labels;
    start = dot + 1;
  }
  return labels >= 2;
}

// §7.3: an expansion longer than 253 characters loses labels from the left.
std::string truncateDomain(std::string name) {
  while (name.size() > 253) {
    std::size_t dot = name.find('.');
    if (dot == std::string::npos) break;
    name.erase(0, dot + 1);
  }
  return name;
}

std::string describeCount(std::size_t count) {
  return count == 1 ? "1 record" : std::to_string(count) + " records";
}

// §4.4, §4.5: the one "v=spf1" record among a name's TXT records.
Result<std::string> selectRecord(Result<dns::Answer<std::string>> answer,
                                 const std::string& domain) {
  if (!answer) {
    const Error& error = answer.error();
    if (error.code == dns::kNxdomain) {
      return Error::permanentFailure("spf.none",
                                     "no SPF record at " + domain + ": the domain does not exist");
    }
    if (error.code == dns::kNodata) {
      return Error::permanentFailure("spf.none", "no SPF record at " + domain + " (no TXT record)");
    }
    return answer.takeError();
  }
  std::vector<std::string> records;
  for (std::string& txt : answer->records) {
    if (isSpfRecord(txt)) records.push_back(std::move(txt));
  }
  if (records.empty()) {
    return Error::permanentFailure("spf.none", "no SPF record at " + domain + " (" +
                                                   describeCount(answer->records.size()) +
                                                   " of TXT, none starting \"v=spf1\")");
  }
  if (records.size() > 1) {
    return Error::permanentFailure("spf.multiple", domain + " publishes " +
                                                       std::to_string(records.size()) +
                                                       " SPF records; there must be exactly one");
  }
  return std::move(records.front());
}

// What evaluating a record or a term came to. `matched` is unset while no mechanism matched.
struct Outcome {
  SpfResult result = SpfResult::kNeutral;
  std::string code;
  std::string reason;
  std::string mechanism;
  std::string mechanism_domain;
  std::string explanation;
  std::string record;
};

Outcome finalOutcome(SpfResult result, std::string code, std::string reason) {
  Outcome outcome;
  outcome.result = result;
  outcome.code = std::move(code);
  outcome.reason = std::move(reason);
  return outcome;
}

SpfResult qualifierResult(Qualifier qualifier) {
  switch (qualifier) {
    case Qualifier::kPass:
      return SpfResult::kPass;
    case Qualifier::kFail:
      return SpfResult::kFail;
    case Qualifier::kSoftfail:
      return SpfResult::kSoftfail;
    case Qualifier::kNeutral:
      return SpfResult::kNeutral;
  }
  return SpfResult::kNeutral;
}

// A term's evaluation: matched or not, or a result that ends the whole check (an error).
struct TermOutcome {
  bool matched = false;
  std::optional<Outcome> abort;
};

class Evaluation {
 public:
  Evaluation(dns::Resolver& resolver, const CheckHostInput& input, CheckHostResult& result)
      : resolver_(resolver), input_(input), result_(result) {}

  // Fills the macro context and the client address; false when the IP does not parse.
  bool prepare() {
    auto client = parseAddress(input_.ip);
    if (!client) return false;
    client_ = *client;
    // %{i} of an IPv6 client keeps the case the address was given in (the suite's v-macro-ip6);
    // an IPv4-mapped address is its IPv4 address (§5).
    context_.ip = client_.v4 ? addressText(client_) : input_.ip;
    context_.helo = input_.helo;
    context_.receiver = input_.receiver;
    context_.now_seconds = input_.now_seconds;
    std::string sender = input_.sender.empty() ? "postmaster@" + input_.helo : input_.sender;
    std::size_t at = sender.rfind('@');
    if (at == std::string::npos) {
      context_.local_part = "postmaster";
      context_.sender_domain = sender;
      sender = "postmaster@" + sender;
    } else {
      context_.local_part = at == 0 ? "postmaster" : sender.substr(0, at);
      context_.sender_domain = sender.substr(at + 1);
      if (at == 0) sender = "postmaster" + sender;
    }
    context_.sender = sender;
    return true;
  }

  asio::awaitable<Outcome> checkHost(const std::string& domain, int depth) {
    if (!isValidDomain(domain)) {
      co_return finalOutcome(SpfResult::kNone, "invalid_domain",
                             "\"" + domain + "\" is not a valid domain name for SPF");
    }
    auto found = co_await lookupRecord(domain, depth);
    if (!found) {
      const Error& error = found.error();
      if (error.code == "spf.none") {
        co_return finalOutcome(SpfResult::kNone, "no_record", error.message);
      }
      if (error.code == "spf.multiple") {
        co_return finalOutcome(SpfResult::kPermerror, "multiple_records", error.message);
      }
      co_return finalOutcome(SpfResult::kTemperror, "dns", error.message);
    }
    std::string text = std::move(*found);
    auto parsed = parseRecord(text);
    if (!parsed) {
      Outcome outcome =
          finalOutcome(SpfResult::kPermerror, "syntax",
                       "the SPF record of " + domain + " has an error: " + parsed.error().message);
      outcome.record = text;
      co_return outcome;
    }
    const Record& record = *parsed;
    Outcome outcome = co_await evaluateRecord(record, domain, depth);
    outcome.record = text;
    co_return outcome;
  }

  const MacroContext& context() const { return context_; }

 private:
  asio::awaitable<Result<std::string>> lookupRecord(const std::string& domain, int depth) {
    auto answer = co_await resolver_.lookupTxt(domain);
    note("TXT", domain, answer, depth, false);
    co_return selectRecord(std::move(answer), domain);
  }

  template <class Answer>
  void note(std::string_view type, const std::string& name, const Result<Answer>& answer, int depth,
            bool counts_as_void) {
    Lookup lookup;
    lookup.type = std::string(type);
    lookup.name = name;
    lookup.depth = depth;
    if (answer) {
      lookup.outcome = describeCount(answer->records.size());
    } else {
      const Error& error = answer.error();
      lookup.outcome = error.message;
      lookup.is_void =
          counts_as_void && (error.code == dns::kNxdomain || error.code == dns::kNodata);
    }
    result_.lookups.push_back(std::move(lookup));
  }

  // Counts a DNS-querying term; an error outcome past the limit.
  std::optional<Outcome> countTerm(const std::string& term, const std::string& domain) {
    ++result_.dns_terms;
    if (result_.dns_terms <= input_.limits.dns_terms) return std::nullopt;
    return finalOutcome(SpfResult::kPermerror, "too_many_lookups",
                        "more than " + std::to_string(input_.limits.dns_terms) +
                            " DNS-querying terms (include, a, mx, ptr, exists, redirect); the "
                            "limit was passed at \"" +
                            term + "\" in " + domain);
  }

  // A term's lookup that failed: nothing (no match) for an empty answer within the void-lookup
  // limit; permerror past it; temperror for any other DNS error.
  std::optional<Outcome> failedLookup(const Error& error, const std::string& name,
                                      const std::string& domain, const Mechanism& mechanism) {
    if (error.code == dns::kNxdomain || error.code == dns::kNodata) return countVoid(name, domain);
    return finalOutcome(SpfResult::kTemperror, "dns",
                        error.message + " (for \"" + mechanism.text + "\" in " + domain + ")");
  }

  // Counts an empty answer toward the void-lookup limit; an error outcome past it.
  std::optional<Outcome> countVoid(const std::string& name, const std::string& domain) {
    ++result_.void_lookups;
    if (result_.void_lookups <= input_.limits.void_lookups) return std::nullopt;
    return finalOutcome(SpfResult::kPermerror, "too_many_void",
                        "more than " + std::to_string(input_.limits.void_lookups) +
                            " lookups found nothing; the limit was passed at " + name + " in " +
                            domain);
  }

  // The domain a term names: its expanded domain-spec, or the current domain.
  asio::awaitable<Result<std::string>> targetOf(const std::string& spec,
                                                const std::string& domain) {
    if (spec.empty()) co_return domain;
    MacroContext context = context_;
    context.domain = domain;
    if (needsValidatedDomain(spec)) context.validated_domain = co_await validatedDomain(domain);
    auto expanded = expandMacros(spec, context, false);
    if (!expanded) co_return expanded.takeError();
    std::string name = truncateDomain(std::move(*expanded));
    if (name.ends_with('.')) name.pop_back();
    co_return name;
  }

  // The addresses of `name` in the client's family into `out`: empty, with `was_void`, for
  // NXDOMAIN/NODATA; the error for other failures. Results go through out-parameters that the
  // caller declares at its top: GCC 12 has destroyed Result temporaries crossing a co_await
  // twice in loops and switch cases.
  asio::awaitable<Result<void>> addressesOf(const std::string& name, int depth, bool counts_as_void,
                                            std::vector<std::string>& out, bool& was_void) {
    out.clear();
    was_void = false;
    // One co_await of a named awaitable: GCC 12 miscompiles a conditional of two co_awaits.
    auto lookup = client_.v4 ? resolver_.lookupA(name) : resolver_.lookupAaaa(name);
    auto answer = co_await std::move(lookup);
    note(client_.v4 ? "A" : "AAAA", name, answer, depth, counts_as_void);
    if (answer) {
      out = std::move(answer->records);
      co_return Result<void>();
    }
    if (answer.error().code == dns::kNxdomain || answer.error().code == dns::kNodata) {
      was_void = true;
      co_return Result<void>();
    }
    co_return answer.takeError();
  }

  bool anyInNetwork(const std::vector<std::string>& addresses, const Mechanism& mechanism) const {
    int prefix = client_.v4 ? mechanism.cidr4.value_or(32) : mechanism.cidr6.value_or(128);
    for (const std::string& text : addresses) {
      auto address = parseAddress(text);
      if (address && inNetwork(client_, *address, prefix)) return true;
    }
    return false;
  }

  // The client's host names whose addresses include the client (§5.5), at most the limit.
  // `ptr_void` tells whether the PTR lookup itself came back empty (a void lookup for the ptr
  // mechanism, §4.6.4).
  asio::awaitable<std::vector<std::string>> validatedNames(int depth, bool& ptr_void) {
    std::vector<std::string> names;
    std::string ip = context_.ip;
    auto answer = co_await resolver_.lookupPtr(ip);
    ptr_void =
        !answer && (answer.error().code == dns::kNxdomain || answer.error().code == dns::kNodata);
    note("PTR", ip, answer, depth, ptr_void);
    if (!answer) co_return names;
    std::vector<std::string> hosts = std::move(answer->records);
    if (hosts.size() > static_cast<std::size_t>(input_.limits.names_per_ptr)) {
      hosts.resize(static_cast<std::size_t>(input_.limits.names_per_ptr));
    }
    std::vector<std::string> addresses;
    bool was_void = false;
    const Mechanism exact;
    for (const std::string& host : hosts) {
      auto found = co_await addressesOf(host, depth, false, addresses, was_void);
      if (!found) continue;  // §5.5: a lookup error skips that name
      if (anyInNetwork(addresses, exact)) names.push_back(dns::normalizeName(host));
    }
    co_return names;
  }

  // %{p}: a validated name equal to the domain, else one under it, else any, else "unknown".
  asio::awaitable<std::string> validatedDomain(const std::string& domain) {
    bool ptr_void = false;
    std::vector<std::string> names = co_await validatedNames(0, ptr_void);
    std::string target = dns::normalizeName(domain);
    for (const std::string& name : names) {
      if (name == target) co_return name;
    }
    for (const std::string& name : names) {
      if (name.ends_with("." + target)) co_return name;
    }
    co_return names.empty() ? std::string("unknown") : names.front();
  }

  asio::awaitable<TermOutcome> evaluateTerm(const Mechanism& mechanism, const std::string& domain,
                                            int depth) {
    TermOutcome outcome;
    // Declared here, not in the cases below: see addressesOf.
    std::vector<std::string> addresses;
    std::vector<std::string> hosts;
    std::vector<std::string> names;
    bool was_void = false;
    bool ptr_void = false;
    if (mechanism.kind == MechanismKind::kAll) {
      outcome.matched = true;
      co_return outcome;
    }
    if (mechanism.kind == MechanismKind::kIp4 || mechanism.kind == MechanismKind::kIp6) {
      auto network = parseAddress(mechanism.network);
      bool v4 = mechanism.kind == MechanismKind::kIp4;
      int prefix = v4 ? mechanism.cidr4.value_or(32) : mechanism.cidr6.value_or(128);
      // An ip6 term never matches an IPv4 client, even one written as an IPv4-mapped address.
      outcome.matched = network && network->v4 == v4 && inNetwork(client_, *network, prefix);
      co_return outcome;
    }
    if (auto over = countTerm(mechanism.text, domain)) {
      outcome.abort = std::move(over);
      co_return outcome;
    }
    auto target = co_await targetOf(mechanism.domain_spec, domain);
    if (!target) {
      outcome.abort =
          finalOutcome(SpfResult::kPermerror, "macro",
                       "\"" + mechanism.text + "\" in " + domain + ": " + target.error().message);
      co_return outcome;
    }
    const std::string& name = *target;

    switch (mechanism.kind) {
      case MechanismKind::kInclude: {
        Outcome included = co_await checkHost(name, depth + 1);
        switch (included.result) {
          case SpfResult::kPass:
            outcome.matched = true;
            break;
          case SpfResult::kFail:
          case SpfResult::kSoftfail:
          case SpfResult::kNeutral:
            break;
          case SpfResult::kTemperror:
          case SpfResult::kPermerror:
            outcome.abort = std::move(included);
            break;
          case SpfResult::kNone:
            outcome.abort =
                finalOutcome(SpfResult::kPermerror, "include_none",
                             "\"" + mechanism.text + "\" in " + domain +
                                 " names a domain without an SPF record (" + included.reason + ")");
            break;
        }
        co_return outcome;
      }
      case MechanismKind::kA: {
        auto found = co_await addressesOf(name, depth, true, addresses, was_void);
        if (!found) {
          outcome.abort = failedLookup(found.error(), name, domain, mechanism);
          co_return outcome;
        }
        if (was_void) {
          if (auto over = countVoid(name, domain)) outcome.abort = std::move(over);
          co_return outcome;
        }
        outcome.matched = anyInNetwork(addresses, mechanism);
        co_return outcome;
      }
      case MechanismKind::kMx: {
        auto answer = co_await resolver_.lookupMx(name);
        note("MX", name, answer, depth, true);
        if (!answer) {
          outcome.abort = failedLookup(answer.error(), name, domain, mechanism);
          co_return outcome;
        }
        if (static_cast<int>(answer->records.size()) > input_.limits.names_per_mx) {
          outcome.abort =
              finalOutcome(SpfResult::kPermerror, "too_many_mx",
                           name + " has " + std::to_string(answer->records.size()) +
                               " MX records; \"" + mechanism.text + "\" may look up at most " +
                               std::to_string(input_.limits.names_per_mx));
          co_return outcome;
        }
        for (const dns::MxRecord& mx : answer->records) {
          if (!mx.isNullMx()) hosts.push_back(mx.exchange);
        }
        for (const std::string& host : hosts) {
          auto found = co_await addressesOf(host, depth, false, addresses, was_void);
          if (!found) {
            outcome.abort = failedLookup(found.error(), name, domain, mechanism);
            co_return outcome;
          }
          if (anyInNetwork(addresses, mechanism)) {
            outcome.matched = true;
            co_return outcome;
          }
        }
        co_return outcome;
      }
      case MechanismKind::kPtr: {
        names = co_await validatedNames(depth, ptr_void);
        if (ptr_void) {
          if (auto over = countVoid(context_.ip, domain)) outcome.abort = std::move(over);
          co_return outcome;
        }
        std::string wanted = dns::normalizeName(name);
        for (const std::string& validated : names) {
          if (validated == wanted || validated.ends_with("." + wanted)) {
            outcome.matched = true;
            break;
          }
        }
        co_return outcome;
      }
      case MechanismKind::kExists: {
        // Always an A lookup, whatever the client's family (§5.7).
        auto answer = co_await resolver_.lookupA(name);
        note("A", name, answer, depth, true);
        if (!answer) {
          outcome.abort = failedLookup(answer.error(), name, domain, mechanism);
          co_return outcome;
        }
        outcome.matched = true;
        co_return outcome;
      }
      default:
        co_return outcome;
    }
  }

  asio::awaitable<Outcome> evaluateRecord(const Record& record, const std::string& domain,
                                          int depth) {
    for (const Mechanism& mechanism : record.mechanisms) {
      TermOutcome term = co_await evaluateTerm(mechanism, domain, depth);
      if (term.abort) co_return std::move(*term.abort);
      if (!term.matched) continue;
      Outcome outcome;
      outcome.result = qualifierResult(mechanism.qualifier);
      outcome.code = "matched";
      outcome.mechanism = mechanism.text;
      outcome.mechanism_domain = domain;
      outcome.reason = "matched \"" + mechanism.text + "\" in the SPF record of " + domain;
      if (outcome.result == SpfResult::kFail) {
        outcome.explanation = co_await explain(record, domain, depth);
      }
      co_return outcome;
    }
    if (record.redirect) {
      if (auto over = countTerm(record.redirect->text, domain)) co_return std::move(*over);
      auto target = co_await targetOf(record.redirect->value, domain);
      if (!target) {
        co_return finalOutcome(
            SpfResult::kPermerror, "macro",
            "\"" + record.redirect->text + "\" in " + domain + ": " + target.error().message);
      }
      const std::string& name = *target;
      Outcome redirected = co_await checkHost(name, depth + 1);
      if (redirected.result == SpfResult::kNone) {
        co_return finalOutcome(SpfResult::kPermerror, "redirect_none",
                               "\"" + record.redirect->text + "\" in " + domain +
                                   " names a domain without an SPF record (" + redirected.reason +
                                   ")");
      }
      co_return redirected;
    }
    co_return finalOutcome(SpfResult::kNeutral, "default",
                           "no mechanism in the SPF record of " + domain +
                               " matched, and it has no redirect: neutral");
  }

  // The explanation of a fail (§6.2): the exp= text when it can be had, else the default.
  asio::awaitable<std::string> explain(const Record& record, const std::string& domain, int depth) {
    MacroContext context = context_;
    context.domain = domain;
    std::string fallback =
        "the SPF record of " + domain + " does not allow " + context_.ip + " to send mail for it";
    if (!record.exp) co_return fallback;
    auto target = co_await targetOf(record.exp->value, domain);
    if (!target) co_return fallback;
    const std::string& name = *target;
    auto answer = co_await resolver_.lookupTxt(name);
    note("TXT", name, answer, depth, false);
    if (!answer || answer->records.size() != 1) co_return fallback;
    if (needsValidatedDomain(answer->records.front())) {
      context.validated_domain = co_await validatedDomain(domain);
    }
    auto text = expandMacros(answer->records.front(), context, true);
    if (!text) co_return fallback;
    co_return std::move(*text);
  }

  dns::Resolver& resolver_;
  const CheckHostInput& input_;
  CheckHostResult& result_;
  Address client_;
  MacroContext context_;
};

}  // namespace

std::string_view resultName(SpfResult result) {
  switch (result) {
    case SpfResult::kNone:
      return "none";
    case SpfResult::kNeutral:
      return "neutral";
    case SpfResult::kPass:
      return "pass";
    case SpfResult::kFail:
      return "fail";
    case SpfResult::kSoftfail:
      return "softfail";
    case SpfResult::kTemperror:
      return "temperror";
    case SpfResult::kPermerror:
      return "permerror";
  }
  return "none";
}

asio::awaitable<CheckHostResult> checkHost(dns::Resolver& resolver, const CheckHostInput& input) {
  CheckHostResult result;
  Evaluation evaluation(resolver, input, result);
  if (!evaluation.prepare()) {
    result.result = SpfResult::kPermerror;
    result.code = "invalid_ip";
    result.reason = "\"" + input.ip + "\" is not an IP address";
    co_return result;
  }
  std::string domain = input.domain;
  if (domain.ends_with('.')) domain.pop_back();
  Outcome outcome = co_await evaluation.checkHost(domain, 0);
  result.result = outcome.result;
  result.code = std::move(outcome.code);
  result.reason = std::move(outcome.reason);
  result.mechanism = std::move(outcome.mechanism);
  result.mechanism_domain = std::move(outcome.mechanism_domain);
  result.explanation = std::move(outcome.explanation);
  result.record = std::move(outcome.record);
  co_return result;
}

asio::awaitable<Result<std::string>> findRecord(dns::Resolver& resolver,
                                                const std::string& domain) {
  auto answer = co_await resolver.lookupTxt(domain);
  co_return selectRecord(std::move(answer), domain);
}

}  // namespace outpost::mailauth::spf
