// readReplyTtls: see reply_ttl.h. Deliberately not a DNS parser: names are skipped with
// c-ares's own ares_expand_name (which handles compression pointers and their loops), and only
// the fixed header fields of each record are read (TYPE, TTL, RDLENGTH), plus the last four
// bytes of an SOA's RDATA, which are always its MINIMUM field. Untrusted input.
#include "dns/reply_ttl.h"

#include <ares.h>
#include <arpa/nameser.h>

#include <algorithm>
#include <cstdint>

namespace outpost::dns {

ReplyTtls readReplyTtls(const unsigned char* reply, std::size_t size) {
  constexpr std::size_t kHeaderSize = 12;     // ID, flags, QD/AN/NS/AR counts (RFC 1035 §4.1.1)
  constexpr std::size_t kQuestionFixed = 4;   // QTYPE, QCLASS after the name
  constexpr std::size_t kRecordFixed = 10;    // TYPE, CLASS, TTL, RDLENGTH after the name
  constexpr std::size_t kSoaMinimumSize = 4;  // MINIMUM closes the SOA RDATA (RFC 1035 §3.3.13)
  if (reply == nullptr || size < kHeaderSize || size > 65535) return {};
  const int length = static_cast<int>(size);

  auto u16 = [reply](std::size_t at) -> std::uint32_t {
    return (std::uint32_t{reply[at]} << 8) | reply[at + 1];
  };
  // RFC 2181 §8: a TTL with the most significant bit set is treated as zero.
  auto ttl = [&u16](std::size_t at) {
    std::uint32_t value = (u16(at) << 16) | u16(at + 2);
    return std::chrono::seconds(value > 0x7fffffffU ? 0 : value);
  };
  std::size_t at = kHeaderSize;
  // Moves `at` past the (possibly compressed) name that starts there; false if it is malformed.
  auto skip_name = [&]() {
    char* name = nullptr;
    long encoded_length = 0;
    if (at >= size ||
        ares_expand_name(reply + at, reply, length, &name, &encoded_length) != ARES_SUCCESS) {
      return false;
    }
    ares_free_string(name);
    at += static_cast<std::size_t>(encoded_length);
    return true;
  };

  const std::uint32_t questions = u16(4), answers = u16(6), authorities = u16(8);
  for (std::uint32_t i = 0; i < questions; ++i) {
    if (!skip_name() || at + kQuestionFixed > size) return {};
    at += kQuestionFixed;
  }
  ReplyTtls out;
  for (std::uint32_t i = 0; i < answers + authorities; ++i) {
    if (!skip_name() || at + kRecordFixed > size) return {};
    const std::uint32_t type = u16(at);
    const std::chrono::seconds record_ttl = ttl(at + 4);
    const std::size_t rdata_length = u16(at + 8);
    at += kRecordFixed;
    if (at + rdata_length > size) return {};
    if (i < answers) {
      out.answer = std::min(out.answer.value_or(record_ttl), record_ttl);
    } else if (type == ns_t_soa && !out.negative && rdata_length >= kSoaMinimumSize) {
      out.negative = std::min(record_ttl, ttl(at + rdata_length - kSoaMinimumSize));
    }
    at += rdata_length;
  }
  return out;
}

}  // namespace outpost::dns
