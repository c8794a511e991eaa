#include "smtp/network_list.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace outpost::smtp {
namespace {

struct ParsedAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
};

std::optional<ParsedAddress> parseAddress(std::string_view text) {
  const std::string copy(text);
  ParsedAddress parsed;
  if (inet_pton(AF_INET, copy.c_str(), parsed.bytes.data()) == 1) return parsed;
  if (inet_pton(AF_INET6, copy.c_str(), parsed.bytes.data()) == 1) {
    parsed.v6 = true;
    // An IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 client) is that
    // IPv4 address, so "127.0.0.0/8" trusts it too.
    static constexpr std::array<std::uint8_t, 12> kMapped = {0, 0, 0, 0, 0,    0,
                                                             0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped.begin(), kMapped.end(), parsed.bytes.begin())) {
      std::copy(parsed.bytes.begin() + 12, parsed.bytes.end(), parsed.bytes.begin());
      std::fill(parsed.bytes.begin() + 4, parsed.bytes.end(), 0);
      parsed.v6 = false;
    }
    return parsed;
  }
  return std::nullopt;
}

bool prefixMatches(const std::array<std::uint8_t, 16>& network,
                   const std::array<std::uint8_t, 16>& address, int prefix) {
  int index = 0;
  for (; prefix >= 8; prefix -= 8, ++index) {
    if (network[index] != address[index]) return false;
  }
  if (prefix == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - prefix));
  return (network[index] & mask) == (address[index] & mask);
}

}  // namespace

Result<NetworkList> NetworkList::parse(std::string_view text) {
  NetworkList list;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find_first_of(", \t", start), text.size());
    const std::string_view entry = text.substr(start, end - start);
    start = end + 1;
    if (entry.empty()) continue;
    const std::size_t slash = entry.find('/');
    const auto address = parseAddress(entry.substr(0, slash));
    const auto invalid = [&entry](std::string_view why) {
      return Error::permanentFailure("config.invalid_value",
                                     "trusted network \"" + std::string(entry) +
                                         "\" is not valid: " + std::string(why) +
                                         " (expected CIDR such as 10.0.0.0/8 or 2001:db8::/32)");
    };
    if (!address) return invalid("not an IP address");
    const int maximum = address->v6 ? 128 : 32;
    int prefix = maximum;
    if (slash != std::string_view::npos) {
      const std::string_view digits = entry.substr(slash + 1);
      const auto [rest, error] =
          std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (digits.empty() || error != std::errc() || rest != digits.data() + digits.size() ||
          prefix < 0 || prefix > maximum) {
        return invalid("the prefix length must be 0 to " + std::to_string(maximum));
      }
    }
    Network network{address->v6, address->bytes, prefix};
    // Host bits set ("10.1.2.3/8") are almost always a typo for a narrower network: refuse
    // rather than trust more than the person meant.
    std::array<std::uint8_t, 16> masked{};
    for (int bit = 0; bit < prefix; ++bit) {
      masked[bit / 8] |= static_cast<std::uint8_t>(network.bytes[bit / 8] & (0x80 >> (bit % 8)));
    }
    if (masked != network.bytes) return invalid("it has host bits set after the prefix");
    list.networks_.push_back(network);
  }
  return list;
}

bool NetworkList::contains(std::string_view address) const {
  const auto parsed = parseAddress(address);
  if (!parsed) return false;
  return std::any_of(networks_.begin(), networks_.end(), [&parsed](const Network& network) {
    return network.v6 == parsed->v6 && prefixMatches(network.bytes, parsed->bytes, network.prefix);
  });
}

std::string NetworkList::describe() const {
  std::string text;
  for (const Network& network : networks_) {
    char buffer[INET6_ADDRSTRLEN] = {};
    inet_ntop(network.v6 ? AF_INET6 : AF_INET, network.bytes.data(), buffer, sizeof buffer);
    if (!text.empty()) text += ", ";
    text += std::string(buffer) + "/" + std::to_string(network.prefix);
  }
  return text;
}

}  // namespace outpost::smtp
