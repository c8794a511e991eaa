#include "core/ids.h"

#include <sodium.h>

#include <array>
#include <cstdint>

namespace outpost {
namespace {

constexpr char kCrockford[] = "0123456789abcdefghjkmnpqrstvwxyz";

void ensureSodium() {
  // sodium_init is thread-safe and idempotent; it only fails if no entropy source exists.
  static const int initialized = sodium_init();
  (void)initialized;
}

std::string encodeBase32(const unsigned char* data, std::size_t size) {
  std::string out;
  out.reserve((size * 8 + 4) / 5);
  unsigned buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out.push_back(kCrockford[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kCrockford[(buffer << (5 - bits)) & 31]);
  return out;
}

}  // namespace

std::string newMessageId(UnixMillis now) {
  ensureSodium();
  std::string id(26, '0');
  auto time = static_cast<std::uint64_t>(now);
  for (int i = 9; i >= 0; --i) {
    id[i] = kCrockford[time & 31];
    time >>= 5;
  }
  std::array<unsigned char, 10> random{};
  randombytes_buf(random.data(), random.size());
  const std::string tail = encodeBase32(random.data(), random.size());
  id.replace(10, 16, tail.substr(0, 16));
  return id;
}

std::string randomToken(std::size_t bytes) {
  ensureSodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return encodeBase32(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

}  // namespace outpost
