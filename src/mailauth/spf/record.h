// SPF records (RFC 7208 §4.5, §4.6, §5, §6, §12): telling an SPF record among a name's TXT
// records, and parsing one into its terms. Syntax only: no DNS, no macro expansion (macro.h).
// SECURITY: record text comes from DNS, untrusted; parsing never throws and bounds nothing by
// trust (a record is at most what one TXT answer holds).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace outpost::mailauth::spf {

// The result a matching mechanism gives: "+" pass, "-" fail, "~" softfail, "?" neutral.
enum class Qualifier { kPass, kFail, kSoftfail, kNeutral };

enum class MechanismKind { kAll, kInclude, kA, kMx, kPtr, kIp4, kIp6, kExists };

// "all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists".
std::string_view mechanismName(MechanismKind kind);
// '+', '-', '~', '?'.
char qualifierSymbol(Qualifier qualifier);

struct Mechanism {
  Qualifier qualifier = Qualifier::kPass;
  MechanismKind kind = MechanismKind::kAll;
  // The domain-spec as written (it may hold macros); empty when the term names none, i.e. the
  // <domain> of the check (a, mx, ptr). Always set for include and exists.
  std::string domain_spec;
  // ip4/ip6: the address as written, without its prefix length.
  std::string network;
  // Prefix lengths; nullopt when the term gives none (32 / 128 apply). For ip4 only cidr4 is
  // used, for ip6 only cidr6; a and mx may carry both ("a/24//64").
  std::optional<int> cidr4;
  std::optional<int> cidr6;
  // The term exactly as written in the record ("-ip4:192.0.2.0/24"), for explanations.
  std::string text;

  // Whether evaluating it queries DNS (include, a, mx, ptr, exists; §4.6.4).
  bool queriesDns() const;
};

struct Modifier {
  std::string name;   // lowercase
  std::string value;  // a macro-string, as written
  std::string text;   // the term as written
};

struct Record {
  // The mechanisms in record order.
  std::vector<Mechanism> mechanisms;
  std::optional<Modifier> redirect;
  std::optional<Modifier> exp;
  // Modifiers RFC 7208 does not define: ignored by evaluation (§6), shown by advice.
  std::vector<Modifier> unknown_modifiers;
  // The whole record as published.
  std::string text;
};

// Whether a TXT string is an SPF record: "v=spf1" alone or followed by a space (§4.5;
// case-insensitive). "v=spf10" is not.
bool isSpfRecord(std::string_view txt);

// Parses an SPF record. Errors (code "spf.syntax", permanent) name the first bad term and what
// is wrong with it: an unknown mechanism, a bad qualifier, a domain-spec that is not a valid
// macro-string or does not end in a valid top label, a prefix length out of range, an address
// that does not parse, a modifier given twice, a character outside the allowed set.
Result<Record> parseRecord(std::string_view txt);

}  // namespace outpost::mailauth::spf
