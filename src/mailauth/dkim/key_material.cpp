// DKIM key generation and PEM import with OpenSSL 3 (RFC 8301 sizes, RFC 8463 Ed25519).
// SECURITY: imported PEM is untrusted; the header text is checked first so that encrypted and
// public keys get their own explanation, and OpenSSL never asks for a passphrase.
#include "mailauth/dkim/key_material.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <utility>

namespace outpost::mailauth::dkim {
namespace {

Error refused(std::string message) {
  return Error::permanentFailure(std::string(kKeyRefused), std::move(message));
}

using BioHandle = std::unique_ptr<BIO, decltype(&BIO_free)>;

Result<std::string> privatePem(EVP_PKEY& key) {
  BioHandle bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return refused("the private key could not be written as PKCS#8 PEM");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// A copy of `key` holding only its public half.
Result<KeyHandle> publicHalf(EVP_PKEY& key) {
  unsigned char* der = nullptr;
  int size = i2d_PUBKEY(&key, &der);
  if (size <= 0) return refused("the public half of the key could not be encoded");
  const unsigned char* cursor = der;
  KeyHandle copy = adoptKey(d2i_PUBKEY(nullptr, &cursor, size));
  OPENSSL_free(der);
  if (!copy) return refused("the public half of the key could not be decoded");
  return copy;
}

// Everything KeyMaterial holds, from a private key already known to be acceptable.
Result<KeyMaterial> materialFor(KeyHandle key, KeyAlgorithm algorithm) {
  KeyMaterial material;
  material.algorithm = algorithm;
  material.bits = EVP_PKEY_get_bits(key.get());
  auto pem = privatePem(*key);
  if (!pem) return pem.takeError();
  material.private_pem = std::move(*pem);
  auto public_key = publicHalf(*key);
  if (!public_key) return public_key.takeError();
  material.public_key = std::move(*public_key);
  auto record = formatKeyRecord(*material.public_key);
  if (!record) return record.takeError();
  material.txt_record = std::move(*record);
  material.private_key = std::move(key);
  return material;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// OpenSSL asks this for a passphrase only for encrypted PEM, which was refused before; returning
// an error keeps it from ever prompting on a terminal.
int noPassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return -1; }

}  // namespace

std::string_view algorithmName(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::kRsaSha256 ? "rsa-sha256" : "ed25519-sha256";
}

Result<KeyAlgorithm> parseAlgorithm(std::string_view name) {
  if (name == "rsa-sha256") return KeyAlgorithm::kRsaSha256;
  if (name == "ed25519-sha256") return KeyAlgorithm::kEd25519Sha256;
  return refused("\"" + std::string(name) +
                 "\" is not a DKIM algorithm outpost signs with: use rsa-sha256 or "
                 "ed25519-sha256");
}

Result<KeyMaterial> generateKey(KeyAlgorithm algorithm, int rsa_bits) {
  KeyHandle key;
  if (algorithm == KeyAlgorithm::kEd25519Sha256) {
    key = adoptKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  } else {
    if (rsa_bits < kMinimumRsaBits) {
      return refused("RSA keys of " + std::to_string(rsa_bits) +
                     " bits are too weak for new DKIM keys: use 2048 (the default), 3072 or "
                     "4096 bits");
    }
    if (rsa_bits != 2048 && rsa_bits != 3072 && rsa_bits != 4096) {
      return refused("RSA keys of " + std::to_string(rsa_bits) +
                     " bits are not offered: use 2048 (the default), 3072 or 4096 bits");
    }
    key = adoptKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits)));
  }
  if (!key) return refused("OpenSSL could not generate the key");
  return materialFor(std::move(key), algorithm);
}

Result<KeyMaterial> importPrivateKeyPem(std::string_view pem) {
  if (!contains(pem, "-----BEGIN ")) {
    return refused(
        "this is not a PEM key: paste the whole private key, from \"-----BEGIN PRIVATE "
        "KEY-----\" to the matching END line");
  }
  if (contains(pem, "ENCRYPTED")) {
    return refused(
        "the private key is protected by a passphrase: remove it first (openssl pkey -in "
        "key.pem -out plain.pem) and import plain.pem; outpost encrypts keys itself");
  }
  if (contains(pem, "PUBLIC KEY-----") && !contains(pem, "PRIVATE KEY-----")) {
    return refused(
        "this is a public key: outpost needs the private key to sign (\"BEGIN PRIVATE KEY\" or "
        "\"BEGIN RSA PRIVATE KEY\"); the public key is derived from it");
  }
  BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return refused("the PEM text could not be read");
  KeyHandle key = adoptKey(PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr));
  if (!key) {
    return refused(
        "the PEM text does not hold a readable private key: it may be truncated or altered; "
        "export the key again as PKCS#8 (openssl pkey -in key.pem -out key8.pem)");
  }
  auto type = keyTypeOf(*key);
  if (!type) return refused(type.error().message);
  if (*type == KeyType::kEd25519) return materialFor(std::move(key), KeyAlgorithm::kEd25519Sha256);
  int bits = EVP_PKEY_get_bits(key.get());
  if (bits < kMinimumRsaBits) {
    return refused("the RSA key has " + std::to_string(bits) +
                   " bits; outpost signs only with RSA keys of at least 2048 bits (RFC 8301 "
                   "calls shorter keys weak): generate a new key");
  }
  return materialFor(std::move(key), KeyAlgorithm::kRsaSha256);
}

std::string defaultSelector(UnixMillis now, KeyAlgorithm algorithm) {
  using std::chrono::floor;
  auto day = floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(now)));
  std::chrono::year_month_day date{day};
  char text[16];
  std::snprintf(text, sizeof text, "op%04d%02u%c", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()),
                algorithm == KeyAlgorithm::kRsaSha256 ? 'r' : 'e');
  return text;
}

}  // namespace outpost::mailauth::dkim
