// A list of IP networks in CIDR notation ("10.0.0.0/8, 192.0.2.7, ::1, 2001:db8::/32"): the
// submission server's trusted networks, whose clients may submit without AUTH (like Postfix's
// mynetworks). The text comes from the configuration; a malformed entry is an error that names
// it, never a silently narrower or wider list.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace outpost::smtp {

class NetworkList {
 public:
  // Comma- or space-separated networks; "" gives an empty list (nobody is trusted).
  static Result<NetworkList> parse(std::string_view text);

  // `address` as text ("127.0.0.1", "::1", "::ffff:127.0.0.1"); false when it does not parse.
  bool contains(std::string_view address) const;
  bool empty() const { return networks_.empty(); }
  // The list written back, one canonical CIDR per entry, for logs.
  std::string describe() const;

 private:
  struct Network {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4
    int prefix = 0;
  };
  std::vector<Network> networks_;
};

}  // namespace outpost::smtp
