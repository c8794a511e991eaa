#include "delivery/outcome.h"

#include <gtest/gtest.h>

namespace outpost::delivery {
namespace {

using store::DeliveryStatus;
using store::ProcessingStatus;

smtp::Reply reply(int code, std::string enhanced, std::string text) {
  smtp::Reply result;
  result.code = code;
  result.enhanced_code = std::move(enhanced);
  result.lines = {std::move(text)};
  return result;
}

class OutcomeTest : public ::testing::Test {
 protected:
  OutcomeTest() {
    for (const char* address : {"ann@example.org", "bob@example.org"}) {
      store::DueRecipient recipient;
      recipient.recipient_id = static_cast<std::int64_t>(recipients_.size()) + 1;
      recipient.message_id = "m1";
      recipient.address = address;
      recipient.created_at = 1'000'000;
      recipients_.push_back(recipient);
    }
    session_.host = "relay.example.net";
    session_.port = 587;
    session_.ip = "127.0.0.1";
    session_.tls_version = "TLSv1.3";
    session_.tls_cipher = "TLS_AES_256_GCM_SHA384";
    context_.node = "node-a";
    context_.server_name = "relay.example.net";
    context_.port = 587;
    context_.started_at = 2'000'000;
    context_.now = 2'000'500;
    context_.config = &config_;
  }

  DeliveryConfig config_;
  std::vector<store::DueRecipient> recipients_;
  smtp::SessionInfo session_;
  AttemptContext context_;
};

TEST_F(OutcomeTest, AcceptedDataMakesEveryAcceptedRecipientProcessedWithTheQueueId) {
  smtp::TransactionOutcome outcome;
  outcome.mail_reply = reply(250, "2.1.0", "Ok");
  outcome.recipient_replies = {{"ann@example.org", reply(250, "2.1.5", "Ok")},
                               {"bob@example.org", reply(250, "2.1.5", "Ok")}};
  outcome.data_reply = reply(250, "2.0.0", "Ok: queued as 4XyZ12");
  outcome.remote_queue_id = "4XyZ12";
  const auto updates = classifyTransaction(recipients_, session_, outcome, "C: MAIL", context_);
  ASSERT_EQ(updates.size(), 2u);
  for (const auto& update : updates) {
    EXPECT_EQ(update.processing, ProcessingStatus::kProcessed);
    EXPECT_EQ(update.delivery, DeliveryStatus::kUnknown);  // awaiting a report from the relay
    EXPECT_EQ(update.attempt.code, 250);
    EXPECT_EQ(update.attempt.remote_queue_id, "4XyZ12");
    EXPECT_EQ(update.attempt.server, "relay.example.net");
    EXPECT_EQ(update.attempt.tls_version, "TLSv1.3");
    EXPECT_EQ(update.attempt.duration_ms, 500);
    EXPECT_EQ(update.lease_owner, "node-a");
    EXPECT_FALSE(update.next_attempt_at.has_value());
    // Said as a success, not as the reply-code table's "unspecified status".
    EXPECT_NE(update.attempt.description.find("The relay accepted the message"), std::string::npos);
    EXPECT_EQ(update.attempt.hint, "Nothing to do.");
  }
}

TEST_F(OutcomeTest, RecipientRepliesDecideEachRecipientSeparately) {
  smtp::TransactionOutcome outcome;
  outcome.mail_reply = reply(250, "2.1.0", "Ok");
  outcome.recipient_replies = {{"ann@example.org", reply(550, "5.1.1", "No such user")},
                               {"bob@example.org", reply(451, "4.3.0", "Try later")}};
  const auto updates = classifyTransaction(recipients_, session_, outcome, "", context_);
  EXPECT_EQ(updates[0].processing, ProcessingStatus::kFailure);
  EXPECT_EQ(updates[0].delivery, DeliveryStatus::kFailed);
  EXPECT_EQ(updates[0].attempt.enhanced_code, "5.1.1");
  EXPECT_FALSE(updates[0].attempt.description.empty());
  EXPECT_EQ(updates[1].processing, ProcessingStatus::kQueued);
  ASSERT_TRUE(updates[1].next_attempt_at.has_value());
  EXPECT_GT(*updates[1].next_attempt_at, context_.now);
}

TEST_F(OutcomeTest, ConnectionLostAfterTheFinalDotIsDeferredNotLost) {
  smtp::TransactionOutcome outcome;
  outcome.mail_reply = reply(250, "2.1.0", "Ok");
  outcome.recipient_replies = {{"ann@example.org", reply(250, "2.1.5", "Ok")},
                               {"bob@example.org", reply(250, "2.1.5", "Ok")}};
  outcome.session_error = smtp::SessionError{
      "data", Error::temporaryFailure("smtp.connection_lost_after_data", "connection closed"), {}};
  const auto updates = classifyTransaction(recipients_, session_, outcome, "", context_);
  for (const auto& update : updates) {
    EXPECT_EQ(update.processing, ProcessingStatus::kQueued);
    EXPECT_EQ(update.attempt.code, 0);
    EXPECT_NE(update.attempt.text.find("connection closed"), std::string::npos);
  }
}

TEST_F(OutcomeTest, PermanentMailFromRejectionFailsEveryRecipient) {
  smtp::TransactionOutcome outcome;
  outcome.mail_reply = reply(553, "5.7.1", "Sender address rejected: not owned by user");
  const auto updates = classifyTransaction(recipients_, session_, outcome, "", context_);
  for (const auto& update : updates) {
    EXPECT_EQ(update.processing, ProcessingStatus::kFailure);
    EXPECT_EQ(update.attempt.code, 553);
  }
}

TEST_F(OutcomeTest, SessionFailuresAreDeferredEvenWhenPermanent) {
  const smtp::SessionError failure{"auth",
                                   Error::permanentFailure("smtp.auth", "authentication failed"),
                                   reply(535, "5.7.8", "Authentication credentials invalid")};
  const auto updates = classifySessionFailure(recipients_, failure, nullptr, "", context_);
  for (const auto& update : updates) {
    EXPECT_EQ(update.processing, ProcessingStatus::kQueued);
    EXPECT_EQ(update.attempt.code, 535);
    EXPECT_NE(update.attempt.text.find("at auth"), std::string::npos);
    EXPECT_EQ(update.attempt.server, "relay.example.net");
  }
}

TEST_F(OutcomeTest, TemporaryFailureAfterTheLifetimeBecomesFailureAndSaysSo) {
  context_.now = recipients_[0].created_at + 6LL * 24 * 3600 * 1000;
  smtp::TransactionOutcome outcome;
  outcome.mail_reply = reply(421, "4.7.0", "Too many connections");
  const auto updates = classifyTransaction(recipients_, session_, outcome, "", context_);
  EXPECT_EQ(updates[0].processing, ProcessingStatus::kFailure);
  EXPECT_EQ(updates[0].delivery, DeliveryStatus::kFailed);
  EXPECT_NE(updates[0].attempt.description.find("Retries exhausted"), std::string::npos);
}

TEST_F(OutcomeTest, JobsEndedBeforeASessionAreDeferredOrFailedAsTold) {
  const auto deferred = failWithoutSession(recipients_, "delivery.no_relay",
                                           "no SMTP relay is configured", true, context_);
  ASSERT_EQ(deferred.size(), 2u);
  for (const auto& update : deferred) {
    EXPECT_EQ(update.processing, ProcessingStatus::kQueued);
    EXPECT_TRUE(update.next_attempt_at.has_value());
    EXPECT_EQ(update.attempt.text, "no SMTP relay is configured");
    EXPECT_FALSE(update.attempt.description.empty());
  }
  const auto failed =
      failWithoutSession(recipients_, "delivery.route", "unknown route \"x\"", false, context_);
  for (const auto& update : failed) {
    EXPECT_EQ(update.processing, ProcessingStatus::kFailure);
    EXPECT_EQ(update.delivery, DeliveryStatus::kFailed);
  }
}

TEST_F(OutcomeTest, TheRecipientsOwnMxAcceptingMeansDelivered) {
  context_.direct = true;
  smtp::TransactionOutcome outcome;
  outcome.mail_reply = reply(250, "2.1.0", "Ok");
  outcome.recipient_replies = {{"ann@example.org", reply(250, "2.1.5", "Ok")},
                               {"bob@example.org", reply(550, "5.1.1", "No such user")}};
  outcome.data_reply = reply(250, "2.0.0", "Ok: queued as 77");
  const auto updates = classifyTransaction(recipients_, session_, outcome, "", context_);
  EXPECT_EQ(updates[0].processing, ProcessingStatus::kProcessed);
  EXPECT_EQ(updates[0].delivery, DeliveryStatus::kDelivered);
  EXPECT_EQ(updates[1].processing, ProcessingStatus::kFailure);
  EXPECT_EQ(updates[1].delivery, DeliveryStatus::kFailed);
}

TEST_F(OutcomeTest, AnMxHostRefusingTheSessionWith5xxIsFinalButATimeoutIsNot) {
  context_.direct = true;
  const smtp::SessionError refused{"greeting", Error::permanentFailure("smtp.reply", "refused"),
                                   reply(554, "5.7.1", "No SMTP service here")};
  const auto final_updates = classifySessionFailure(recipients_, refused, &session_, "", context_);
  EXPECT_EQ(final_updates[0].processing, ProcessingStatus::kFailure);
  EXPECT_EQ(final_updates[0].attempt.ip, "127.0.0.1");

  const smtp::SessionError silent{
      "connect", Error::temporaryFailure("smtp.timeout", "no connection"), std::nullopt};
  const auto deferred = classifySessionFailure(recipients_, silent, &session_, "", context_);
  EXPECT_EQ(deferred[0].processing, ProcessingStatus::kQueued);
  // The advice speaks of the recipient's server, not of "the SMTP settings".
  EXPECT_NE(deferred[0].attempt.description.find("recipient's mail server"), std::string::npos);
}

}  // namespace
}  // namespace outpost::delivery
