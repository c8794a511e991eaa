// Mailbox and address parsing for submissions (RFC 5322 §3.4 name-addr / addr-spec, RFC 5321
// §4.1.2 Mailbox for what goes into MAIL FROM / RCPT TO, RFC 6531 for UTF-8 addresses).
// Input is untrusted: CR, LF and NUL are rejected, never passed on.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace outpost::mime {

struct Mailbox {
  std::string display_name;  // decoded, UTF-8; may be empty
  std::string address;       // local-part@domain, usable as an SMTP path

  std::string domain() const;  // the part after the last '@'
};

// "addr" or "Name <addr>" (one mailbox, no groups). Error code "invalid_address" with a
// message that says what is wrong ("missing @", "domain has an empty label", …).
Result<Mailbox> parseMailbox(std::string_view text);

// True if `address` is a valid RFC 5321 Mailbox (dot-atom or quoted local part, domain
// name or address literal), with UTF-8 allowed (RFC 6531).
bool isValidSmtpAddress(std::string_view address);

// True if the address needs SMTPUTF8 (non-ASCII octets).
bool needsSmtpUtf8(std::string_view address);

// A domain as DNS knows it: internationalized labels as A-labels (IDNA, "bücher.example" →
// "xn--bcher-kva.example"), lowercased; nullopt when it cannot be converted.
std::optional<std::string> domainToAscii(std::string_view domain);

}  // namespace outpost::mime
