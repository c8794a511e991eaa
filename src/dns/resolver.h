// Resolver: the DNS lookups outpost needs (MX, A, AAAA, TXT, PTR) as coroutines, whatever the
// backend (c-ares against real servers, MemoryZone in tests). RFC 1035, RFC 5321 §5.1 (MX order),
// RFC 7505 (null MX), RFC 7208 §3.3 (TXT strings joined). Answers come from the network: untrusted.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace outpost::dns {

enum class RecordType { a, aaaa, mx, txt, ptr };

// "A", "AAAA", "MX", "TXT", "PTR": the words error messages use.
std::string_view recordTypeName(RecordType type);

struct MxRecord {
  std::uint16_t preference = 0;
  // The mail exchanger's host name without a trailing dot; "." for a null MX (RFC 7505).
  std::string exchange;

  // A single record with preference 0 and exchange "." says the domain accepts no mail.
  bool isNullMx() const { return preference == 0 && exchange == "."; }
  friend bool operator==(const MxRecord&, const MxRecord&) = default;
};

// The records of one answer and how long they may be kept: the smallest TTL among them
// (RFC 2181 §5.2 gives one TTL to an RRset).
template <class Record>
struct Answer {
  std::vector<Record> records;
  std::chrono::seconds ttl{0};
};

// Error codes: "dns.timeout", "dns.servfail", "dns.refused", "dns.error" are temporary;
// "dns.nxdomain" (no such name) and "dns.nodata" (name exists, no record of that type) are
// permanent. Every message names the record type and the queried name, e.g.
// "MX lookup for example.org: no such domain (NXDOMAIN)".
inline constexpr std::string_view kTimeout = "dns.timeout";
inline constexpr std::string_view kServfail = "dns.servfail";
inline constexpr std::string_view kRefused = "dns.refused";
inline constexpr std::string_view kOtherError = "dns.error";
inline constexpr std::string_view kNxdomain = "dns.nxdomain";
inline constexpr std::string_view kNodata = "dns.nodata";

// Builds the error for one of the codes above with the standard message.
Error lookupError(RecordType type, std::string_view name, std::string_view code,
                  std::string_view detail = {});

// "192.0.2.1" -> "1.2.0.192.in-addr.arpa", "2001:db8::1" -> "1.0.0…8.b.d.0.1.0.0.2.ip6.arpa";
// "" when `address` is not an IP address.
std::string reverseName(std::string_view address);

// Lowercased, without a trailing dot: the form names are compared in.
std::string normalizeName(std::string_view name);

// Contract for every implementation: a lookup never throws; an empty answer is NODATA, never an
// empty vector. Implementations are bound to one executor and are not thread-safe.
class Resolver {
 public:
  virtual ~Resolver() = default;

  // Sorted by preference, lowest (most preferred) first.
  virtual boost::asio::awaitable<Result<Answer<MxRecord>>> lookupMx(std::string name) = 0;
  // Addresses as text ("192.0.2.1", "2001:db8::1").
  virtual boost::asio::awaitable<Result<Answer<std::string>>> lookupA(std::string name) = 0;
  virtual boost::asio::awaitable<Result<Answer<std::string>>> lookupAaaa(std::string name) = 0;
  // One string per TXT record: its character-strings concatenated (RFC 7208 §3.3).
  virtual boost::asio::awaitable<Result<Answer<std::string>>> lookupTxt(std::string name) = 0;
  // Host names for an IP address given as text (the reverse name is built here); errors name
  // the address.
  virtual boost::asio::awaitable<Result<Answer<std::string>>> lookupPtr(std::string address) = 0;

  // Whether `name` has records of the obsolete SPF RR type (99; RFC 7208 §3.1 says to publish
  // TXT only), for advice to warn about. Errors as for the lookups above, except that NXDOMAIN
  // and NODATA answer false. Backends that cannot ask answer false.
  virtual boost::asio::awaitable<Result<bool>> hasSpfTypeRecords(std::string name);

  // For caches (RFC 2308 §5): how long the NXDOMAIN or NODATA that the lookup of `type` for
  // `name` (an address for PTR) just returned may be kept, i.e. min(SOA TTL, SOA MINIMUM) of the
  // reply's authority section; empty when the reply had no SOA or the backend cannot tell. Ask
  // right after that lookup completes, before the next co_await: a resolver remembers only
  // its latest negative answer (an Error has no room for a TTL).
  virtual std::optional<std::chrono::seconds> negativeTtl(RecordType /*type*/,
                                                          std::string_view /*name*/) const {
    return std::nullopt;
  }
};

}  // namespace outpost::dns
