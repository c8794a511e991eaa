#include "core/secret_box.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace outpost {
namespace {

constexpr std::string_view kPrefix = "sb1:";

std::string systemError(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

Result<SecretBox> SecretBox::openDataDir(const std::string& data_dir) {
  if (sodium_init() < 0) return Error::permanentFailure("crypto.init", "libsodium failed to start");
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) {
    return Error::permanentFailure(
        "secret.io", "cannot create data folder " + data_dir + ": " + error.message());
  }
  const std::string path = data_dir + "/master.key";
  std::string key(crypto_secretbox_KEYBYTES, '\0');
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    const ssize_t got = ::read(fd, key.data(), key.size());
    ::close(fd);
    if (got != static_cast<ssize_t>(key.size())) {
      return Error::permanentFailure("secret.corrupt", path + " is not a 32-byte master key");
    }
    return SecretBox(std::move(key));
  }
  if (errno != ENOENT)
    return Error::permanentFailure("secret.io", systemError("cannot read " + path));
  crypto_secretbox_keygen(reinterpret_cast<unsigned char*>(key.data()));
  // Written to a temporary name then renamed, so a crash never leaves half a key behind.
  const std::string temporary = path + ".tmp";
  fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error::permanentFailure("secret.io", systemError("cannot create " + path));
  const bool written =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    return Error::permanentFailure("secret.io", systemError("cannot write " + path));
  }
  return SecretBox(std::move(key));
}

std::string SecretBox::seal(std::string_view plaintext) const {
  std::string box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(box.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        nonce, reinterpret_cast<const unsigned char*>(key_.data()));
  std::string encoded(sodium_base64_ENCODED_LEN(box.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), reinterpret_cast<unsigned char*>(box.data()),
                    box.size(), sodium_base64_VARIANT_ORIGINAL);
  encoded.resize(std::strlen(encoded.c_str()));
  return std::string(kPrefix) + encoded;
}

Result<std::string> SecretBox::open(std::string_view sealed) const {
  const auto corrupt = [] {
    return Error::permanentFailure("secret.corrupt",
                                   "a stored secret cannot be opened with this data folder's "
                                   "master.key; enter it again");
  };
  if (sealed.substr(0, kPrefix.size()) != kPrefix) return corrupt();
  const std::string_view encoded = sealed.substr(kPrefix.size());
  std::string box(encoded.size(), '\0');
  std::size_t box_size = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(box.data()), box.size(), encoded.data(),
                        encoded.size(), nullptr, &box_size, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      box_size < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return corrupt();
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(box.data());
  std::string plaintext(box_size - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plaintext.data()),
                                 nonce + crypto_secretbox_NONCEBYTES,
                                 box_size - crypto_secretbox_NONCEBYTES, nonce,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return corrupt();
  }
  return plaintext;
}

}  // namespace outpost

namespace outpost {

std::string SecretBox::deriveKey(std::string_view purpose) const {
  // BLAKE2b keyed with the master key over the purpose: a PRF, so derived keys are independent.
  std::string derived(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(derived.data()), derived.size(),
                     reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size(),
                     reinterpret_cast<const unsigned char*>(key_.data()), key_.size());
  return derived;
}

}  // namespace outpost
