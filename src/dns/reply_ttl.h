// Reads the two TTLs a cache needs from a raw DNS reply (RFC 1035 §4.1): the smallest TTL of the
// answer section, and the negative-caching TTL of an NXDOMAIN/NODATA reply (RFC 2308 §5). The
// reply comes from the network: every length and offset is checked before it is read.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

namespace outpost::dns {

struct ReplyTtls {
  // Smallest TTL among the records of the answer section (CNAMEs included: a cached answer
  // lives no longer than any link that led to it); empty when the section is empty.
  std::optional<std::chrono::seconds> answer;
  // min(SOA TTL, SOA MINIMUM) of the first SOA in the authority section (RFC 2308 §5); empty
  // when there is none.
  std::optional<std::chrono::seconds> negative;
};

// Both empty when the reply is malformed or truncated: the caller falls back to its defaults.
ReplyTtls readReplyTtls(const unsigned char* reply, std::size_t length);

}  // namespace outpost::dns
