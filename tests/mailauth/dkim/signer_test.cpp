// DKIM signing: the go-msgauth known-answer tests of vectors.json, oversigning, dual signing,
// key policy and x=. Signatures are checked by verifyWithOpenSsl below, which recomputes the
// hashes and calls EVP_DigestVerify directly (the library verifier comes later).
#include "mailauth/dkim/signer.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "dkim_test_support.h"
#include "mailauth/dkim/header_selection.h"
#include "mailauth/dkim/signature.h"

namespace outpost::mailauth::dkim {
namespace {

using testing::generateEd25519;
using testing::generateRsa;
using testing::readVector;

KeyHandle loadPemKey(const std::string& name) {
  const std::string pem = readVector(name);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  return adoptKey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

KeyHandle loadEd25519Seed(const std::string& name) {
  auto seed = decodeBase64Value(readVector(name));
  if (!seed || seed->size() != 32) return nullptr;
  return adoptKey(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed->data()), 32));
}

// Verifies the DKIM-Signature field at index `which` (0 = topmost) of `message` with `key`
// (its public half is used). Returns "" on success, else why it failed.
std::string verifyWithOpenSsl(const std::string& message, EVP_PKEY& key, std::size_t which = 0) {
  auto split = splitMessage(message);
  if (!split) return "split: " + split.error().message;
  std::size_t seen = 0;
  const HeaderField* field = nullptr;
  for (const HeaderField& candidate : split->fields) {
    if (candidate.name == kSignatureFieldName && seen++ == which) {
      field = &candidate;
      break;
    }
  }
  if (field == nullptr) return "no DKIM-Signature field";
  const std::string_view value = field->raw.substr(field->raw.find(':') + 1);
  auto sig = parseSignature(value);
  if (!sig) return "parse: " + sig.error().message;
  auto body_hash = hashBody(sig->body_canonicalization, split->body, sig->body_length);
  if (!body_hash) return "body hash failed";
  if (std::string(body_hash->begin(), body_hash->end()) != sig->body_hash) {
    return "body hash mismatch";
  }
  auto blank = blankSignatureValue(field->raw);
  if (!blank) return "blank: " + blank.error().message;
  const std::string data =
      headerHashInput(split->fields, sig->signed_headers, sig->header_canonicalization, *blank);
  std::string input = data;
  const EVP_MD* md = EVP_sha256();
  if (sig->algorithm == KeyAlgorithm::kEd25519Sha256) {
    input.assign(32, '\0');
    unsigned int size = 0;
    EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(input.data()), &size,
               EVP_sha256(), nullptr);
    md = nullptr;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, &key) != 1) return "verify init";
  const int ok = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(sig->signature.data()),
      sig->signature.size(), reinterpret_cast<const unsigned char*>(input.data()), input.size());
  return ok == 1 ? "" : "signature does not verify";
}

SignOptions katOptions(std::string domain) {
  SignOptions options;
  options.domain = std::move(domain);
  options.selector = "brisbane";
  options.header_canonicalization = Canonicalization::kSimple;
  options.body_canonicalization = Canonicalization::kSimple;
  options.headers = {"From", "To", "Subject", "Date", "Message-ID"};
  options.oversigned_headers = {};
  return options;
}

constexpr std::uint64_t kKatTime = 424242;

std::string headerOf(const std::string& expected_file) {
  const std::string expected = readVector(expected_file);
  return expected.substr(0, expected.find("\r\nFrom:") + 2);
}

TEST(DkimSigner, RsaKnownAnswerMatchesGoMsgauthByteForByte) {
  KeyHandle key = loadPemKey("go-msgauth/rsa1024-private.pem");
  ASSERT_TRUE(key);
  const std::string message = readVector("go-msgauth/unsigned.eml");
  auto field =
      signMessage(*key, KeyAlgorithm::kRsaSha256, katOptions("example.org"), message, kKatTime);
  ASSERT_TRUE(field.ok()) << field.error().message;
  EXPECT_EQ(*field, headerOf("go-msgauth/sign-rsa-sha256-simple-simple.expected.eml"));
  EXPECT_EQ(*field + message, readVector("go-msgauth/sign-rsa-sha256-simple-simple.expected.eml"));
  EXPECT_EQ(verifyWithOpenSsl(*field + message, *key), "");
}

TEST(DkimSigner, Ed25519KnownAnswerMatchesGoMsgauthByteForByte) {
  KeyHandle key = loadEd25519Seed("go-msgauth/ed25519-seed.b64");
  ASSERT_TRUE(key);
  const std::string message = readVector("go-msgauth/unsigned.eml");
  auto field = signMessage(*key, KeyAlgorithm::kEd25519Sha256, katOptions("football.example.com"),
                           message, kKatTime);
  ASSERT_TRUE(field.ok()) << field.error().message;
  EXPECT_NE(field->find("bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;"), std::string::npos);
  EXPECT_EQ(*field, headerOf("go-msgauth/sign-ed25519-sha256-simple-simple.expected.eml"));
  EXPECT_EQ(verifyWithOpenSsl(*field + message, *key), "");
}

TEST(DkimSigner, TestVerifierAcceptsTheExpectedKnownAnswerFiles) {
  KeyHandle rsa = loadPemKey("go-msgauth/rsa1024-private.pem");
  KeyHandle ed = loadEd25519Seed("go-msgauth/ed25519-seed.b64");
  ASSERT_TRUE(rsa && ed);
  EXPECT_EQ(
      verifyWithOpenSsl(readVector("go-msgauth/sign-rsa-sha256-simple-simple.expected.eml"), *rsa),
      "");
  EXPECT_EQ(verifyWithOpenSsl(
                readVector("go-msgauth/sign-ed25519-sha256-simple-simple.expected.eml"), *ed),
            "");
}

std::string toCrlf(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n' && (out.empty() || out.back() != '\r')) out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

// Third-party relaxed/relaxed and simple/simple signatures (RFC 8463 Appendix A.3, and dkimpy's
// signing of the RFC 6376 example) check out with the same header selection, canonicalization
// and blanking of b= the signer uses.
TEST(DkimSigner, TestVerifierAcceptsThirdPartySignaturesOverTheSameCode) {
  auto ed = parseKeyRecord("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  std::string rsa_record = readVector("dkimpy/test.txt");
  while (!rsa_record.empty() && (rsa_record.back() == '\n' || rsa_record.back() == '\r')) {
    rsa_record.pop_back();
  }
  auto rsa = parseKeyRecord(rsa_record);
  ASSERT_TRUE(ed.ok() && rsa.ok());
  for (const char* file :
       {"go-msgauth/verify-rfc8463-ed25519-and-rsa.eml", "dkimpy/rfc6376.signed.msg"}) {
    const std::string message = toCrlf(readVector(file));
    EXPECT_EQ(verifyWithOpenSsl(message, *ed->public_key, 0), "") << file;
    EXPECT_EQ(verifyWithOpenSsl(message, *rsa->public_key, 1), "") << file;
  }
}

TEST(DkimSigner, RefusesRsaKeysBelow2048Bits) {
  KeyHandle key = loadPemKey("go-msgauth/rsa1024-private.pem");
  ASSERT_TRUE(key);
  SignOptions options;
  options.domain = "example.org";
  options.selector = "s1";
  auto signer = Signer::create(key, options);
  ASSERT_FALSE(signer.ok());
  EXPECT_EQ(signer.error().code, kSigningKeyRefused);
  EXPECT_FALSE(signer.error().temporary);
  EXPECT_NE(signer.error().message.find("1024"), std::string::npos) << signer.error().message;
}

const std::string kMessage =
    "From: Joe <joe@example.org>\r\n"
    "To: Suzie <suzie@example.net>\r\n"
    "Subject: Is dinner\r\n  ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n"
    "Message-ID: <1@example.org>\r\n"
    "X-Mailer: not signed\r\n"
    "\r\n"
    "Hi.  \r\n\r\nWe lost the game.\r\n\r\n\r\n";

class DkimSignerWithKeys : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new KeyHandle(generateRsa(2048));
    ed_ = new KeyHandle(generateEd25519());
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ed_;
  }
  static SignOptions options() {
    SignOptions options;
    options.domain = "example.org";
    options.selector = "sel";
    return options;
  }
  static KeyHandle* rsa_;
  static KeyHandle* ed_;
};
KeyHandle* DkimSignerWithKeys::rsa_ = nullptr;
KeyHandle* DkimSignerWithKeys::ed_ = nullptr;

TEST_F(DkimSignerWithKeys, SignsRelaxedByDefaultAndOversignsFromSubjectToDate) {
  auto signer = Signer::create(*rsa_, options());
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  EXPECT_EQ(signer->algorithm(), KeyAlgorithm::kRsaSha256);
  auto field = signer->sign(kMessage, 1700000000);
  ASSERT_TRUE(field.ok()) << field.error().message;
  auto blank = blankSignatureValue(*field);
  ASSERT_TRUE(blank.ok());
  auto sig = parseSignature(field->substr(field->find(':') + 1));
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  EXPECT_EQ(sig->header_canonicalization, Canonicalization::kRelaxed);
  EXPECT_EQ(sig->body_canonicalization, Canonicalization::kRelaxed);
  EXPECT_EQ(sig->timestamp, 1700000000U);
  EXPECT_FALSE(sig->expiration.has_value());
  EXPECT_FALSE(sig->body_length.has_value());
  const std::vector<std::string> expected = {"from",    "from", "to",   "to",        "subject",
                                             "subject", "date", "date", "message-id"};
  EXPECT_EQ(sig->signed_headers, expected);
  EXPECT_EQ(verifyWithOpenSsl(*field + kMessage, **rsa_), "");
  // Oversigning: a From added later, anywhere, breaks the signature.
  EXPECT_NE(verifyWithOpenSsl(*field + "From: evil@example.com\r\n" + kMessage, **rsa_), "");
  // Headers outside h= may change.
  std::string changed = kMessage;
  changed.replace(changed.find("not signed"), 10, "whatever");
  EXPECT_EQ(verifyWithOpenSsl(*field + changed, **rsa_), "");
  // The body may not.
  changed = kMessage;
  changed.replace(changed.find("lost"), 4, "won!");
  EXPECT_EQ(verifyWithOpenSsl(*field + changed, **rsa_), "body hash mismatch");
}

TEST_F(DkimSignerWithKeys, Ed25519SignatureVerifiesWithSimpleCanonicalization) {
  SignOptions opts = options();
  opts.header_canonicalization = Canonicalization::kSimple;
  opts.body_canonicalization = Canonicalization::kSimple;
  auto signer = Signer::create(*ed_, opts);
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  EXPECT_EQ(signer->algorithm(), KeyAlgorithm::kEd25519Sha256);
  auto field = signer->sign(kMessage, 42);
  ASSERT_TRUE(field.ok()) << field.error().message;
  EXPECT_NE(field->find("a=ed25519-sha256;"), std::string::npos);
  EXPECT_NE(field->find("c=simple/simple;"), std::string::npos);
  EXPECT_EQ(verifyWithOpenSsl(*field + kMessage, **ed_), "");
}

TEST_F(DkimSignerWithKeys, DualSigningKeepsBothSignaturesValid) {
  auto rsa_signer = Signer::create(*rsa_, options());
  auto ed_signer = Signer::create(*ed_, options());
  ASSERT_TRUE(rsa_signer.ok() && ed_signer.ok());
  // Both computed over the unsigned message, then both prepended.
  auto rsa_field = rsa_signer->sign(kMessage, 100);
  auto ed_field = ed_signer->sign(kMessage, 100);
  ASSERT_TRUE(rsa_field.ok() && ed_field.ok());
  const std::string both = *ed_field + *rsa_field + kMessage;
  EXPECT_EQ(verifyWithOpenSsl(both, **ed_, 0), "");
  EXPECT_EQ(verifyWithOpenSsl(both, **rsa_, 1), "");
  // Signing in sequence: the second signer does not cover the first DKIM-Signature.
  const std::string once = *rsa_field + kMessage;
  auto second = ed_signer->sign(once, 100);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->find("dkim-signature"), std::string::npos);
  EXPECT_EQ(verifyWithOpenSsl(*second + once, **ed_, 0), "");
  EXPECT_EQ(verifyWithOpenSsl(*second + once, **rsa_, 1), "");
}

TEST_F(DkimSignerWithKeys, WritesExpiryAndIdentityWhenAsked) {
  SignOptions opts = options();
  opts.expire_after_seconds = 3600;
  opts.identity = "bounces@mail.example.org";
  auto signer = Signer::create(*ed_, opts);
  ASSERT_TRUE(signer.ok());
  auto field = signer->sign(kMessage, 1000);
  ASSERT_TRUE(field.ok());
  auto sig = parseSignature(field->substr(field->find(':') + 1));
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  EXPECT_EQ(sig->timestamp, 1000U);
  EXPECT_EQ(sig->expiration, 4600U);
  EXPECT_EQ(sig->identity, "bounces@mail.example.org");
  EXPECT_EQ(verifyWithOpenSsl(*field + kMessage, **ed_), "");
}

TEST_F(DkimSignerWithKeys, RefusesAnIdentityOutsideTheDomainAndMissingDomainOrSelector) {
  SignOptions opts = options();
  opts.identity = "news@example.com";
  auto outside = Signer::create(*ed_, opts);
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.error().message.find("not within the signing domain"), std::string::npos);
  opts = options();
  opts.selector.clear();
  EXPECT_FALSE(Signer::create(*ed_, opts).ok());
  EXPECT_FALSE(Signer::create(nullptr, options()).ok());
}

TEST_F(DkimSignerWithKeys, RefusesMessagesWithoutFrom) {
  auto signer = Signer::create(*ed_, options());
  ASSERT_TRUE(signer.ok());
  auto no_from = signer->sign("To: a@example.net\r\nSubject: x\r\n\r\nbody\r\n", 1);
  ASSERT_FALSE(no_from.ok());
  EXPECT_EQ(no_from.error().code, kMessageNotSignable);
  auto dkimpy = signer->sign(readVector("dkimpy/test_nofrom.message"), 1);
  EXPECT_FALSE(dkimpy.ok());
  auto broken = signer->sign("From: a@example.org\r\nthis is not a header\r\n\r\nbody", 1);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("no ':'"), std::string::npos);
}

TEST_F(DkimSignerWithKeys, SignsConcurrentlyFromOneSigner) {
  auto signer = Signer::create(*ed_, options());
  ASSERT_TRUE(signer.ok());
  const std::string reference = *signer->sign(kMessage, 7);
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto field = signer->sign(kMessage, 7);
        if (!field.ok() || *field != reference) ++mismatches;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(DkimSignerHeaders, ListsPresentNamesOncePerOccurrencePlusOversigned) {
  SignOptions options;
  const std::vector<std::string_view> present = {"Received", "From",    "To",     "To",
                                                 "Cc",       "Subject", "X-Other"};
  const std::vector<std::string> expected = {"from", "from",    "to",      "to",  "to",
                                             "cc",   "subject", "subject", "date"};
  EXPECT_EQ(headersToSign(present, options), expected);
}

}  // namespace
}  // namespace outpost::mailauth::dkim
