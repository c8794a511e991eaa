// What a bounce does to the recipient its VERP address names: which report recipient speaks
// about it, and the delivery status, event and suppression that follow.
#include "inbound/bounce_service.h"

#include <gtest/gtest.h>

namespace outpost::inbound {
namespace {

bounce::BouncedRecipient failed(std::string address, std::string reason, bool hard) {
  bounce::BouncedRecipient recipient;
  recipient.recipient = std::move(address);
  recipient.action = "failed";
  recipient.status = "5.1.1";
  recipient.reason = std::move(reason);
  recipient.hard_bounce = hard;
  recipient.diagnostic_code = "smtp; 550 5.1.1 <x@example.org>: Recipient address rejected";
  recipient.remote_mta = "dns; mx.example.org";
  return recipient;
}

store::RecipientRef target(std::string address) {
  store::RecipientRef ref;
  ref.recipient_id = 7;
  ref.message_id = "01abc";
  ref.address = std::move(address);
  ref.processing = store::ProcessingStatus::kProcessed;
  return ref;
}

TEST(BounceMatching, FindsTheRecipientByFinalOrOriginalRecipientWithoutCase) {
  bounce::BounceReport report;
  report.is_bounce = true;
  report.recipients = {failed("a@example.org", "userunknown", true),
                       failed("rfc822;B@Example.org", "mailboxfull", false)};
  report.recipients[1].original_recipient = "rfc822;c@example.org";
  EXPECT_EQ(matchRecipient(report, "A@EXAMPLE.ORG"), &report.recipients[0]);
  EXPECT_EQ(matchRecipient(report, "b@example.org"), &report.recipients[1]);
  EXPECT_EQ(matchRecipient(report, "c@example.org"), &report.recipients[1]);
  EXPECT_EQ(matchRecipient(report, "d@example.org"), nullptr);
}

TEST(BounceMatching, ASingleRecipientReportIsAboutTheTokensRecipientEvenWhenForwarded) {
  bounce::BounceReport report;
  report.is_bounce = true;
  report.recipients = {failed("forwarded@elsewhere.example", "userunknown", true)};
  EXPECT_EQ(matchRecipient(report, "a@example.org"), &report.recipients[0]);
}

TEST(BounceEffect, AHardBounceFailsTheRecipientAndSuppressesTheAddress) {
  bounce::BounceReport report;
  report.is_bounce = true;
  report.kind = "dsn";
  report.recipients = {failed("A@example.org", "userunknown", true)};
  const auto effect = effectOf(report, &report.recipients[0], target("A@example.org"), true, 42);
  EXPECT_EQ(effect.delivery, store::DeliveryStatus::kFailed);
  EXPECT_EQ(effect.event_type, "bounced");
  EXPECT_NE(effect.event_detail.find("hard bounce: userunknown (5.1.1)"), std::string::npos);
  ASSERT_TRUE(effect.suppress);
  EXPECT_EQ(effect.suppress->address, "a@example.org");
  EXPECT_EQ(effect.suppress->source, "bounce");
  EXPECT_EQ(effect.suppress->message_id, "01abc");
  EXPECT_EQ(effect.suppress->created_at, 42);
  // Policy off: failed, but not suppressed.
  EXPECT_FALSE(
      effectOf(report, &report.recipients[0], target("a@example.org"), false, 42).suppress);
}

TEST(BounceEffect, ASoftBounceFailsWithoutSuppressing) {
  bounce::BounceReport report;
  report.is_bounce = true;
  report.recipients = {failed("a@example.org", "mailboxfull", false)};
  const auto effect = effectOf(report, &report.recipients[0], target("a@example.org"), true, 1);
  EXPECT_EQ(effect.delivery, store::DeliveryStatus::kFailed);
  EXPECT_FALSE(effect.suppress);
}

TEST(BounceEffect, SuccessDelayRelayedAndAutoRepliesMapToTheStatusModel) {
  bounce::BounceReport report;
  report.is_bounce = true;
  bounce::BouncedRecipient recipient;
  recipient.recipient = "a@example.org";

  recipient.action = "delivered";
  recipient.reason = "delivered";
  auto effect = effectOf(report, &recipient, target("a@example.org"), true, 1);
  EXPECT_EQ(effect.delivery, store::DeliveryStatus::kDelivered);
  EXPECT_EQ(effect.event_type, "delivered");

  recipient.action = "delayed";
  recipient.reason = "expired";
  effect = effectOf(report, &recipient, target("a@example.org"), true, 1);
  EXPECT_EQ(effect.delivery, store::DeliveryStatus::kUnknown);
  EXPECT_EQ(effect.event_type, "delayed");

  recipient.action = "relayed";
  recipient.reason = "";
  effect = effectOf(report, &recipient, target("a@example.org"), true, 1);
  EXPECT_EQ(effect.delivery, store::DeliveryStatus::kUnknown);
  EXPECT_EQ(effect.event_type, "relayed");

  recipient.action = "";
  recipient.reason = "vacation";
  effect = effectOf(report, &recipient, target("a@example.org"), true, 1);
  EXPECT_EQ(effect.delivery, store::DeliveryStatus::kUnknown);
  EXPECT_EQ(effect.event_type, "report");
  EXPECT_FALSE(effect.suppress);
}

TEST(BounceEffect, MailThatIsNoBounceIsRecordedAsAnEventOnly) {
  bounce::BounceReport report;  // is_bounce false
  const auto effect = effectOf(report, nullptr, target("a@example.org"), true, 1);
  EXPECT_EQ(effect.delivery, store::DeliveryStatus::kUnknown);
  EXPECT_EQ(effect.event_type, "report");
  EXPECT_NE(effect.event_detail.find("not a bounce"), std::string::npos);
}

}  // namespace
}  // namespace outpost::inbound
