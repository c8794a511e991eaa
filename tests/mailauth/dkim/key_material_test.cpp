// Key generation and PEM import: each algorithm, each PEM form, every refusal, selector names and
// splitting a 4096-bit key's record into 255-octet strings.
#include "mailauth/dkim/key_material.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>
#include <string>

namespace outpost::mailauth::dkim {
namespace {

std::string vector(const std::string& name) {
  std::ifstream in(std::string(OUTPOST_DKIM_VECTORS_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `key` with one of OpenSSL's PEM writers into a string.
template <class Writer>
std::string pemOf(Writer writer) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  EXPECT_EQ(writer(bio.get()), 1);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

TEST(KeyMaterial, GeneratesRsa2048ByDefault) {
  auto key = generateKey(KeyAlgorithm::kRsaSha256);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->algorithm, KeyAlgorithm::kRsaSha256);
  EXPECT_EQ(key->bits, 2048);
  EXPECT_EQ(key->private_pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  EXPECT_EQ(key->txt_record.rfind("v=DKIM1; k=rsa; p=MIIBIjAN", 0), 0u);
  auto record = parseKeyRecord(key->txt_record);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->key_bits, 2048);
  EXPECT_TRUE(samePublicKey(*record->public_key, *key->private_key));
  EXPECT_TRUE(samePublicKey(*key->public_key, *key->private_key));
}

TEST(KeyMaterial, GeneratesEd25519) {
  auto key = generateKey(KeyAlgorithm::kEd25519Sha256);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->algorithm, KeyAlgorithm::kEd25519Sha256);
  EXPECT_EQ(key->bits, 256);
  auto record = parseKeyRecord(key->txt_record);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->type, KeyType::kEd25519);
  EXPECT_TRUE(samePublicKey(*record->public_key, *key->public_key));
  // The PEM round-trips to the same key.
  auto imported = importPrivateKeyPem(key->private_pem);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->txt_record, key->txt_record);
}

TEST(KeyMaterial, Rsa4096RecordSplitsIntoStringsOfAtMost255Octets) {
  auto key = generateKey(KeyAlgorithm::kRsaSha256, 4096);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->bits, 4096);
  auto strings = splitTxtStrings(key->txt_record);
  ASSERT_EQ(strings.size(), 3u);  // ~750 octets
  std::string joined;
  for (const auto& piece : strings) {
    EXPECT_LE(piece.size(), 255u);
    joined += piece;
  }
  EXPECT_EQ(joined, key->txt_record);
  auto record = parseKeyRecord(joined);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->key_bits, 4096);
}

TEST(KeyMaterial, RefusesWeakAndUnusualRsaSizes) {
  auto weak = generateKey(KeyAlgorithm::kRsaSha256, 1024);
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.error().code, kKeyRefused);
  EXPECT_EQ(weak.error().message,
            "RSA keys of 1024 bits are too weak for new DKIM keys: use 2048 (the default), 3072 "
            "or 4096 bits");
  auto odd = generateKey(KeyAlgorithm::kRsaSha256, 2500);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().code, kKeyRefused);
}

TEST(KeyMaterial, ImportsTraditionalRsaPem) {
  auto key = generateKey(KeyAlgorithm::kRsaSha256);
  ASSERT_TRUE(key.ok());
  std::string pem = pemOf([&](BIO* bio) {
    return PEM_write_bio_PrivateKey_traditional(bio, key->private_key.get(), nullptr, nullptr, 0,
                                                nullptr, nullptr);
  });
  ASSERT_EQ(pem.rfind("-----BEGIN RSA PRIVATE KEY-----", 0), 0u);
  auto imported = importPrivateKeyPem(pem);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->bits, 2048);
  EXPECT_EQ(imported->txt_record, key->txt_record);
  // Stored as PKCS#8 whatever came in.
  EXPECT_EQ(imported->private_pem, key->private_pem);
}

TEST(KeyMaterial, ImportsRfc8463Ed25519KeyAsPkcs8) {
  // The RFC 8032 §7.1 test 1 seed is the private half of RFC 8463's brisbane key.
  std::string seed_b64 = vector("dkimpy/rfc8032_7_1.key");
  unsigned char seed[48];
  int decoded = EVP_DecodeBlock(seed, reinterpret_cast<const unsigned char*>(seed_b64.data()), 44);
  ASSERT_EQ(decoded, 33);  // 32 bytes and one of padding
  KeyHandle key = adoptKey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, 32));
  ASSERT_NE(key, nullptr);
  std::string pem = pemOf([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  auto imported = importPrivateKeyPem(pem);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->algorithm, KeyAlgorithm::kEd25519Sha256);
  EXPECT_EQ(imported->txt_record,
            "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
}

TEST(KeyMaterial, RefusesRsa1024Import) {
  auto imported = importPrivateKeyPem(vector("dkimpy/test.private"));
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.error().code, kKeyRefused);
  EXPECT_NE(imported.error().message.find("1024 bits"), std::string::npos);
}

TEST(KeyMaterial, RefusesEncryptedPem) {
  auto key = generateKey(KeyAlgorithm::kEd25519Sha256);
  ASSERT_TRUE(key.ok());
  static char password[] = "secret";
  std::string pem = pemOf([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, key->private_key.get(), EVP_aes_256_cbc(), nullptr, 0,
                                         nullptr, password);
  });
  auto imported = importPrivateKeyPem(pem);
  ASSERT_FALSE(imported.ok());
  EXPECT_NE(imported.error().message.find("passphrase"), std::string::npos);
}

TEST(KeyMaterial, RefusesPublicKeyGarbageAndOtherKeyTypes) {
  auto key = generateKey(KeyAlgorithm::kEd25519Sha256);
  ASSERT_TRUE(key.ok());
  std::string public_pem =
      pemOf([&](BIO* bio) { return PEM_write_bio_PUBKEY(bio, key->public_key.get()); });
  auto from_public = importPrivateKeyPem(public_pem);
  ASSERT_FALSE(from_public.ok());
  EXPECT_NE(from_public.error().message.find("public key"), std::string::npos);

  auto garbage = importPrivateKeyPem("hello");
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("not a PEM key"), std::string::npos);

  std::string damaged = key->private_pem;
  damaged[40] = damaged[40] == 'A' ? 'B' : 'A';
  damaged.erase(50, 10);
  EXPECT_FALSE(importPrivateKeyPem(damaged).ok());

  KeyHandle ec = adoptKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_NE(ec, nullptr);
  std::string ec_pem = pemOf([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, ec.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  auto from_ec = importPrivateKeyPem(ec_pem);
  ASSERT_FALSE(from_ec.ok());
  EXPECT_NE(from_ec.error().message.find("RSA or Ed25519"), std::string::npos);
}

TEST(KeyMaterial, DefaultSelectorNamesUtcMonthAndAlgorithm) {
  // 2026-11-30T23:30:00Z, still November in UTC.
  UnixMillis november = 1796081400000;
  EXPECT_EQ(defaultSelector(november, KeyAlgorithm::kRsaSha256), "op202611r");
  EXPECT_EQ(defaultSelector(november, KeyAlgorithm::kEd25519Sha256), "op202611e");
  // One hour later it is December.
  EXPECT_EQ(defaultSelector(november + 3600 * 1000, KeyAlgorithm::kRsaSha256), "op202612r");
  EXPECT_EQ(defaultSelector(0, KeyAlgorithm::kEd25519Sha256), "op197001e");
}

TEST(KeyMaterial, AlgorithmNamesRoundTrip) {
  EXPECT_EQ(algorithmName(KeyAlgorithm::kRsaSha256), "rsa-sha256");
  EXPECT_EQ(*parseAlgorithm("ed25519-sha256"), KeyAlgorithm::kEd25519Sha256);
  EXPECT_FALSE(parseAlgorithm("rsa-sha1").ok());
}

}  // namespace
}  // namespace outpost::mailauth::dkim
