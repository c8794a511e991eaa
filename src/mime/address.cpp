// Mailbox parsing and strict address validation: RFC 5322 §3.4 name-addr, RFC 5321 §4.1.2
// Mailbox (dot-string or quoted local part, host name or address literal), RFC 5321 §4.5.3.1
// limits, RFC 6531 UTF-8, RFC 2047 display names. Input is untrusted: CR, LF and NUL are
// refused before anything else looks at it, and decoded display names are checked again.
#include "mime/address.h"

#include <arpa/inet.h>
#include <strings.h>

#include <cctype>
#include <cstring>

#include "core/limits.h"
#include "mime/address_check.h"
#include "mime/gmime_support.h"
#include "mime/text_util.h"

namespace outpost::mime {
namespace {

using detail::quoteForMessage;

// RFC 5322 §3.2.3 atext, with RFC 6531 UTF8-non-ascii (validated as UTF-8 separately).
bool isAtext(unsigned char c) {
  if (c >= 0x80) return true;
  if (std::isalnum(c) != 0) return true;
  return c != '\0' && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

bool isLetDig(unsigned char c) { return (c < 0x80 && std::isalnum(c) != 0) || c >= 0x80; }

// The first character in `text` that `allowed` refuses, shown for an error message.
template <class Allowed>
std::string firstRefused(std::string_view text, Allowed allowed) {
  for (const char c : text) {
    if (!allowed(static_cast<unsigned char>(c))) {
      if (c == ' ') return "a space";
      if (c == '\t') return "a tab";
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return "a control character";
      return std::string("\"") + c + "\"";
    }
  }
  return {};
}

// RFC 5321 Local-part = Dot-string / Quoted-string.
std::string localPartProblem(std::string_view local) {
  if (local.empty()) return "the local part (before the @) is empty";
  if (local.size() > limits::kMaxLocalPart) {
    return "the local part is " + std::to_string(local.size()) + " octets long; the limit is " +
           std::to_string(limits::kMaxLocalPart);
  }
  if (local.front() == '"') {
    if (local.size() < 2 || local.back() != '"') {
      return "the quoted local part " + quoteForMessage(local) + " has no closing quote";
    }
    const std::string_view inner = local.substr(1, local.size() - 2);
    for (std::size_t i = 0; i < inner.size(); ++i) {
      const auto c = static_cast<unsigned char>(inner[i]);
      if (c == '\\') {
        // quoted-pairSMTP = "\" followed by any printable ASCII or space.
        if (i + 1 >= inner.size() || static_cast<unsigned char>(inner[i + 1]) < 32 ||
            static_cast<unsigned char>(inner[i + 1]) > 126) {
          return "the quoted local part " + quoteForMessage(local) + " has a stray backslash";
        }
        ++i;
        continue;
      }
      // qtextSMTP: %d32-33 / %d35-91 / %d93-126 / UTF8-non-ascii.
      if (c == '"') {
        return "the quoted local part " + quoteForMessage(local) + " has an unescaped quote";
      }
      if (c < 32 || c == 127) {
        return "the quoted local part " + quoteForMessage(local) + " has a control character";
      }
    }
    return {};
  }
  if (local.front() == '.' || local.back() == '.') {
    return "the local part " + quoteForMessage(local) + " starts or ends with a dot";
  }
  if (local.find("..") != std::string_view::npos) {
    return "the local part " + quoteForMessage(local) + " has two dots in a row";
  }
  const std::string refused =
      firstRefused(local, [](unsigned char c) { return c == '.' || isAtext(c); });
  if (!refused.empty()) {
    return "the local part " + quoteForMessage(local) + " contains " + refused +
           ", which is only allowed in a quoted local part";
  }
  return {};
}

// RFC 5321 address-literal: [IPv4] or [IPv6:...]. General address literals are refused.
std::string addressLiteralProblem(std::string_view literal) {
  std::string bad =
      "the address literal " + quoteForMessage(literal) + " is not a valid IPv4 or IPv6 address";
  if (literal.size() < 3 || literal.back() != ']') return bad;
  const std::string inner(literal.substr(1, literal.size() - 2));
  unsigned char buffer[16];
  constexpr std::string_view kIpv6Tag = "ipv6:";
  if (inner.size() > kIpv6Tag.size() &&
      strncasecmp(inner.c_str(), kIpv6Tag.data(), kIpv6Tag.size()) == 0) {
    return inet_pton(AF_INET6, inner.c_str() + kIpv6Tag.size(), buffer) == 1 ? "" : bad;
  }
  return inet_pton(AF_INET, inner.c_str(), buffer) == 1 ? "" : bad;
}

}  // namespace

namespace detail {

std::string domainProblem(std::string_view domain) {
  if (domain.empty()) return "the domain (after the @) is empty";
  if (domain.front() == '[') return addressLiteralProblem(domain);
  const std::string prefix = "domain " + quoteForMessage(domain) + " is not a valid host name";
  if (domain.size() > limits::kMaxDomain) {
    return prefix + " (it is " + std::to_string(domain.size()) + " octets long; the limit is " +
           std::to_string(limits::kMaxDomain) + ")";
  }
  const std::string refused =
      firstRefused(domain, [](unsigned char c) { return c == '.' || c == '-' || isLetDig(c); });
  if (!refused.empty()) return prefix + " (it contains " + refused + ")";
  if (!isValidUtf8(domain)) return prefix + " (it is not valid UTF-8)";
  std::size_t start = 0;
  std::string_view last_label;
  while (true) {
    const auto dot = domain.find('.', start);
    const std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return prefix + " (it has an empty label)";
    if (label.size() > 63) {
      return prefix + " (label " + quoteForMessage(label) + " is longer than 63 octets)";
    }
    if (label.front() == '-' || label.back() == '-') {
      return prefix + " (label " + quoteForMessage(label) + " starts or ends with a hyphen)";
    }
    last_label = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  // "a@192.168.1.1" looks like a host name but means an IP address: ask for the literal.
  if (last_label.find_first_not_of("0123456789") == std::string_view::npos) {
    return prefix + " (to send to an IP address, write it as [" + std::string(domain) + "])";
  }
  return {};
}

std::string addressProblem(std::string_view address) {
  if (hasLineBreak(address)) return "the address contains a line break";
  if (hasNul(address)) return "the address contains a NUL character";
  if (address.empty()) return "the address is empty";
  if (!isValidUtf8(address)) return "the address is not valid UTF-8";
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) return "missing @ in " + quoteForMessage(address);
  // RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the angle brackets.
  if (address.size() > limits::kMaxPath - 2) {
    return "the address is " + std::to_string(address.size()) + " octets long; the limit is " +
           std::to_string(limits::kMaxPath - 2);
  }
  if (std::string problem = localPartProblem(address.substr(0, at)); !problem.empty()) {
    return problem;
  }
  return domainProblem(address.substr(at + 1));
}

}  // namespace detail

std::string Mailbox::domain() const {
  const auto at = address.rfind('@');
  return at == std::string::npos ? std::string() : address.substr(at + 1);
}

namespace {

Error invalidAddress(std::string message) {
  return Error::permanentFailure("invalid_address", std::move(message));
}

// Undoes a quoted-string's quoting: "Doe, \"JD\" John" -> Doe, "JD" John.
std::string unquote(std::string_view quoted) {
  std::string out;
  for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
    if (quoted[i] == '\\' && i + 2 < quoted.size()) ++i;
    out.push_back(quoted[i]);
  }
  return out;
}

bool isSingleQuotedString(std::string_view text) {
  if (text.size() < 2 || text.front() != '"' || text.back() != '"') return false;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return false;
    }
  }
  return true;
}

// The display name as a person wrote it, decoded: GMime reads RFC 5322 phrases (quoted
// strings, RFC 2047 encoded words, comments); a name it splits in two ("Doe, John") is
// taken literally, because the API form is "Name <addr>", not a header.
std::string decodeDisplayName(std::string_view whole, std::string_view display) {
  detail::ensureGMime();
  const std::string text(whole);
  detail::GObjectPtr<InternetAddressList> list(internet_address_list_parse(nullptr, text.c_str()));
  if (list && internet_address_list_length(list.get()) == 1) {
    InternetAddress* address = internet_address_list_get_address(list.get(), 0);
    if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
      const char* name = internet_address_get_name(address);
      return name != nullptr ? std::string(detail::trimWsp(name)) : std::string();
    }
  }
  if (isSingleQuotedString(display)) return unquote(display);
  const std::string phrase(display);
  return detail::takeString(g_mime_utils_header_decode_phrase(nullptr, phrase.c_str()));
}

}  // namespace

Result<Mailbox> parseMailbox(std::string_view text) {
  // Header injection: a CR or LF would let "Name\r\nBcc: x@y" add a header. Refuse outright.
  if (detail::hasLineBreak(text)) return invalidAddress("the address contains a line break");
  if (detail::hasNul(text)) return invalidAddress("the address contains a NUL character");
  if (!detail::isValidUtf8(text)) return invalidAddress("the address is not valid UTF-8");
  const std::string_view trimmed = detail::trimWsp(text);
  if (trimmed.empty()) return invalidAddress("the address is empty");

  // Find '<' and '>' outside quoted strings.
  std::size_t open = std::string_view::npos;
  std::size_t close = std::string_view::npos;
  bool comma = false;
  bool quoted = false;
  for (std::size_t i = 0; i < trimmed.size(); ++i) {
    const char c = trimmed[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == '<') {
      open = i;
      close = std::string_view::npos;
    } else if (c == '>' && open != std::string_view::npos) {
      close = i;
    } else if (c == ',' || c == ';') {
      comma = true;
    }
  }

  Mailbox mailbox;
  std::string_view display;
  std::string_view address;
  if (open == std::string_view::npos) {
    if (trimmed.back() == '>') return invalidAddress("there is a > without a matching <");
    if (comma) {
      return invalidAddress("more than one address is given; list one address per entry");
    }
    address = trimmed;
  } else {
    if (close == std::string_view::npos) return invalidAddress("the closing > is missing");
    if (close + 1 != trimmed.size()) {
      return invalidAddress("there is text after the closing > (" +
                            quoteForMessage(trimmed.substr(close + 1)) + ")");
    }
    display = detail::trimWsp(trimmed.substr(0, open));
    address = detail::trimWsp(trimmed.substr(open + 1, close - open - 1));
  }
  if (address.empty()) return invalidAddress("the address is empty");
  if (std::string problem = detail::addressProblem(address); !problem.empty()) {
    return invalidAddress(std::move(problem));
  }
  mailbox.address = std::string(address);
  if (!display.empty()) {
    mailbox.display_name = decodeDisplayName(trimmed, display);
    // Encoded words can smuggle a CR or LF ("=?utf-8?q?a=0D=0ABcc:...?="): check decoded.
    if (std::string problem = detail::headerTextProblem("the display name", mailbox.display_name);
        !problem.empty()) {
      return invalidAddress(std::move(problem));
    }
  }
  return mailbox;
}

bool isValidSmtpAddress(std::string_view address) {
  return detail::addressProblem(address).empty();
}

bool needsSmtpUtf8(std::string_view address) { return !detail::isAscii(address); }

std::optional<std::string> domainToAscii(std::string_view domain) {
  const std::string text(domain);
  if (text.empty() || text.find('\0') != std::string::npos) return std::nullopt;
  // GLib's IDNA conversion (UTS #46) comes with GMime; no second IDN library needed.
  gchar* ascii = g_hostname_to_ascii(text.c_str());
  if (ascii == nullptr) return std::nullopt;
  std::string converted(ascii);
  g_free(ascii);
  for (char& c : converted) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return converted;
}

}  // namespace outpost::mime
