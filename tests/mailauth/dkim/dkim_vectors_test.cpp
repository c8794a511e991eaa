// DKIM verification against the shared vectors (../shared/testdata/dkim/vectors.json): every
// verify vector through verifyMessageWithKeys and through verifyMessage with a MemoryZone, and
// the negative cases, which re-sign dkimpy's test message with dkimpy's key.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dkim_test_support.h"
#include "dns/memory_zone.h"
#include "mailauth/dkim/signer.h"
#include "mailauth/dkim/verifier.h"
#include "support/run_async.h"

namespace outpost::mailauth::dkim {
namespace {

namespace json = boost::json;
using testing::readVector;
using KeyList = std::vector<std::pair<std::string, std::string>>;

// mail-auth's "now" (see the vectors README); every t= of the vectors lies before it.
constexpr std::uint64_t kVectorTime = 1667843664;

// The vectors' LF files become CRLF; files already in CRLF stay as they are.
std::string toCrlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out.push_back('\r');
    out.push_back(text[i]);
  }
  return out;
}

json::object loadIndex() { return json::parse(readVector("vectors.json")).as_object(); }

struct VerifyVector {
  std::string file;
  std::string message;
  KeyList keys;
  json::array expected;
};

// A verify vector's message and keys: for mail-auth files the DNS lines before the first empty
// line join the keys vectors.json lists.
VerifyVector loadVerifyVector(const json::object& entry) {
  VerifyVector vector;
  vector.file = json::value_to<std::string>(entry.at("file"));
  std::string text = readVector(vector.file);
  EXPECT_FALSE(text.empty()) << vector.file;
  if (entry.at("format").as_string() == "mail-auth") {
    const std::size_t blank = text.find("\n\n");
    EXPECT_NE(blank, std::string::npos) << vector.file;
    std::string_view dns_part = std::string_view(text).substr(0, blank);
    while (!dns_part.empty()) {
      const std::size_t end = std::min(dns_part.find('\n'), dns_part.size());
      const std::string_view line = dns_part.substr(0, end);
      const std::size_t space = line.find(' ');
      if (space != std::string_view::npos) {
        vector.keys.emplace_back(std::string(line.substr(0, space)),
                                 std::string(line.substr(space + 1)));
      }
      dns_part.remove_prefix(std::min(end + 1, dns_part.size()));
    }
    text = text.substr(blank + 2);
  }
  vector.message = toCrlf(text);
  for (const auto& [name, record] : entry.at("dns_txt").as_object()) {
    const std::string key_name(name);
    const auto value = json::value_to<std::string>(record);
    bool known = false;
    for (const auto& [have_name, have_record] : vector.keys) {
      known = known || (have_name == key_name && have_record == value);
    }
    if (!known) vector.keys.emplace_back(key_name, value);
  }
  vector.expected = entry.at("expected").as_array();
  return vector;
}

VerifyOptions vectorOptions() {
  VerifyOptions options;
  options.now_seconds = kVectorTime;
  return options;
}

VerificationReport verifyThroughDns(const std::string& message, const KeyList& keys) {
  dns::MemoryZone zone;
  for (const auto& [name, record] : keys) zone.addTxt(name, record);
  const VerifyOptions options = vectorOptions();
  return test::runAsync([&](auto) -> boost::asio::awaitable<VerificationReport> {
    co_return co_await verifyMessage(zone, message, options);
  });
}

void expectMatches(const VerificationReport& report, const json::array& expected,
                   const std::string& file) {
  ASSERT_EQ(report.signatures.size(), expected.size()) << file;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const json::object& want = expected[i].as_object();
    const SignatureVerdict& got = report.signatures[i];
    SCOPED_TRACE(file + " signature " + std::to_string(i) + ": " + got.code + ": " + got.reason);
    ASSERT_TRUE(got.signature.has_value());
    EXPECT_EQ(got.signature->domain, json::value_to<std::string>(want.at("d")));
    EXPECT_EQ(got.signature->selector, json::value_to<std::string>(want.at("s")));
    EXPECT_EQ(algorithmName(got.signature->algorithm), json::value_to<std::string>(want.at("a")));
    EXPECT_EQ(verifyResultName(got.result), json::value_to<std::string>(want.at("result")));
  }
}

std::vector<VerifyVector> allVerifyVectors() {
  std::vector<VerifyVector> vectors;
  const json::object index = loadIndex();
  for (const json::value& entry : index.at("verify_vectors").as_array()) {
    vectors.push_back(loadVerifyVector(entry.as_object()));
  }
  return vectors;
}

TEST(DkimVectors, IndexListsElevenVerifyVectorsAndSixNegativeCases) {
  // When the shared folder grows, the tests below must be looked at again.
  const json::object index = loadIndex();
  EXPECT_EQ(index.at("verify_vectors").as_array().size(), 11U);
  EXPECT_EQ(index.at("negative_cases").as_array().size(), 6U);
}

TEST(DkimVectors, EveryVerifyVectorGivesItsExpectedResultsWithKeysGiven) {
  for (const VerifyVector& vector : allVerifyVectors()) {
    const VerificationReport report =
        verifyMessageWithKeys(vector.message, vector.keys, vectorOptions());
    expectMatches(report, vector.expected, vector.file);
    EXPECT_EQ(report.result, VerifyResult::kPass) << vector.file;
  }
}

TEST(DkimVectors, EveryVerifyVectorGivesItsExpectedResultsThroughDns) {
  for (const VerifyVector& vector : allVerifyVectors()) {
    const VerificationReport report = verifyThroughDns(vector.message, vector.keys);
    expectMatches(report, vector.expected, vector.file);
  }
}

TEST(DkimVectors, ThreeSignaturesWithOneKeyLookItUpOnce) {
  const json::object index = loadIndex();
  for (const json::value& entry : index.at("verify_vectors").as_array()) {
    if (entry.at("file").as_string() != "go-msgauth/verify-three-signatures.eml") continue;
    const VerifyVector vector = loadVerifyVector(entry.as_object());
    dns::MemoryZone zone;
    for (const auto& [name, record] : vector.keys) zone.addTxt(name, record);
    const VerifyOptions options = vectorOptions();
    const std::string& message = vector.message;
    const VerificationReport report =
        test::runAsync([&](auto) -> boost::asio::awaitable<VerificationReport> {
          co_return co_await verifyMessage(zone, message, options);
        });
    EXPECT_EQ(report.result, VerifyResult::kPass);
    EXPECT_EQ(zone.lookupCount(), 1);
    return;
  }
  FAIL() << "verify-three-signatures.eml is not in vectors.json";
}

// Negative case 6: one body byte changed breaks every signature's body hash.
TEST(DkimVectors, EveryVerifyVectorFailsWithBodyHashWhenOneBodyByteChanges) {
  for (VerifyVector& vector : allVerifyVectors()) {
    const std::size_t body = vector.message.find("\r\n\r\n");
    ASSERT_NE(body, std::string::npos) << vector.file;
    std::size_t pos = body + 4;
    while (pos < vector.message.size() &&
           !std::isalpha(static_cast<unsigned char>(vector.message[pos]))) {
      ++pos;
    }
    ASSERT_LT(pos, vector.message.size()) << vector.file;
    vector.message[pos] = vector.message[pos] == 'x' ? 'y' : 'x';
    const VerificationReport report =
        verifyMessageWithKeys(vector.message, vector.keys, vectorOptions());
    ASSERT_EQ(report.signatures.size(), vector.expected.size()) << vector.file;
    for (const SignatureVerdict& verdict : report.signatures) {
      EXPECT_EQ(verdict.result, VerifyResult::kFail) << vector.file << ": " << verdict.reason;
      EXPECT_EQ(verdict.code, "body_hash") << vector.file;
    }
    EXPECT_EQ(report.result, VerifyResult::kFail);
  }
}

// The dkimpy negative cases sign dkimpy/test.message with dkimpy/test.private (1024 bits, so
// signMessage rather than Signer) as d=example.com s=test and swap the key record.
class DkimpyNegativeCases : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string pem = readVector("dkimpy/test.private");
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    key_ = adoptKey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    ASSERT_TRUE(key_);
    options_.domain = "example.com";
    options_.selector = "test";
    message_ = toCrlf(readVector("dkimpy/test.message"));
    auto field = signMessage(*key_, KeyAlgorithm::kRsaSha256, options_, message_, kVectorTime);
    ASSERT_TRUE(field.ok()) << field.error().message;
    field_ = *field;
  }

  SignatureVerdict verifyWithRecord(const std::string& record_file) {
    std::string record = readVector(record_file);
    while (!record.empty() && (record.back() == '\n' || record.back() == '\r')) record.pop_back();
    const KeyList keys{{"test._domainkey.example.com", record}};
    const VerificationReport report =
        verifyMessageWithKeys(field_ + message_, keys, vectorOptions());
    EXPECT_EQ(report.signatures.size(), 1U);
    return report.signatures.empty() ? SignatureVerdict{} : report.signatures.front();
  }

  KeyHandle key_;
  SignOptions options_;
  std::string message_;
  std::string field_;
};

TEST_F(DkimpyNegativeCases, TheGoodKeyRecordPasses) {
  const SignatureVerdict verdict = verifyWithRecord("dkimpy/test.txt");
  EXPECT_EQ(verdict.result, VerifyResult::kPass) << verdict.reason;
  EXPECT_EQ(verdict.key_bits, 1024);
}

TEST_F(DkimpyNegativeCases, BadVersionKeyRecordIsPermerrorKeySyntax) {
  const SignatureVerdict verdict = verifyWithRecord("dkimpy/badversion.txt");
  EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
  EXPECT_EQ(verdict.code, "key_syntax") << verdict.reason;
}

TEST_F(DkimpyNegativeCases, UnknownKeyTypeIsPermerrorKeySyntax) {
  const SignatureVerdict verdict = verifyWithRecord("dkimpy/badk.txt");
  EXPECT_EQ(verdict.result, VerifyResult::kPermerror);
  EXPECT_EQ(verdict.code, "key_syntax") << verdict.reason;
  EXPECT_NE(verdict.reason.find("k=ed25519-sha256"), std::string::npos) << verdict.reason;
}

TEST_F(DkimpyNegativeCases, KeyRecordWithoutKTagDefaultsToRsaAndPasses) {
  const SignatureVerdict verdict = verifyWithRecord("dkimpy/test2.txt");
  EXPECT_EQ(verdict.result, VerifyResult::kPass) << verdict.reason;
}

TEST_F(DkimpyNegativeCases, AlteredPublicKeyIsRejectedAsMalformed) {
  const SignatureVerdict verdict = verifyWithRecord("dkimpy/test_bad.txt");
  EXPECT_NE(verdict.result, VerifyResult::kPass);
  EXPECT_EQ(verdict.code, "key_syntax") << verdict.reason;
}

TEST_F(DkimpyNegativeCases, MessageWithoutFromCannotBeSignedNorPassWithATransplantedSignature) {
  const std::string no_from = toCrlf(readVector("dkimpy/test_nofrom.message"));
  ASSERT_FALSE(no_from.empty());
  auto refused = signMessage(*key_, KeyAlgorithm::kRsaSha256, options_, no_from, kVectorTime);
  EXPECT_FALSE(refused.ok());
  const KeyList keys{{"test._domainkey.example.com", readVector("dkimpy/test.txt")}};
  const VerificationReport report = verifyMessageWithKeys(field_ + no_from, keys, vectorOptions());
  ASSERT_EQ(report.signatures.size(), 1U);
  EXPECT_EQ(report.signatures[0].result, VerifyResult::kFail) << report.signatures[0].reason;
  EXPECT_EQ(report.result, VerifyResult::kFail);
}

}  // namespace
}  // namespace outpost::mailauth::dkim
