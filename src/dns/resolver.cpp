// Shared pieces of the DNS layer: record type names, error messages, reverse names (RFC 1035
// §3.5 in-addr.arpa, RFC 3596 §2.5 ip6.arpa) and name normalization. Input may be untrusted.
#include "dns/resolver.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>

namespace outpost::dns {

std::string_view recordTypeName(RecordType type) {
  switch (type) {
    case RecordType::a:
      return "A";
    case RecordType::aaaa:
      return "AAAA";
    case RecordType::mx:
      return "MX";
    case RecordType::txt:
      return "TXT";
    case RecordType::ptr:
      return "PTR";
  }
  return "?";
}

Error lookupError(RecordType type, std::string_view name, std::string_view code,
                  std::string_view detail) {
  std::string what;
  bool temporary = true;
  if (code == kNxdomain) {
    what = "no such domain (NXDOMAIN)";
    temporary = false;
  } else if (code == kNodata) {
    what = "no " + std::string(recordTypeName(type)) + " records (NODATA)";
    temporary = false;
  } else if (code == kServfail) {
    what = "server failure (SERVFAIL)";
  } else if (code == kTimeout) {
    what = "timed out waiting for an answer";
  } else if (code == kRefused) {
    what = "refused by the DNS server";
  } else {
    what = "lookup failed";
  }
  if (!detail.empty()) what += ": " + std::string(detail);
  std::string message =
      std::string(recordTypeName(type)) + " lookup for " + std::string(name) + ": " + what;
  return temporary ? Error::temporaryFailure(std::string(code), std::move(message))
                   : Error::permanentFailure(std::string(code), std::move(message));
}

boost::asio::awaitable<Result<bool>> Resolver::hasSpfTypeRecords(std::string /*name*/) {
  co_return false;
}

std::string reverseName(std::string_view address) {
  std::string text(address);
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    return std::to_string(bytes[3]) + "." + std::to_string(bytes[2]) + "." +
           std::to_string(bytes[1]) + "." + std::to_string(bytes[0]) + ".in-addr.arpa";
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string name;
    for (int i = 15; i >= 0; --i) {
      name += kHex[bytes[i] & 0x0f];
      name += '.';
      name += kHex[bytes[i] >> 4];
      name += '.';
    }
    return name + "ip6.arpa";
  }
  return {};
}

std::string normalizeName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.size() > 1 && out.back() == '.') out.pop_back();
  return out;
}

}  // namespace outpost::dns
