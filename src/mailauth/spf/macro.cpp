// The SPF macro language (RFC 7208 §7); see macro.h.
#include "mailauth/spf/macro.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>
#include <vector>

#include "core/text.h"

namespace outpost::mailauth::spf {
namespace {

constexpr std::string_view kDelimiters = ".-+,/_=";

Error macroError(std::string_view text, std::string_view problem) {
  return Error::permanentFailure(
      "spf.macro", "macro error in \"" + std::string(text) + "\": " + std::string(problem));
}

bool isMacroLetter(char letter, bool explanation) {
  switch (std::tolower(static_cast<unsigned char>(letter))) {
    case 's':
    case 'l':
    case 'o':
    case 'd':
    case 'i':
    case 'p':
    case 'h':
    case 'v':
      return true;
    case 'c':
    case 'r':
    case 't':
      return explanation;
    default:
      return false;
  }
}

// One "%{…}" macro: the letter, digits (0 = all), reversal and delimiters.
struct MacroExpand {
  char letter = 0;
  std::size_t keep = 0;
  bool reverse = false;
  std::string delimiters;
};

// Parses the body between "%{" and "}".
Result<MacroExpand> parseExpand(std::string_view whole, std::string_view body, bool explanation) {
  MacroExpand expand;
  if (body.empty() || !isMacroLetter(body.front(), explanation)) {
    return macroError(whole, body.empty()
                                 ? "empty macro"
                                 : "unknown macro letter '" + std::string(1, body.front()) + "'");
  }
  expand.letter = body.front();
  std::size_t i = 1;
  std::size_t digits_end = i;
  while (digits_end < body.size() && body[digits_end] >= '0' && body[digits_end] <= '9') {
    ++digits_end;
  }
  if (digits_end > i) {
    std::size_t value = 0;
    auto [end, error] = std::from_chars(body.data() + i, body.data() + digits_end, value);
    // RFC 7208 §7.3: the digit transformer must be nonzero. Any count over 128 keeps every part
    // (a name has at most 127 labels).
    if (error == std::errc::result_out_of_range)
      value = 128;
    else if (error != std::errc() || value == 0)
      return macroError(whole, "the label count must be nonzero");
    (void)end;
    expand.keep = value;
    i = digits_end;
  }
  if (i < body.size() && (body[i] == 'r' || body[i] == 'R')) {
    expand.reverse = true;
    ++i;
  }
  for (; i < body.size(); ++i) {
    if (kDelimiters.find(body[i]) == std::string_view::npos) {
      return macroError(whole, "'" + std::string(1, body[i]) + "' is not a macro delimiter");
    }
    expand.delimiters += body[i];
  }
  return expand;
}

// Walks a macro-string, calling `literal(text)` and `macro(expand)` in order.
template <class Literal, class Macro>
Result<void> walk(std::string_view text, bool explanation, Literal&& literal, Macro&& macro) {
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c != '%') {
      auto octet = static_cast<unsigned char>(c);
      // macro-literal = %x21-24 / %x26-7E; explanation text may also hold spaces.
      if ((octet < 0x21 || octet > 0x7e) && !(explanation && octet == ' ')) {
        return macroError(text, "contains a character that is not visible ASCII");
      }
      literal(std::string_view(&text[i], 1));
      ++i;
      continue;
    }
    if (i + 1 >= text.size()) return macroError(text, "a '%' at the end");
    char next = text[i + 1];
    if (next == '%') {
      literal("%");
    } else if (next == '_') {
      literal(" ");
    } else if (next == '-') {
      literal("%20");
    } else if (next == '{') {
      std::size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) return macroError(text, "a '%{' without its '}'");
      auto expand = parseExpand(text, text.substr(i + 2, close - i - 2), explanation);
      if (!expand) return expand.takeError();
      if (auto done = macro(*expand); !done) return done;
      i = close + 1;
      continue;
    } else {
      return macroError(text, "'%' must be followed by '{', '%', '_' or '-'");
    }
    i += 2;
  }
  return {};
}

std::string urlEscape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    auto octet = static_cast<unsigned char>(c);
    bool unreserved = (octet >= 'a' && octet <= 'z') || (octet >= 'A' && octet <= 'Z') ||
                      (octet >= '0' && octet <= '9') || c == '-' || c == '.' || c == '_' ||
                      c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[octet >> 4];
      out += kHex[octet & 0x0f];
    }
  }
  return out;
}

// Splits on the delimiters, keeps the right-most `keep` parts after an optional reversal, and
// joins with '.' (§7.3).
std::string transform(std::string_view value, const MacroExpand& expand) {
  std::string_view delimiters = expand.delimiters;
  if (delimiters.empty()) delimiters = ".";
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || delimiters.find(value[i]) != std::string_view::npos) {
      parts.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  if (expand.reverse) std::reverse(parts.begin(), parts.end());
  std::size_t first = 0;
  if (expand.keep != 0 && expand.keep < parts.size()) first = parts.size() - expand.keep;
  std::string out;
  for (std::size_t i = first; i < parts.size(); ++i) {
    if (i != first) out += '.';
    out += parts[i];
  }
  return out;
}

std::string letterValue(char letter, const MacroContext& context) {
  switch (std::tolower(static_cast<unsigned char>(letter))) {
    case 's':
      return context.sender;
    case 'l':
      return context.local_part;
    case 'o':
      return context.sender_domain;
    case 'd':
      return context.domain;
    case 'i':
      return macroIp(context.ip);
    case 'p':
      return context.validated_domain;
    case 'h':
      return context.helo;
    case 'v':
      return context.ip.find(':') == std::string::npos ? "in-addr" : "ip6";
    case 'r':
      return context.receiver;
    case 'c': {
      // The readable form: IPv4 dotted, IPv6 in RFC 5952 compressed text.
      std::array<unsigned char, 16> bytes{};
      std::array<char, INET6_ADDRSTRLEN> text{};
      if (inet_pton(AF_INET6, context.ip.c_str(), bytes.data()) == 1 &&
          inet_ntop(AF_INET6, bytes.data(), text.data(), text.size()) != nullptr) {
        return text.data();
      }
      return context.ip;
    }
    case 't': {
      std::uint64_t now = context.now_seconds;
      if (now == 0) now = static_cast<std::uint64_t>(std::time(nullptr));
      return std::to_string(now);
    }
    default:
      return {};
  }
}

}  // namespace

Result<void> checkMacroString(std::string_view text, bool explanation) {
  return walk(
      text, explanation, [](std::string_view) {},
      [](const MacroExpand&) { return Result<void>(); });
}

bool needsValidatedDomain(std::string_view text) {
  bool found = false;
  auto ignored = walk(
      text, true, [](std::string_view) {},
      [&found](const MacroExpand& expand) {
        if (expand.letter == 'p' || expand.letter == 'P') found = true;
        return Result<void>();
      });
  (void)ignored;
  return found;
}

Result<std::string> expandMacros(std::string_view text, const MacroContext& context,
                                 bool explanation) {
  std::string out;
  auto walked = walk(
      text, explanation, [&out](std::string_view literal) { out += literal; },
      [&out, &context](const MacroExpand& expand) {
        std::string value = transform(letterValue(expand.letter, context), expand);
        bool upper = expand.letter >= 'A' && expand.letter <= 'Z';
        out += upper ? urlEscape(value) : value;
        return Result<void>();
      });
  if (!walked) return walked.takeError();
  return out;
}

std::string macroIp(std::string_view ip) {
  std::string text(ip);
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) return text;
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return {};
  // Nibbles in the case the address was written in: DNS names compare without case, and the
  // RFC 7208 suite expects "CAFE::" to stay upper-case.
  bool upper = text.find_first_of("ABCDEF") != std::string::npos;
  const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char octet : bytes) {
    if (!out.empty()) out += '.';
    out += hex[octet >> 4];
    out += '.';
    out += hex[octet & 0x0f];
  }
  return out;
}

}  // namespace outpost::mailauth::spf
