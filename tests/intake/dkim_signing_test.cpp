// DKIM signing at intake: the stored message is the signed one, signed by the From domain's
// active keys (both algorithms), or the fallback domain's, or not at all; verified with outpost's
// own verifier against the records the keys publish.
#include "intake/dkim_signing.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/text.h"
#include "delivery/dkim_keys.h"
#include "intake/intake.h"
#include "mailauth/dkim/header_selection.h"
#include "mailauth/dkim/verifier.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace outpost::intake {
namespace {

namespace dkim = mailauth::dkim;

class SteppingClock final : public Clock {
 public:
  UnixMillis now() const override { return now_; }
  UnixMillis now_ = 1'796'000'000'000;  // 2026-11
};

class DkimSigningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::openSqliteStore(store::SqliteOptions{dir_.path() + "/outpost.db"});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    keys_.emplace(*store_, secrets_, clock_);
    config_.hostname = "outpost.test";
  }

  // Makes the signing and the intake with the current config_.dkim.
  void startIntake() {
    auto options = signOptionsFromConfig(config_.dkim);
    ASSERT_TRUE(options.ok()) << options.error().message;
    signing_.emplace(
        [this](const std::string& domain, const dkim::SignOptions& sign_options) {
          ++loads_;
          if (source_fails_) {
            return Result<std::vector<dkim::Signer>>(
                Error::temporaryFailure("store.busy", "database is locked"));
          }
          return keys_->activeSigners(domain, sign_options);
        },
        std::move(*options), config_.dkim);
    intake_.emplace(
        *store_, config_, clock_, [] {}, &*signing_);
  }

  store::DkimKey addKey(const std::string& domain, const std::string& selector,
                        dkim::KeyAlgorithm algorithm, bool activate) {
    delivery::NewDkimKey request;
    request.domain = domain;
    request.selector = selector;
    request.algorithm = algorithm;
    request.activate = activate;
    auto added = keys_->add(request);
    EXPECT_TRUE(added.ok()) << added.error().message;
    records_.emplace_back(selector + "._domainkey." + domain, added->public_record);
    return *added;
  }

  // Submits a raw message and returns what the store keeps.
  std::string submitRaw(const std::string& message, const std::string& mail_from) {
    Submitter submitter;
    submitter.user_id = 1;
    submitter.api_key_name = "tests";
    std::vector<mime::FieldError> errors;
    auto accepted =
        intake_->submitRaw(mail_from, {"someone@example.net"}, message, submitter, {}, errors);
    EXPECT_TRUE(accepted.ok()) << accepted.error().message;
    if (!accepted) return {};
    auto raw = store_->loadRaw(accepted->id);
    EXPECT_TRUE(raw.ok());
    return raw ? *raw : std::string();
  }

  dkim::VerificationReport verify(const std::string& message) {
    dkim::VerifyOptions options;
    options.now_seconds = static_cast<std::uint64_t>(clock_.now_ / 1000);
    return dkim::verifyMessageWithKeys(message, records_, options);
  }

  static std::vector<std::string> signatureFields(const std::string& message) {
    std::vector<std::string> fields;
    auto split = dkim::splitMessage(message);
    if (!split) return fields;
    for (const auto& field : split->fields) {
      if (equalsIgnoreCase(field.name, "DKIM-Signature")) fields.emplace_back(field.raw);
    }
    return fields;
  }

  test::TempDir dir_{"outpost-intake-dkim"};
  std::unique_ptr<store::Store> store_;
  SecretBox secrets_{std::string(32, 'm')};
  SteppingClock clock_;
  Config config_;
  std::optional<delivery::DkimKeyRepository> keys_;
  std::optional<DkimSigning> signing_;
  std::optional<Intake> intake_;
  std::vector<std::pair<std::string, std::string>> records_;
  int loads_ = 0;
  bool source_fails_ = false;
};

const std::string kMessage =
    "From: Billing <billing@example.com>\r\n"
    "To: someone@example.net\r\n"
    "Subject: Invoice 42\r\n"
    "\r\n"
    "Your invoice is attached.\r\n";

TEST_F(DkimSigningTest, ADomainWithBothKeysGetsTwoSignaturesThatVerify) {
  addKey("example.com", "rsa1", dkim::KeyAlgorithm::kRsaSha256, true);
  addKey("example.com", "ed1", dkim::KeyAlgorithm::kEd25519Sha256, true);
  startIntake();

  const std::string stored = submitRaw(kMessage, "bounce@example.com");
  const auto fields = signatureFields(stored);
  ASSERT_EQ(fields.size(), 2U) << stored;
  const auto report = verify(stored);
  ASSERT_EQ(report.signatures.size(), 2U);
  for (const auto& verdict : report.signatures) {
    EXPECT_EQ(verdict.result, dkim::VerifyResult::kPass) << verdict.reason;
    ASSERT_TRUE(verdict.signature.has_value());
    EXPECT_EQ(verdict.signature->domain, "example.com");
    EXPECT_EQ(verdict.signature->header_canonicalization, dkim::Canonicalization::kRelaxed);
    EXPECT_EQ(verdict.signature->body_canonicalization, dkim::Canonicalization::kRelaxed);
    EXPECT_EQ(verdict.signature->timestamp, clock_.now_ / 1000);
    EXPECT_FALSE(verdict.signature->expiration.has_value());
    EXPECT_FALSE(verdict.signature->body_length.has_value());
  }
  // The message as submitted follows the signatures unchanged.
  EXPECT_TRUE(stored.ends_with("Subject: Invoice 42\r\n\r\nYour invoice is attached.\r\n"));
}

TEST_F(DkimSigningTest, TheFromDomainSignsNotTheEnvelopeSender) {
  addKey("example.com", "rsa1", dkim::KeyAlgorithm::kRsaSha256, true);
  addKey("bounces.example.org", "rsa1", dkim::KeyAlgorithm::kRsaSha256, true);
  startIntake();
  const auto report = verify(submitRaw(kMessage, "x@bounces.example.org"));
  ASSERT_EQ(report.signatures.size(), 1U);
  EXPECT_EQ(report.signatures[0].signature->domain, "example.com");
}

TEST_F(DkimSigningTest, WithoutAnActiveKeyTheFallbackDomainSigns) {
  addKey("mail.example.org", "fb", dkim::KeyAlgorithm::kEd25519Sha256, true);
  addKey("example.com", "waiting", dkim::KeyAlgorithm::kRsaSha256, false);  // pending
  config_.dkim.fallback_domain = "mail.example.org";
  startIntake();
  const auto report = verify(submitRaw(kMessage, "billing@example.com"));
  ASSERT_EQ(report.signatures.size(), 1U);
  EXPECT_EQ(report.signatures[0].result, dkim::VerifyResult::kPass) << report.signatures[0].reason;
  EXPECT_EQ(report.signatures[0].signature->domain, "mail.example.org");
  EXPECT_EQ(report.signatures[0].signature->selector, "fb");
}

TEST_F(DkimSigningTest, WithoutAnyKeyTheMessageIsStoredAsSubmitted) {
  addKey("example.com", "waiting", dkim::KeyAlgorithm::kRsaSha256, false);  // pending
  startIntake();
  const std::string stored = submitRaw(kMessage, "billing@example.com");
  EXPECT_TRUE(signatureFields(stored).empty()) << stored;
  EXPECT_TRUE(stored.ends_with(kMessage));
}

TEST_F(DkimSigningTest, ComposedMessagesAreSignedToo) {
  addKey("example.com", "rsa1", dkim::KeyAlgorithm::kRsaSha256, true);
  startIntake();
  mime::ComposeRequest request;
  request.from = {"Billing", "billing@example.com"};
  request.to = {{"", "someone@example.net"}};
  request.subject = "Grüße";
  request.text = "Hello\n\nthere  \n";
  request.html = "<p>Hello</p>";
  Submitter submitter;
  submitter.user_id = 1;
  std::vector<mime::FieldError> errors;
  auto accepted = intake_->submit(request, submitter, {}, errors);
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  auto stored = store_->loadRaw(accepted->id);
  ASSERT_TRUE(stored.ok());
  const auto report = verify(*stored);
  ASSERT_EQ(report.signatures.size(), 1U);
  EXPECT_EQ(report.result, dkim::VerifyResult::kPass) << report.signatures[0].reason;
  // Every header outpost composes is signed, and From, Subject, To, Date once more.
  const auto& headers = report.signatures[0].signature->signed_headers;
  for (const char* name :
       {"from", "to", "subject", "date", "message-id", "mime-version", "content-type"}) {
    EXPECT_NE(std::find(headers.begin(), headers.end(), name), headers.end()) << name;
  }
  EXPECT_EQ(std::count(headers.begin(), headers.end(), "from"), 2);
  EXPECT_EQ(std::count(headers.begin(), headers.end(), "subject"), 2);
}

TEST_F(DkimSigningTest, CanonicalizationAndExpiryFollowTheConfiguration) {
  addKey("example.com", "rsa1", dkim::KeyAlgorithm::kRsaSha256, true);
  config_.dkim.canonicalization = "simple/simple";
  config_.dkim.expire_after = std::chrono::hours(24 * 7);
  startIntake();
  const auto report = verify(submitRaw(kMessage, "billing@example.com"));
  ASSERT_EQ(report.signatures.size(), 1U);
  EXPECT_EQ(report.signatures[0].result, dkim::VerifyResult::kPass) << report.signatures[0].reason;
  const auto& signature = *report.signatures[0].signature;
  EXPECT_EQ(signature.header_canonicalization, dkim::Canonicalization::kSimple);
  EXPECT_EQ(signature.body_canonicalization, dkim::Canonicalization::kSimple);
  ASSERT_TRUE(signature.expiration.has_value());
  EXPECT_EQ(*signature.expiration, *signature.timestamp + 7 * 24 * 3600);
}

TEST_F(DkimSigningTest, AnUnknownCanonicalizationIsRefused) {
  DkimConfig config;
  config.canonicalization = "relaxed/loose";
  auto options = signOptionsFromConfig(config);
  ASSERT_FALSE(options.ok());
  EXPECT_NE(options.error().message.find("relaxed/loose"), std::string::npos);
}

TEST_F(DkimSigningTest, KeysAreReadOncePerCacheLifetimeAndAfterInvalidation) {
  startIntake();
  EXPECT_TRUE(signatureFields(submitRaw(kMessage, "billing@example.com")).empty());
  EXPECT_EQ(loads_, 1);
  // Activated by another process (the CLI): seen once the cached answer is older than the TTL.
  addKey("example.com", "rsa1", dkim::KeyAlgorithm::kRsaSha256, true);
  EXPECT_TRUE(signatureFields(submitRaw(kMessage, "billing@example.com")).empty());
  EXPECT_EQ(loads_, 1);
  clock_.now_ +=
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.dkim.key_cache_ttl).count();
  EXPECT_EQ(signatureFields(submitRaw(kMessage, "billing@example.com")).size(), 1U);
  EXPECT_EQ(loads_, 2);
  // Changed in this process: the API invalidates, and the next message sees it at once.
  addKey("example.com", "ed1", dkim::KeyAlgorithm::kEd25519Sha256, true);
  signing_->invalidate();
  EXPECT_EQ(signatureFields(submitRaw(kMessage, "billing@example.com")).size(), 2U);
  EXPECT_EQ(loads_, 3);
}

TEST_F(DkimSigningTest, KeysThatCannotBeLoadedRefuseTheMessageTemporarily) {
  startIntake();
  source_fails_ = true;
  Submitter submitter;
  submitter.user_id = 1;
  std::vector<mime::FieldError> errors;
  auto accepted = intake_->submitRaw("billing@example.com", {"someone@example.net"}, kMessage,
                                     submitter, {}, errors);
  ASSERT_FALSE(accepted.ok());
  EXPECT_EQ(accepted.error().code, kSigningUnavailable);
  EXPECT_TRUE(accepted.error().temporary);
  EXPECT_NE(accepted.error().message.find("database is locked"), std::string::npos);
  auto page = store_->listMessages(store::ListQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());  // nothing stored
}

}  // namespace
}  // namespace outpost::intake
