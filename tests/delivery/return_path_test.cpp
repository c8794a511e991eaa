// The envelope each transaction sends: VERP return path and DSN request once bounce processing
// is on; the submitter's own MAIL FROM and DSN parameters before.
#include "delivery/return_path.h"

#include <gtest/gtest.h>

namespace outpost::delivery {
namespace {

store::DueRecipient recipient(std::int64_t id, std::string address) {
  store::DueRecipient due;
  due.recipient_id = id;
  due.message_id = "01message";
  due.address = std::move(address);
  due.mail_from = "app@example.com";
  return due;
}

TEST(ReturnPath, WithoutAReturnDomainUsesTheSubmittersMailFromAndNoDsn) {
  const ReturnPath plain;
  EXPECT_FALSE(plain.perRecipient());
  const auto envelope =
      plain.envelopeFor({recipient(1, "a@example.org"), recipient(2, "b@example.org")}, 123);
  EXPECT_EQ(envelope.mail_from, "app@example.com");
  EXPECT_EQ(envelope.recipients, (std::vector<std::string>{"a@example.org", "b@example.org"}));
  EXPECT_EQ(envelope.size_hint, 123U);
  EXPECT_FALSE(envelope.dsn);
}

TEST(ReturnPath, WithoutAReturnDomainPassesOnOnlyWhatTheSubmitterAsked) {
  auto first = recipient(1, "a@example.org");
  first.notify = "NEVER";
  first.dsn_envid = "env-1";
  auto second = recipient(2, "b@example.org");
  const auto envelope = ReturnPath().envelopeFor({first, second}, 10);
  ASSERT_TRUE(envelope.dsn);
  EXPECT_EQ(envelope.dsn->notify, "");  // nothing for the recipient that asked nothing
  EXPECT_EQ(envelope.dsn->notify_for, (std::vector<std::string>{"NEVER", ""}));
  EXPECT_EQ(envelope.dsn->ret, "");
  EXPECT_EQ(envelope.dsn->envelope_id, "env-1");
  EXPECT_FALSE(envelope.dsn->original_recipient);
}

TEST(ReturnPath, WithAReturnDomainSendsAVerpAddressAndRequestsDsns) {
  const bounce::VerpCodec codec(std::string(32, 'k'), "bounces.example.com");
  const ReturnPath verp(codec);
  EXPECT_TRUE(verp.perRecipient());
  auto due = recipient(42, "a@example.org");
  due.orcpt = "rfc822;Alias@example.org";
  const auto envelope = verp.envelopeFor({due}, 10);
  EXPECT_EQ(codec.decode(envelope.mail_from), 42);
  ASSERT_TRUE(envelope.dsn);
  EXPECT_EQ(envelope.dsn->notify, "SUCCESS,FAILURE,DELAY");
  EXPECT_EQ(envelope.dsn->ret, "HDRS");
  EXPECT_EQ(envelope.dsn->envelope_id, "01message");  // outpost's id comes back in the report
  EXPECT_TRUE(envelope.dsn->original_recipient);
  EXPECT_EQ(envelope.dsn->orcpt_for, (std::vector<std::string>{"rfc822;Alias@example.org"}));
}

TEST(ReturnPath, ASubmittersDsnParametersWinOverTheDefaults) {
  const ReturnPath verp(bounce::VerpCodec(std::string(32, 'k'), "bounces.example.com"));
  auto due = recipient(1, "a@example.org");
  due.notify = "FAILURE";
  due.dsn_ret = "FULL";
  due.dsn_envid = "their-id";
  const auto envelope = verp.envelopeFor({due}, 10);
  ASSERT_TRUE(envelope.dsn);
  EXPECT_EQ(envelope.dsn->notify_for, (std::vector<std::string>{"FAILURE"}));
  EXPECT_EQ(envelope.dsn->ret, "FULL");
  EXPECT_EQ(envelope.dsn->envelope_id, "their-id");
}

}  // namespace
}  // namespace outpost::delivery
