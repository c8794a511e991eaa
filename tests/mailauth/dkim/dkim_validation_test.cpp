// Key record validation: every finding against the dns module's MemoryZone, then the common
// cases against a real Knot DNS server on 127.0.0.1 through the c-ares resolver.
#include "mailauth/dkim/dkim_validation.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <boost/asio/awaitable.hpp>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "dns/cares_resolver.h"
#include "dns/memory_zone.h"
#include "mailauth/dkim/key_material.h"
#include "mailauth/dkim/knot_zone_server.h"
#include "support/run_async.h"

namespace outpost::mailauth::dkim {
namespace {

namespace asio = boost::asio;
using std::chrono::seconds;

std::string vector(const std::string& name) {
  std::ifstream in(std::string(OUTPOST_DKIM_VECTORS_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  std::string out = text.str();
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

constexpr char kDomain[] = "example.test";
constexpr char kName[] = "op202611e._domainkey.example.test";

KeyValidation validate(dns::Resolver& resolver, const std::string& selector,
                       const KeyHandle& expected) {
  const std::string domain = kDomain;
  return test::runAsync([&](auto) -> asio::awaitable<KeyValidation> {
    co_return co_await validateKeyRecord(resolver, domain, selector, expected);
  });
}

class DkimValidation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ed_ = new KeyMaterial(*generateKey(KeyAlgorithm::kEd25519Sha256));
    other_ed_ = new KeyMaterial(*generateKey(KeyAlgorithm::kEd25519Sha256));
  }
  static void TearDownTestSuite() {
    delete ed_;
    delete other_ed_;
  }

  KeyValidation check(const KeyHandle& expected) { return validate(zone_, "op202611e", expected); }
  KeyValidation check() { return check(ed_->public_key); }

  static KeyMaterial* ed_;
  static KeyMaterial* other_ed_;
  dns::MemoryZone zone_;
};

KeyMaterial* DkimValidation::ed_ = nullptr;
KeyMaterial* DkimValidation::other_ed_ = nullptr;

TEST_F(DkimValidation, MatchingRecordIsOkWithItsTtl) {
  zone_.addTxt(kName, ed_->txt_record, seconds(600));
  auto v = check();
  EXPECT_EQ(v.status, KeyValidationStatus::kOk);
  EXPECT_TRUE(v.findings.empty());
  EXPECT_EQ(v.name, kName);
  EXPECT_EQ(v.record, ed_->txt_record);
  EXPECT_EQ(v.ttl, seconds(600));
  ASSERT_TRUE(v.parsed.has_value());
  EXPECT_EQ(v.parsed->type, KeyType::kEd25519);
}

TEST_F(DkimValidation, NxdomainIsMissing) {
  zone_.addTxt("other._domainkey.example.test", ed_->txt_record);
  auto v = check();
  EXPECT_EQ(v.status, KeyValidationStatus::kMissing);
  ASSERT_EQ(v.findings.size(), 1u);
  EXPECT_EQ(v.findings[0].code, "nxdomain");
  EXPECT_NE(v.findings[0].message.find(kName), std::string::npos);
}

TEST_F(DkimValidation, NameWithoutTxtIsMissingAndNotNxdomain) {
  zone_.addA(kName, "192.0.2.1");
  auto v = check();
  EXPECT_EQ(v.status, KeyValidationStatus::kMissing);
  EXPECT_TRUE(v.has("no_txt"));
  EXPECT_FALSE(v.has("nxdomain"));
}

TEST_F(DkimValidation, ServfailAndTimeoutAreTemporary) {
  zone_.failWithServfail(kName);
  auto servfail = check();
  EXPECT_EQ(servfail.status, KeyValidationStatus::kProblem);
  EXPECT_TRUE(servfail.has("dns_temporary"));
  EXPECT_TRUE(servfail.temporary);
  zone_.clearFailure(kName);
  zone_.failWithTimeout(kName);
  auto timeout = check();
  EXPECT_TRUE(timeout.has("dns_temporary"));
  EXPECT_NE(timeout.findings[0].message.find("try again"), std::string::npos);
}

TEST_F(DkimValidation, SeveralRecordsAreAProblemEvenWhenOneMatches) {
  zone_.addTxt(kName, other_ed_->txt_record);
  zone_.addTxt(kName, ed_->txt_record);
  auto v = check();
  EXPECT_EQ(v.status, KeyValidationStatus::kProblem);
  EXPECT_TRUE(v.has("several_records"));
  EXPECT_FALSE(v.has("different_key"));  // the matching one is examined
  EXPECT_EQ(v.records.size(), 2u);
  EXPECT_EQ(v.record, ed_->txt_record);
}

TEST_F(DkimValidation, SyntaxErrorQuotesTheParser) {
  zone_.addTxt(kName, "v=DKIM1; k=ed25519");
  auto v = check();
  EXPECT_EQ(v.status, KeyValidationStatus::kProblem);
  ASSERT_TRUE(v.has("syntax"));
  EXPECT_NE(v.findings[0].message.find("no p= tag"), std::string::npos);
}

TEST_F(DkimValidation, UnrelatedTxtRecordIsNotADkimRecord) {
  zone_.addTxt(kName, "google-site-verification=abc");
  auto v = check();
  EXPECT_EQ(v.status, KeyValidationStatus::kProblem);
  EXPECT_TRUE(v.has("no_dkim_record"));
}

TEST_F(DkimValidation, DifferentKeyIsAProblem) {
  zone_.addTxt(kName, other_ed_->txt_record);
  auto v = check();
  EXPECT_EQ(v.status, KeyValidationStatus::kProblem);
  EXPECT_TRUE(v.has("different_key"));
  // Without an expected key, the same record is fine.
  EXPECT_EQ(check(nullptr).status, KeyValidationStatus::kOk);
}

TEST_F(DkimValidation, TestingFlagIsAWarning) {
  zone_.addTxt(kName, ed_->txt_record + "; t=y");
  auto v = check();
  EXPECT_EQ(v.status, KeyValidationStatus::kOk);
  ASSERT_TRUE(v.has("testing"));
  EXPECT_EQ(v.findings[0].severity, FindingSeverity::kWarning);
}

TEST_F(DkimValidation, Rsa1024IsAWarningAndRsa512AFailure) {
  zone_.addTxt(kName, vector("dkimpy/test.txt"));
  auto v1024 = check(nullptr);
  EXPECT_EQ(v1024.status, KeyValidationStatus::kOk);
  ASSERT_TRUE(v1024.has("key_too_short"));
  EXPECT_EQ(v1024.findings[0].severity, FindingSeverity::kWarning);

  KeyHandle weak = adoptKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{512}));
  ASSERT_NE(weak, nullptr);
  zone_.addTxt("weak._domainkey.example.test", *formatKeyRecord(*weak));
  auto v512 = validate(zone_, "weak", weak);
  EXPECT_EQ(v512.status, KeyValidationStatus::kProblem);
  ASSERT_TRUE(v512.has("key_too_short"));
  EXPECT_EQ(v512.findings[0].severity, FindingSeverity::kError);
  EXPECT_NE(v512.findings[0].message.find("512 bits"), std::string::npos);
}

TEST_F(DkimValidation, RevokedKeyIsAProblem) {
  zone_.addTxt(kName, "v=DKIM1; k=ed25519; p=");
  auto v = check();
  EXPECT_EQ(v.status, KeyValidationStatus::kProblem);
  EXPECT_TRUE(v.has("revoked"));
}

TEST_F(DkimValidation, WrongKeyTypeIsAProblem) {
  zone_.addTxt(kName, vector("dkimpy/test.txt"));
  auto rsa_for_ed = check();
  EXPECT_EQ(rsa_for_ed.status, KeyValidationStatus::kProblem);
  EXPECT_TRUE(rsa_for_ed.has("wrong_key_type"));
  EXPECT_FALSE(rsa_for_ed.has("different_key"));

  zone_.addTxt("badk._domainkey.example.test", vector("dkimpy/badk.txt"));
  auto unknown = validate(zone_, "badk", nullptr);
  EXPECT_TRUE(unknown.has("wrong_key_type"));
}

TEST_F(DkimValidation, HashAndServiceRestrictionsThatExcludeSigning) {
  zone_.addTxt(kName, "v=DKIM1; h=sha1; s=tlsrpt; " + ed_->txt_record.substr(9));
  auto v = check();
  EXPECT_EQ(v.status, KeyValidationStatus::kProblem);
  EXPECT_TRUE(v.has("hash_excluded"));
  EXPECT_TRUE(v.has("service_excluded"));
}

// The same checks through c-ares against Knot, with the records as a zone file publishes them.
class DkimValidationWithKnot : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new KeyMaterial(*generateKey(KeyAlgorithm::kRsaSha256));
    ed_ = new KeyMaterial(*generateKey(KeyAlgorithm::kEd25519Sha256));
    other_ = new KeyMaterial(*generateKey(KeyAlgorithm::kEd25519Sha256));
    std::string zone = R"($ORIGIN example.test.
$TTL 300
@        SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 120
@        NS  ns
ns       A   127.0.0.1
)";
    auto line = [&zone](const std::string& name, const std::string& record) {
      zone += name + "._domainkey 600 TXT " + zoneFileTxt(record) + "\n";
    };
    line("good", rsa_->txt_record);
    line("ed", ed_->txt_record);
    line("testing", ed_->txt_record + "; t=y");
    line("short", vector("dkimpy/test.txt"));
    line("other", other_->txt_record);
    line("two", ed_->txt_record);
    line("two", other_->txt_record);
    zone += "alias._domainkey 60 CNAME ed._domainkey\n";
    zone += "notxt._domainkey A 192.0.2.1\n";
    knot_ = new testing::KnotZoneServer("example.test", zone, "good._domainkey.example.test");
  }
  static void TearDownTestSuite() {
    delete knot_;
    delete rsa_;
    delete ed_;
    delete other_;
  }

  KeyValidation check(const std::string& selector, const KeyHandle& expected) {
    const std::string domain = kDomain;
    const dns::CaresOptions options{.servers = knot_->servers(),
                                    .timeout = std::chrono::milliseconds(1000)};
    return test::runAsync([&](auto executor) -> asio::awaitable<KeyValidation> {
      auto resolver = dns::CaresResolver::create(executor, options);
      EXPECT_TRUE(resolver.ok());
      co_return co_await validateKeyRecord(**resolver, domain, selector, expected);
    });
  }

  static KeyMaterial* rsa_;
  static KeyMaterial* ed_;
  static KeyMaterial* other_;
  static testing::KnotZoneServer* knot_;
};

KeyMaterial* DkimValidationWithKnot::rsa_ = nullptr;
KeyMaterial* DkimValidationWithKnot::ed_ = nullptr;
KeyMaterial* DkimValidationWithKnot::other_ = nullptr;
testing::KnotZoneServer* DkimValidationWithKnot::knot_ = nullptr;

TEST_F(DkimValidationWithKnot, Rsa2048RecordSplitIntoStringsIsJoinedAndMatches) {
  auto v = check("good", rsa_->public_key);
  EXPECT_EQ(v.status, KeyValidationStatus::kOk);
  EXPECT_TRUE(v.findings.empty()) << v.findings[0].message;
  EXPECT_EQ(v.record, rsa_->txt_record);
  EXPECT_EQ(v.ttl, seconds(600));
}

TEST_F(DkimValidationWithKnot, TestingFlagIsReported) {
  auto v = check("testing", ed_->public_key);
  EXPECT_EQ(v.status, KeyValidationStatus::kOk);
  EXPECT_TRUE(v.has("testing"));
}

TEST_F(DkimValidationWithKnot, ShortKeyIsReported) {
  auto v = check("short", nullptr);
  EXPECT_TRUE(v.has("key_too_short"));
}

TEST_F(DkimValidationWithKnot, DifferentKeyIsReported) {
  auto v = check("other", ed_->public_key);
  EXPECT_EQ(v.status, KeyValidationStatus::kProblem);
  EXPECT_TRUE(v.has("different_key"));
}

TEST_F(DkimValidationWithKnot, TwoRecordsAreReported) {
  auto v = check("two", ed_->public_key);
  EXPECT_EQ(v.status, KeyValidationStatus::kProblem);
  EXPECT_TRUE(v.has("several_records"));
  EXPECT_EQ(v.records.size(), 2u);
}

TEST_F(DkimValidationWithKnot, CnameToAGoodRecordIsFollowed) {
  auto v = check("alias", ed_->public_key);
  EXPECT_EQ(v.status, KeyValidationStatus::kOk);
  EXPECT_TRUE(v.findings.empty()) << v.findings[0].message;
  EXPECT_EQ(v.record, ed_->txt_record);
  // The answer lasts no longer than the CNAME.
  EXPECT_EQ(v.ttl, seconds(60));
}

TEST_F(DkimValidationWithKnot, NameWithoutTxtAndMissingNameAreTold) {
  EXPECT_TRUE(check("notxt", ed_->public_key).has("no_txt"));
  EXPECT_TRUE(check("nothere", ed_->public_key).has("nxdomain"));
}

}  // namespace
}  // namespace outpost::mailauth::dkim
