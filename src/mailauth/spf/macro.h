// The SPF macro language (RFC 7208 §7): syntax checks and expansion of macro-strings in
// domain-specs and explanation strings, with transformers (digits, "r"), delimiters and
// URL-escaping of upper-case macro letters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace outpost::mailauth::spf {

// What the macro letters expand to for one check_host() call.
struct MacroContext {
  std::string sender;         // %{s}: the full sender (local-part@domain)
  std::string local_part;     // %{l}
  std::string sender_domain;  // %{o}
  std::string domain;         // %{d}: the <domain> of the current check
  std::string ip;             // %{i} is derived from it; %{c} shows it; %{v} "in-addr"/"ip6"
  std::string helo;           // %{h}
  // %{p}: the validated domain name of the IP (§5.5), or "unknown". Computed by the caller
  // before expansion, only when the string uses %{p} (needsValidatedDomain).
  std::string validated_domain = "unknown";
  std::string receiver = "unknown";  // %{r}, explanations only
  std::uint64_t now_seconds = 0;     // %{t}, explanations only
};

// Whether `text` is a valid macro-string: every '%' starts "%%", "%_", "%-" or a valid
// macro-expand. `explanation` allows the letters c, r and t (§7.2).
Result<void> checkMacroString(std::string_view text, bool explanation);

// Whether the string uses the %{p} macro (which costs DNS lookups to expand).
bool needsValidatedDomain(std::string_view text);

// Expands a macro-string (§7.3, §7.4). Errors "spf.macro" (permanent) for a syntax error.
// Upper-case letters URL-escape their value (RFC 3986 unreserved characters are kept).
Result<std::string> expandMacros(std::string_view text, const MacroContext& context,
                                 bool explanation);

// The dotted-nibble form of an IPv6 address for %{i} ("2001:db8::1" → "2.0.0.1.0.d.b.8…1"),
// the dotted-quad for IPv4; "" when `ip` is not an address.
std::string macroIp(std::string_view ip);

}  // namespace outpost::mailauth::spf
