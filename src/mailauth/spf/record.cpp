// SPF record syntax (RFC 7208 §4.5, §4.6, §12); see record.h.
#include "mailauth/spf/record.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "core/text.h"
#include "mailauth/spf/macro.h"

namespace outpost::mailauth::spf {
namespace {

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlphanumeric(char c) { return isAlpha(c) || isDigit(c); }

Error syntaxError(std::string_view term, std::string_view problem) {
  return Error::permanentFailure("spf.syntax",
                                 "\"" + std::string(term) + "\": " + std::string(problem));
}

// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool isTopLabel(std::string_view label) {
  if (label.empty()) return false;
  bool has_alpha = false;
  for (char c : label) {
    if (isAlpha(c)) has_alpha = true;
    if (!isAlphanumeric(c) && c != '-') return false;
  }
  if (label.find('-') == std::string_view::npos) return has_alpha;
  // The dashed form: it must start and end with an alphanumeric.
  return isAlphanumeric(label.front()) && isAlphanumeric(label.back());
}

// domain-end = ( "." toplabel [ "." ] ) / macro-expand. `spec` is a valid macro-string.
bool hasValidDomainEnd(std::string_view spec) {
  bool ends_in_macro = false;
  for (std::size_t i = 0; i < spec.size();) {
    if (spec[i] != '%') {
      ends_in_macro = false;
      ++i;
      continue;
    }
    ends_in_macro = true;
    std::size_t close = spec[i + 1] == '{' ? spec.find('}', i) : i + 1;
    i = close + 1;
  }
  if (ends_in_macro) return true;
  std::string_view name = spec;
  if (name.ends_with('.')) name.remove_suffix(1);
  std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  return isTopLabel(name.substr(dot + 1));
}

Result<void> checkDomainSpec(std::string_view term, std::string_view spec) {
  if (spec.empty()) return syntaxError(term, "the domain is empty");
  if (auto macros = checkMacroString(spec, false); !macros) {
    return syntaxError(term, macros.error().message);
  }
  if (!hasValidDomainEnd(spec)) {
    return syntaxError(term, "the domain must end in a top-level label with a letter (or a macro)");
  }
  return {};
}

// A prefix length "/N": decimal without leading zeros, at most `maximum`.
std::optional<int> parsePrefixLength(std::string_view digits, int maximum) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
  int value = 0;
  for (char c : digits) {
    if (!isDigit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > maximum) return std::nullopt;
  return value;
}

// Splits a trailing dual-cidr-length ("/24", "//64", "/24//64") off `rest`.
Result<void> takeDualCidr(std::string_view term, std::string_view& rest, Mechanism& mechanism) {
  std::size_t ip6 = rest.rfind("//");
  if (ip6 != std::string_view::npos) {
    auto length = parsePrefixLength(rest.substr(ip6 + 2), 128);
    if (!length) return syntaxError(term, "the IPv6 prefix length must be 0 to 128");
    mechanism.cidr6 = length;
    rest = rest.substr(0, ip6);
  }
  std::size_t slash = rest.rfind('/');
  if (slash != std::string_view::npos) {
    std::string_view digits = rest.substr(slash + 1);
    bool numeric = !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos;
    // "a:foo/bar.example.com" is a domain with a slash in it, not a prefix length.
    if (numeric || ip6 != std::string_view::npos || rest.substr(0, slash).empty()) {
      auto length = parsePrefixLength(digits, 32);
      if (!length) return syntaxError(term, "the IPv4 prefix length must be 0 to 32");
      mechanism.cidr4 = length;
      rest = rest.substr(0, slash);
    }
  }
  return {};
}

Result<Mechanism> parseMechanism(std::string_view term) {
  Mechanism mechanism;
  mechanism.text = std::string(term);
  std::string_view rest = term;
  switch (rest.front()) {
    case '+':
      mechanism.qualifier = Qualifier::kPass;
      rest.remove_prefix(1);
      break;
    case '-':
      mechanism.qualifier = Qualifier::kFail;
      rest.remove_prefix(1);
      break;
    case '~':
      mechanism.qualifier = Qualifier::kSoftfail;
      rest.remove_prefix(1);
      break;
    case '?':
      mechanism.qualifier = Qualifier::kNeutral;
      rest.remove_prefix(1);
      break;
    default:
      break;
  }
  std::size_t name_end = 0;
  while (name_end < rest.size() && isAlphanumeric(rest[name_end])) ++name_end;
  std::string name = lowercase(rest.substr(0, name_end));
  rest.remove_prefix(name_end);

  static constexpr std::array<std::pair<std::string_view, MechanismKind>, 8> kKinds{{
      {"all", MechanismKind::kAll},
      {"include", MechanismKind::kInclude},
      {"a", MechanismKind::kA},
      {"mx", MechanismKind::kMx},
      {"ptr", MechanismKind::kPtr},
      {"ip4", MechanismKind::kIp4},
      {"ip6", MechanismKind::kIp6},
      {"exists", MechanismKind::kExists},
  }};
  const auto* kind = std::find_if(kKinds.begin(), kKinds.end(),
                                  [&name](const auto& entry) { return entry.first == name; });
  if (kind == kKinds.end()) return syntaxError(term, "unknown mechanism \"" + name + "\"");
  mechanism.kind = kind->second;

  switch (mechanism.kind) {
    case MechanismKind::kAll:
      if (!rest.empty()) return syntaxError(term, "\"all\" takes no argument");
      break;
    case MechanismKind::kInclude:
    case MechanismKind::kExists: {
      if (!rest.starts_with(':'))
        return syntaxError(term, "a domain is required (\"" + name + ":domain\")");
      rest.remove_prefix(1);
      if (auto valid = checkDomainSpec(term, rest); !valid) return valid.takeError();
      mechanism.domain_spec = std::string(rest);
      break;
    }
    case MechanismKind::kA:
    case MechanismKind::kMx:
    case MechanismKind::kPtr: {
      if (mechanism.kind != MechanismKind::kPtr) {
        if (auto cidr = takeDualCidr(term, rest, mechanism); !cidr) return cidr.takeError();
      }
      if (rest.empty()) break;
      if (!rest.starts_with(':'))
        return syntaxError(term, "unexpected text after \"" + name + "\"");
      rest.remove_prefix(1);
      if (auto valid = checkDomainSpec(term, rest); !valid) return valid.takeError();
      mechanism.domain_spec = std::string(rest);
      break;
    }
    case MechanismKind::kIp4:
    case MechanismKind::kIp6: {
      bool v4 = mechanism.kind == MechanismKind::kIp4;
      if (!rest.starts_with(':')) return syntaxError(term, "an address is required");
      rest.remove_prefix(1);
      std::size_t slash = rest.find('/');
      std::string address(rest.substr(0, slash));
      if (slash != std::string_view::npos) {
        auto length = parsePrefixLength(rest.substr(slash + 1), v4 ? 32 : 128);
        if (!length) {
          return syntaxError(term, v4 ? "the prefix length must be 0 to 32"
                                      : "the prefix length must be 0 to 128");
        }
        (v4 ? mechanism.cidr4 : mechanism.cidr6) = length;
      }
      std::array<unsigned char, 16> bytes{};
      if (inet_pton(v4 ? AF_INET : AF_INET6, address.c_str(), bytes.data()) != 1) {
        return syntaxError(term, v4 ? "not an IPv4 address" : "not an IPv6 address");
      }
      mechanism.network = std::move(address);
      break;
    }
  }
  return mechanism;
}

// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
bool isModifierName(std::string_view name) {
  if (name.empty() || !isAlpha(name.front())) return false;
  for (char c : name) {
    if (!isAlphanumeric(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

}  // namespace

std::string_view mechanismName(MechanismKind kind) {
  switch (kind) {
    case MechanismKind::kAll:
      return "all";
    case MechanismKind::kInclude:
      return "include";
    case MechanismKind::kA:
      return "a";
    case MechanismKind::kMx:
      return "mx";
    case MechanismKind::kPtr:
      return "ptr";
    case MechanismKind::kIp4:
      return "ip4";
    case MechanismKind::kIp6:
      return "ip6";
    case MechanismKind::kExists:
      return "exists";
  }
  return "all";
}

char qualifierSymbol(Qualifier qualifier) {
  switch (qualifier) {
    case Qualifier::kPass:
      return '+';
    case Qualifier::kFail:
      return '-';
    case Qualifier::kSoftfail:
      return '~';
    case Qualifier::kNeutral:
      return '?';
  }
  return '+';
}

bool Mechanism::queriesDns() const {
  return kind == MechanismKind::kInclude || kind == MechanismKind::kA ||
         kind == MechanismKind::kMx || kind == MechanismKind::kPtr ||
         kind == MechanismKind::kExists;
}

bool isSpfRecord(std::string_view txt) {
  constexpr std::string_view kVersion = "v=spf1";
  if (txt.size() < kVersion.size()) return false;
  if (!equalsIgnoreCase(txt.substr(0, kVersion.size()), kVersion)) return false;
  return txt.size() == kVersion.size() || txt[kVersion.size()] == ' ';
}

Result<Record> parseRecord(std::string_view txt) {
  if (!isSpfRecord(txt)) {
    return Error::permanentFailure("spf.syntax", "the record does not start with \"v=spf1\"");
  }
  Record record;
  record.text = std::string(txt);
  std::string_view rest = txt.substr(6);
  while (!rest.empty()) {
    // Terms are separated by spaces (SP only: a tab or line break is a syntax error).
    if (rest.front() == ' ') {
      rest.remove_prefix(1);
      continue;
    }
    std::size_t end = rest.find(' ');
    std::string_view term = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    for (char c : term) {
      auto octet = static_cast<unsigned char>(c);
      if (octet < 0x21 || octet > 0x7e) {
        return syntaxError(term, "contains a character that is not visible ASCII");
      }
    }
    std::size_t equals = term.find('=');
    std::size_t other = term.find_first_of(":/");
    if (equals != std::string_view::npos && (other == std::string_view::npos || equals < other) &&
        isModifierName(term.substr(0, equals))) {
      Modifier modifier{lowercase(term.substr(0, equals)), std::string(term.substr(equals + 1)),
                        std::string(term)};
      if (modifier.name == "redirect" || modifier.name == "exp") {
        auto& slot = modifier.name == "redirect" ? record.redirect : record.exp;
        if (slot) return syntaxError(term, "the " + modifier.name + " modifier appears twice");
        if (auto valid = checkDomainSpec(term, modifier.value); !valid) return valid.takeError();
        slot = std::move(modifier);
      } else {
        if (auto macros = checkMacroString(modifier.value, false); !macros) {
          return syntaxError(term, macros.error().message);
        }
        record.unknown_modifiers.push_back(std::move(modifier));
      }
      continue;
    }
    auto mechanism = parseMechanism(term);
    if (!mechanism) return mechanism.takeError();
    record.mechanisms.push_back(std::move(*mechanism));
  }
  return record;
}

}  // namespace outpost::mailauth::spf
