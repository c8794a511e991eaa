// VERP return paths (variable envelope return path): each recipient's mail goes out with its own
// MAIL FROM, "bounces+<recipient id>-<tag>@<return domain>", so a bounce or DSN names the
// recipient it is about even when its body does not. The tag authenticates the id (a keyed
// BLAKE2b MAC, 64 bits): a forged bounce for a recipient it did not see is refused. Local parts
// are lowercase digits and hex, as some MTAs change the case of local parts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace outpost::bounce {

class VerpCodec {
 public:
  // `key`: 32 bytes (SecretBox::deriveKey("verp")); `return_domain`: where bounces come back.
  VerpCodec(std::string key, std::string return_domain);

  std::string encode(std::int64_t recipient_id) const;
  // The recipient id of an address this codec made; nullopt for any other address (another
  // domain, a bad tag, not a VERP address). Compared without case.
  std::optional<std::int64_t> decode(std::string_view address) const;

  const std::string& returnDomain() const { return return_domain_; }

 private:
  std::string tag(std::int64_t recipient_id) const;

  std::string key_;
  std::string return_domain_;  // lowercase
};

}  // namespace outpost::bounce
