// DKIM verification of messages signed here: pass for every algorithm and canonicalization, then
// one test per way a signature can go wrong (body, headers, oversigning, l=, times, keys, DNS).
#include "mailauth/dkim/verifier.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dkim_test_support.h"
#include "dns/memory_zone.h"
#include "mailauth/dkim/canonicalization.h"
#include "mailauth/dkim/header_selection.h"
#include "mailauth/dkim/key_record.h"
#include "mailauth/dkim/signature.h"
#include "mailauth/dkim/signer.h"
#include "support/run_async.h"

namespace outpost::mailauth::dkim {
namespace {

using KeyList = std::vector<std::pair<std::string, std::string>>;
using testing::generateEd25519;
using testing::generateRsa;

constexpr std::uint64_t kSignTime = 1'800'000'000;
constexpr char kDomain[] = "example.test";
constexpr char kKeyName[] = "sel._domainkey.example.test";

const std::string kMessage =
    "From: Alice <alice@example.test>\r\n"
    "To: Bob <bob@example.org>\r\n"
    "Subject: Lunch\r\n"
    "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <lunch@example.test>\r\n"
    "\r\n"
    "Shall we  meet at noon?\r\n"
    "\r\n"
    "Alice\r\n";

std::string recordOf(const KeyHandle& key) {
  auto record = formatKeyRecord(*key);
  return record ? *record : std::string();
}

SignOptions defaultOptions() {
  SignOptions options;
  options.domain = kDomain;
  options.selector = "sel";
  return options;
}

VerifyOptions atSignTime() {
  VerifyOptions options;
  options.now_seconds = kSignTime + 60;
  return options;
}

std::string sign(const KeyHandle& key, const SignOptions& options,
                 const std::string& message = kMessage) {
  auto algorithm = keyTypeOf(*key);
  if (!algorithm) return {};
  auto field = signMessage(
      *key, *algorithm == KeyType::kRsa ? KeyAlgorithm::kRsaSha256 : KeyAlgorithm::kEd25519Sha256,
      options, message, kSignTime);
  EXPECT_TRUE(field.ok()) << field.error().message;
  return field ? *field + message : std::string();
}

// Keys are slow to make: one of each for the whole suite.
class DkimVerifier : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new KeyHandle(generateRsa(2048));
    ed_ = new KeyHandle(generateEd25519());
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ed_;
  }

  static const KeyHandle& rsa() { return *rsa_; }
  static const KeyHandle& ed() { return *ed_; }

  static SignatureVerdict only(const VerificationReport& report) {
    EXPECT_EQ(report.signatures.size(), 1U);
    return report.signatures.empty() ? SignatureVerdict{} : report.signatures.front();
  }

  static SignatureVerdict verifyWith(const std::string& message, const std::string& record,
                                     const VerifyOptions& options = atSignTime()) {
    const KeyList keys{{kKeyName, record}};
    return only(verifyMessageWithKeys(message, keys, options));
  }

  VerificationReport verifyThroughZone(const std::string& message,
                                       const VerifyOptions& options = atSignTime()) {
    return test::runAsync([&](auto) -> boost::asio::awaitable<VerificationReport> {
      co_return co_await verifyMessage(zone_, message, options);
    });
  }

  static KeyHandle* rsa_;
  static KeyHandle* ed_;
  dns::MemoryZone zone_;
};

KeyHandle* DkimVerifier::rsa_ = nullptr;
KeyHandle* DkimVerifier::ed_ = nullptr;

TEST_F(DkimVerifier, RsaAndEd25519PassWithEveryCanonicalization) {
  const Canonicalization modes[] = {Canonicalization::kSimple, Canonicalization::kRelaxed};
  for (const KeyHandle* key : {&rsa(), &ed()}) {
    for (Canonicalization header : modes) {
      for (Canonicalization body : modes) {
        SignOptions options = defaultOptions();
        options.header_canonicalization = header;
        options.body_canonicalization = body;
        const SignatureVerdict verdict = verifyWith(sign(*key, options), recordOf(*key));
        SCOPED_TRACE(std::string(canonicalizationName(header)) + "/" +
                     std::string(canonicalizationName(body)));
        EXPECT_EQ(verdict.result, VerifyResult::kPass) << verdict.reason;
        EXPECT_EQ(verdict.code, "pass");
        ASSERT_TRUE(verdict.signature.has_value());
        EXPECT_EQ(verdict.signature->header_canonicalization, header);
        EXPECT_EQ(verdict.signature->body_canonicalization, body);
        EXPECT_EQ(verdict.key_name, kKeyName);
        EXPECT_EQ(verdict.key_record, recordOf(*key));
      }
    }
  }
}

TEST_F(DkimVerifier, PassReportsKeyBitsAndTheUnfoldedField) {
  const std::string message = sign(rsa(), defaultOptions());
  const SignatureVerdict verdict = verifyWith(message, recordOf(rsa()));
  EXPECT_EQ(verdict.result, VerifyResult::kPass);
  EXPECT_EQ(verdict.key_bits, 2048);
  EXPECT_TRUE(verdict.field.starts_with("DKIM-Signature: "));
  EXPECT_EQ(verdict.field.find('\r'), std::string::npos);
  EXPECT_EQ(verdict.field.find('\n'), std::string::npos);
}

TEST_F(DkimVerifier, RelaxedBodySurvivesTrailingWhitespaceAndEmptyLines) {
  SignOptions options = defaultOptions();
  std::string message = sign(ed(), options);
  message.insert(message.find("noon?") + 5, "   ");
  message += "\r\n\r\n";
  EXPECT_EQ(verifyWith(message, recordOf(ed())).result, VerifyResult::kPass);
}

TEST_F(DkimVerifier, BodyChangedAfterSigningFailsWithBodyHash) {
  std::string message = sign(rsa(), defaultOptions());
  message.replace(message.find("noon"), 4, "one!");
  const SignatureVerdict verdict = verifyWith(message, recordOf(rsa()));
  EXPECT_EQ(verdict.result, VerifyResult::kFail);
  EXPECT_EQ(verdict.code, "body_hash");
  EXPECT_NE(verdict.reason.find("bh="), std::string::npos) << verdict.reason;
  EXPECT_NE(verdict.reason.find("computed"), std::string::npos) << verdict.reason;
}

TEST_F(DkimVerifier, SignedHeaderChangedAfterSigningFailsWithSignature) {
  for (const KeyHandle* key : {&rsa(), &ed()}) {
    std::string message = sign(*key, defaultOptions());
    message.replace(message.find("Subject: Lunch"), 14, "Subject: Lunch?");
    const SignatureVerdict verdict = verifyWith(message, recordOf(*key));
    EXPECT_EQ(verdict.result, VerifyResult::kFail);
    EXPECT_EQ(verdict.code, "signature") << verdict.reason;
  }
}

TEST_F(DkimVerifier, AddedInstanceOfAnOversignedHeaderFailsWithSignature) {
  std::string message = sign(rsa(), defaultOptions());
  // Above the existing Subject, below the signature: the extra h=subject entry now selects it.
  message.insert(message.find("From: "), "Subject: Win a prize\r\n");
  const SignatureVerdict verdict = verifyWith(message, recordOf(rsa()));
  EXPECT_EQ(verdict.result, VerifyResult::kFail);
  EXPECT_EQ(verdict.code, "signature");
}

TEST_F(DkimVerifier, UnsignedHeaderAddedAfterSigningStillPasses) {
  std::string message = sign(rsa(), defaultOptions());
  message.insert(0, "Received: from relay.example.org by mx.example.org\r\n");
  message.insert(message.find("Subject:"), "X-Mailer: added later\r\n");
  EXPECT_EQ(verifyWith(message, recordOf(rsa())).result, VerifyResult::kPass);
}

TEST_F(DkimVerifier, HeaderNamesCompareWithoutCase) {
  std::string message = sign(ed(), defaultOptions());
  message.replace(message.find("Message-ID:"), 11, "message-id:");
  EXPECT_EQ(verifyWith(message, recordOf(ed())).result, VerifyResult::kPass);
}

std::string bodyOf(const std::string& message) {
  return message.substr(message.find("\r\n\r\n") + 4);
}

std::uint64_t relaxedBodyLength(const std::string& message) {
  BodyHasher hasher(Canonicalization::kRelaxed);
  hasher.update(bodyOf(message));
  EXPECT_TRUE(hasher.finish().ok());
  return hasher.canonicalLength();
}

// Signs `message` with l=`length` over relaxed/relaxed RSA: Signer writes no l=, so the field is
// made here from the library's pieces (formatSignature, headerHashInput) and EVP_DigestSign.
std::string signWithLength(const KeyHandle& key, const std::string& message, std::uint64_t length) {
  auto hash = hashBody(Canonicalization::kRelaxed, bodyOf(message), length);
  if (!hash) return {};
  Signature sig;
  sig.algorithm = KeyAlgorithm::kRsaSha256;
  sig.body_hash.assign(hash->begin(), hash->end());
  sig.header_canonicalization = Canonicalization::kRelaxed;
  sig.body_canonicalization = Canonicalization::kRelaxed;
  sig.domain = kDomain;
  sig.selector = "sel";
  sig.signed_headers = {"from", "subject"};
  sig.body_length = length;
  sig.timestamp = kSignTime;
  std::string unsigned_field = formatSignature(sig);
  if (unsigned_field.ends_with("\r\n")) unsigned_field.resize(unsigned_field.size() - 2);
  auto split = splitMessage(message);
  if (!split) return {};
  const std::string data = headerHashInput(split->fields, sig.signed_headers,
                                           sig.header_canonicalization, unsigned_field);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t size = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, bytes, data.size()) != 1) {
    return {};
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, bytes,
                     data.size()) != 1) {
    return {};
  }
  signature.resize(size);
  sig.signature = signature;
  return formatSignature(sig) + message;
}

TEST_F(DkimVerifier, BodyLengthLimitLetsTextAppendedAfterSigningPass) {
  std::string message = signWithLength(rsa(), kMessage, relaxedBodyLength(kMessage));
  ASSERT_FALSE(message.empty());
  EXPECT_EQ(verifyWith(message, recordOf(rsa())).result, VerifyResult::kPass);
  message += "P.S. appended by a mailing list\r\n";
  const SignatureVerdict verdict = verifyWith(message, recordOf(rsa()));
  EXPECT_EQ(verdict.result, VerifyResult::kPass) << verdict.reason;
  ASSERT_TRUE(verdict.signature.has_value());
  EXPECT_EQ(verdict.signature->body_length, relaxedBodyLength(kMessage));
}

TEST_F(DkimVerifier, BodyLengthLongerThanTheBodyIsPermerror) {
  std::string message = signWithLength(rsa(), kMessage, relaxedBodyLength(kMessage));
  ASSERT_FALSE(message.empty());
  message.erase(message.rfind("Alice\r\n"));
  const SignatureVerdict verdict = verifyWith(message, recordOf(rsa()));
  EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
  EXPECT_EQ(verdict.code, "body_length") << verdict.reason;
}

TEST_F(DkimVerifier, ExpiredSignatureIsPermerror) {
  SignOptions options = defaultOptions();
  options.expire_after_seconds = 3600;
  const std::string message = sign(ed(), options);
  VerifyOptions later;
  later.now_seconds = kSignTime + 7200;
  const SignatureVerdict verdict = verifyWith(message, recordOf(ed()), later);
  EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
  EXPECT_EQ(verdict.code, "expired");
  EXPECT_NE(verdict.reason.find(std::to_string(kSignTime + 3600)), std::string::npos)
      << verdict.reason;
  EXPECT_EQ(verifyWith(message, recordOf(ed())).result, VerifyResult::kPass);
}

TEST_F(DkimVerifier, SignatureFromTheFutureIsPermerrorBeyondTheClockSkew) {
  const std::string message = sign(ed(), defaultOptions());
  VerifyOptions earlier;
  earlier.now_seconds = kSignTime - 3600;
  const SignatureVerdict verdict = verifyWith(message, recordOf(ed()), earlier);
  EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
  EXPECT_EQ(verdict.code, "future");
  VerifyOptions skewed;
  skewed.now_seconds = kSignTime - 100;
  EXPECT_EQ(verifyWith(message, recordOf(ed()), skewed).result, VerifyResult::kPass);
}

TEST_F(DkimVerifier, RevokedKeyIsPermerror) {
  const SignatureVerdict verdict = verifyWith(sign(rsa(), defaultOptions()), "v=DKIM1; k=rsa; p=");
  EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
  EXPECT_EQ(verdict.code, "key_revoked");
}

TEST_F(DkimVerifier, MissingKeyIsPermerrorNoKey) {
  const std::string message = sign(rsa(), defaultOptions());
  const SignatureVerdict given = only(verifyMessageWithKeys(message, {}, atSignTime()));
  EXPECT_EQ(given.result, VerifyResult::kPermerror);
  EXPECT_EQ(given.code, "no_key");
  EXPECT_NE(given.reason.find(kKeyName), std::string::npos) << given.reason;
  const SignatureVerdict looked_up = only(verifyThroughZone(message));
  EXPECT_EQ(looked_up.result, VerifyResult::kPermerror);
  EXPECT_EQ(looked_up.code, "no_key");
  EXPECT_EQ(looked_up.key_name, kKeyName);
}

TEST_F(DkimVerifier, NameWithoutTxtRecordIsPermerrorNoKey) {
  zone_.addA(kKeyName, "192.0.2.1");
  const SignatureVerdict verdict = only(verifyThroughZone(sign(rsa(), defaultOptions())));
  EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
  EXPECT_EQ(verdict.code, "no_key");
}

TEST_F(DkimVerifier, ServfailAndTimeoutAreTemperror) {
  const std::string message = sign(rsa(), defaultOptions());
  zone_.failWithServfail(kKeyName);
  SignatureVerdict verdict = only(verifyThroughZone(message));
  EXPECT_EQ(verdict.result, VerifyResult::kTemperror);
  EXPECT_EQ(verdict.code, "dns_temporary");
  zone_.clearFailure(kKeyName);
  zone_.failWithTimeout(kKeyName);
  verdict = only(verifyThroughZone(message));
  EXPECT_EQ(verdict.result, VerifyResult::kTemperror);
  EXPECT_EQ(verdict.code, "dns_temporary");
}

TEST_F(DkimVerifier, KeysLookedUpThroughDnsPass) {
  zone_.addTxt(kKeyName, recordOf(rsa()));
  zone_.addTxt("ed._domainkey.example.test", recordOf(ed()));
  SignOptions ed_options = defaultOptions();
  ed_options.selector = "ed";
  const std::string message = sign(ed(), ed_options, sign(rsa(), defaultOptions()));
  const VerificationReport report = verifyThroughZone(message);
  ASSERT_EQ(report.signatures.size(), 2U);
  EXPECT_EQ(report.signatures[0].result, VerifyResult::kPass) << report.signatures[0].reason;
  EXPECT_EQ(report.signatures[1].result, VerifyResult::kPass) << report.signatures[1].reason;
  EXPECT_EQ(report.result, VerifyResult::kPass);
  EXPECT_EQ(zone_.lookupCount(), 2);
}

TEST_F(DkimVerifier, FirstTxtRecordThatParsesAsAKeyIsUsed) {
  zone_.addTxt(kKeyName, "v=spf1 -all");
  zone_.addTxt(kKeyName, recordOf(rsa()));
  const SignatureVerdict verdict = only(verifyThroughZone(sign(rsa(), defaultOptions())));
  EXPECT_EQ(verdict.result, VerifyResult::kPass) << verdict.reason;
  EXPECT_EQ(verdict.key_record, recordOf(rsa()));
}

TEST_F(DkimVerifier, KeyOfTheOtherTypeIsPermerrorKeyMismatch) {
  const SignatureVerdict verdict = verifyWith(sign(rsa(), defaultOptions()), recordOf(ed()));
  EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
  EXPECT_EQ(verdict.code, "key_mismatch");
  EXPECT_NE(verdict.reason.find("k=ed25519"), std::string::npos) << verdict.reason;
}

TEST_F(DkimVerifier, KeyRestrictedToSha1IsPermerrorKeyMismatch) {
  std::string record = recordOf(rsa());
  record.replace(record.find("k=rsa;"), 6, "h=sha1; k=rsa;");
  const SignatureVerdict verdict = verifyWith(sign(rsa(), defaultOptions()), record);
  EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
  EXPECT_EQ(verdict.code, "key_mismatch");
  EXPECT_NE(verdict.reason.find("sha256"), std::string::npos) << verdict.reason;
}

TEST_F(DkimVerifier, KeyForAnotherServiceIsPermerrorKeyMismatch) {
  std::string record = recordOf(ed());
  record.replace(record.find("k=ed25519;"), 10, "s=other; k=ed25519;");
  const SignatureVerdict verdict = verifyWith(sign(ed(), defaultOptions()), record);
  EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
  EXPECT_EQ(verdict.code, "key_mismatch");
}

TEST_F(DkimVerifier, StrictKeyRefusesAnIdentityInASubdomain) {
  std::string record = recordOf(ed());
  record.replace(record.find("k=ed25519;"), 10, "t=s; k=ed25519;");
  SignOptions options = defaultOptions();
  options.identity = "alice@mail.example.test";
  const SignatureVerdict verdict = verifyWith(sign(ed(), options), record);
  EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
  EXPECT_EQ(verdict.code, "key_mismatch");
  EXPECT_NE(verdict.reason.find("t=s"), std::string::npos) << verdict.reason;
  options.identity = "alice@example.test";
  EXPECT_EQ(verifyWith(sign(ed(), options), record).result, VerifyResult::kPass);
  options.identity = "alice@mail.example.test";
  EXPECT_EQ(verifyWith(sign(ed(), options), recordOf(ed())).result, VerifyResult::kPass);
}

TEST_F(DkimVerifier, FailureWithATestingKeyIsNeutralAndKeepsTheReason) {
  std::string record = recordOf(rsa());
  record.replace(record.find("k=rsa;"), 6, "t=y; k=rsa;");
  std::string message = sign(rsa(), defaultOptions());
  const SignatureVerdict good = verifyWith(message, record);
  EXPECT_EQ(good.result, VerifyResult::kPass);
  EXPECT_TRUE(good.key_testing);
  message.replace(message.find("noon"), 4, "nine");
  const SignatureVerdict verdict = verifyWith(message, record);
  EXPECT_EQ(verdict.result, VerifyResult::kNeutral);
  EXPECT_EQ(verdict.code, "testing");
  EXPECT_EQ(verdict.underlying_code, "body_hash");
  EXPECT_TRUE(verdict.key_testing);
  EXPECT_NE(verdict.reason.find("t=y"), std::string::npos) << verdict.reason;
  EXPECT_NE(verdict.reason.find("body hash does not match"), std::string::npos) << verdict.reason;
}

TEST_F(DkimVerifier, RsaKeyUnder1024BitsIsPermerrorKeyTooShort) {
  const KeyHandle small = generateRsa(512);
  ASSERT_TRUE(small);
  const SignatureVerdict verdict = verifyWith(sign(small, defaultOptions()), recordOf(small));
  EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
  EXPECT_EQ(verdict.code, "key_too_short");
  EXPECT_EQ(verdict.key_bits, 512);
  EXPECT_NE(verdict.reason.find("512"), std::string::npos) << verdict.reason;
}

TEST_F(DkimVerifier, KeyThatDoesNotSignFailsWithSignature) {
  const KeyHandle other = generateEd25519();
  const SignatureVerdict verdict = verifyWith(sign(ed(), defaultOptions()), recordOf(other));
  EXPECT_EQ(verdict.result, VerifyResult::kFail);
  EXPECT_EQ(verdict.code, "signature");
}

TEST_F(DkimVerifier, GarbageSignatureFieldsArePermerrorWithoutCrashing) {
  const std::string rest = kMessage;
  const std::string base =
      "v=1; a=rsa-sha256; d=example.test; s=sel; h=from; bh=" + std::string(43, 'A') + "=; b=AAAA";
  struct Case {
    std::string value;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"", "signature_syntax"},
      {"v=1", "signature_syntax"},
      {";;;;", "signature_syntax"},
      {"v=2; " + base.substr(5), "signature_syntax"},
      {base + "; x", "signature_syntax"},
      {base + "; t=-5", "signature_syntax"},
      {base + "; l=99999999999999999999999", "signature_syntax"},
      {base + "; i=alice@elsewhere.test", "signature_syntax"},
      {"v=1; a=rsa-sha256; d=exa mple..test; s=sel; h=from; bh=" + std::string(43, 'A') +
           "=; b=AAAA",
       "signature_syntax"},
      {"v=1; a=rsa-sha256; d=example.test; s=se/l; h=from; bh=" + std::string(43, 'A') +
           "=; b=AAAA",
       "signature_syntax"},
      {std::string("v=1; a=rsa-sha256; d=\x01\xff\xfe; b=\x80"), "signature_syntax"},
      {"v=1; a=rsa-sha1; d=example.test; s=sel; h=from; bh=" + std::string(27, 'A') + "=; b=AAAA",
       "unsupported"},
      {"v=1; a=dsa-sha512; d=example.test; s=sel; h=from; bh=" + std::string(43, 'A') + "=; b=AAAA",
       "unsupported"},
      {base + "; c=fancy/relaxed", "unsupported"},
      {base + "; q=https", "unsupported"},
  };
  for (const Case& c : cases) {
    const std::string message = "DKIM-Signature: " + c.value + "\r\n" + rest;
    const SignatureVerdict verdict = verifyWith(message, recordOf(rsa()));
    SCOPED_TRACE(c.value);
    EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
    EXPECT_EQ(verdict.code, c.code) << verdict.reason;
    EXPECT_FALSE(verdict.reason.empty());
  }
  // A well-formed field whose b= is not a signature at all.
  const SignatureVerdict bad_b =
      verifyWith("DKIM-Signature: " + base + "\r\n" + rest, recordOf(rsa()));
  EXPECT_NE(bad_b.result, VerifyResult::kPass);
}

TEST_F(DkimVerifier, GarbageKeyRecordsArePermerrorKeySyntax) {
  const std::string message = sign(rsa(), defaultOptions());
  for (const std::string& record :
       {std::string("hello world"), std::string("v=DKIM1; p=!!!!"), std::string("v=DKIM1; k=rsa"),
        std::string("v=DKIM1; k=rsa; p=AAAA"), std::string("p=\x01\x02\xff", 5), std::string()}) {
    const SignatureVerdict verdict = verifyWith(message, record);
    SCOPED_TRACE(record);
    EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
    EXPECT_EQ(verdict.code, "key_syntax") << verdict.reason;
  }
}

TEST_F(DkimVerifier, MessageWithoutSignatureIsNone) {
  const VerificationReport report = verifyMessageWithKeys(kMessage, {}, atSignTime());
  EXPECT_TRUE(report.signatures.empty());
  EXPECT_EQ(report.result, VerifyResult::kNone);
  EXPECT_TRUE(report.message_error.empty());
}

TEST_F(DkimVerifier, HeaderBlockThatDoesNotSplitMakesEverySignaturePermerror) {
  std::string message = sign(rsa(), defaultOptions());
  message.insert(message.find("From: "), "this line has no colon\r\n");
  const VerificationReport report = verifyMessageWithKeys(message, {}, atSignTime());
  EXPECT_FALSE(report.message_error.empty());
  ASSERT_EQ(report.signatures.size(), 1U);
  EXPECT_EQ(report.signatures[0].result, VerifyResult::kPermerror);
  EXPECT_EQ(report.signatures[0].code, "message_syntax");
  EXPECT_EQ(report.result, VerifyResult::kPermerror);
}

TEST_F(DkimVerifier, OneGoodAndOneBadSignatureGivePassOverall) {
  SignOptions ed_options = defaultOptions();
  ed_options.selector = "ed";
  const std::string message = sign(ed(), ed_options, sign(rsa(), defaultOptions()));
  const KeyList keys{{kKeyName, recordOf(rsa())},
                     {"ed._domainkey.example.test", recordOf(generateEd25519())}};
  const VerificationReport report = verifyMessageWithKeys(message, keys, atSignTime());
  ASSERT_EQ(report.signatures.size(), 2U);
  EXPECT_EQ(report.signatures[0].signature->selector, "ed");
  EXPECT_EQ(report.signatures[0].result, VerifyResult::kFail);
  EXPECT_EQ(report.signatures[1].result, VerifyResult::kPass);
  EXPECT_EQ(report.result, VerifyResult::kPass);
}

TEST_F(DkimVerifier, SignaturesBeyondTheLimitAreLeftUnchecked) {
  const std::string message = sign(rsa(), defaultOptions(), sign(rsa(), defaultOptions()));
  VerifyOptions options = atSignTime();
  options.max_signatures = 1;
  const KeyList keys{{kKeyName, recordOf(rsa())}};
  const VerificationReport report = verifyMessageWithKeys(message, keys, options);
  ASSERT_EQ(report.signatures.size(), 2U);
  EXPECT_EQ(report.signatures[0].result, VerifyResult::kPass);
  EXPECT_EQ(report.signatures[1].result, VerifyResult::kPermerror);
  EXPECT_EQ(report.signatures[1].code, "too_many");
}

TEST(DkimVerifyResult, NamesAreTheAuthenticationResultsWords) {
  EXPECT_EQ(verifyResultName(VerifyResult::kPass), "pass");
  EXPECT_EQ(verifyResultName(VerifyResult::kFail), "fail");
  EXPECT_EQ(verifyResultName(VerifyResult::kNeutral), "neutral");
  EXPECT_EQ(verifyResultName(VerifyResult::kTemperror), "temperror");
  EXPECT_EQ(verifyResultName(VerifyResult::kPermerror), "permerror");
  EXPECT_EQ(verifyResultName(VerifyResult::kNone), "none");
}

}  // namespace
}  // namespace outpost::mailauth::dkim
