#include "bounce/verp.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/text.h"

namespace outpost::bounce {
namespace {

constexpr std::string_view kPrefix = "bounces+";
constexpr std::size_t kTagBytes = 8;

}  // namespace

VerpCodec::VerpCodec(std::string key, std::string return_domain)
    : key_(std::move(key)), return_domain_(lowercase(return_domain)) {}

std::string VerpCodec::tag(std::int64_t recipient_id) const {
  const std::string message = std::to_string(recipient_id);
  unsigned char mac[kTagBytes];
  crypto_generichash(mac, sizeof mac, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size(), reinterpret_cast<const unsigned char*>(key_.data()),
                     key_.size());
  std::string hex(kTagBytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), mac, sizeof mac);
  hex.pop_back();
  return hex;
}

std::string VerpCodec::encode(std::int64_t recipient_id) const {
  return std::string(kPrefix) + std::to_string(recipient_id) + "-" + tag(recipient_id) + "@" +
         return_domain_;
}

std::optional<std::int64_t> VerpCodec::decode(std::string_view address) const {
  const std::string lowered = lowercase(address);
  const std::size_t at = lowered.rfind('@');
  // Without a return domain no address was ever issued: nothing is one of ours.
  if (return_domain_.empty() || at == std::string::npos ||
      lowered.substr(at + 1) != return_domain_) {
    return std::nullopt;
  }
  std::string_view local = std::string_view(lowered).substr(0, at);
  if (!local.starts_with(kPrefix)) return std::nullopt;
  local.remove_prefix(kPrefix.size());
  const std::size_t dash = local.find('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  std::int64_t id = 0;
  const auto [end, error] = std::from_chars(local.data(), local.data() + dash, id);
  if (error != std::errc() || end != local.data() + dash || id <= 0) return std::nullopt;
  const std::string_view given = local.substr(dash + 1);
  const std::string expected = tag(id);
  // Constant time, so the tag cannot be guessed octet by octet.
  if (given.size() != expected.size() ||
      sodium_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    return std::nullopt;
  }
  return id;
}

}  // namespace outpost::bounce
