// Reasons an address or domain is refused (internal to the mime module): RFC 5321 §4.1.2
// Mailbox syntax with RFC 6531 UTF-8, RFC 5321 §4.5.3.1 size limits. Input is untrusted.
#pragma once

#include <string>
#include <string_view>

namespace outpost::mime::detail {

// Why `address` is not a valid RFC 5321 Mailbox, or "" if it is.
std::string addressProblem(std::string_view address);

// Why `domain` is neither a host name nor an address literal, or "" if it is one.
std::string domainProblem(std::string_view domain);

}  // namespace outpost::mime::detail
