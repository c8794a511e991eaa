// The scheduler's side of the SQLite store: leases on due recipients, a crashed node's
// leases coming back, attempts and outcomes with the message summary of design.md's status
// model, stale outcomes ignored, and leases released at shutdown.
#include <gtest/gtest.h>

#include "store_test_support.h"

namespace outpost::store {
namespace {

using testing::insert;
using testing::listAll;
using testing::makeMessage;
using testing::openStore;
using testing::outcome;
using testing::TempDatabase;

constexpr UnixMillis kT0 = 1'780'000'000'000;
constexpr UnixMillis kLease = 60'000;

class SqliteStoreDelivery : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = openStore(db_.path());
    ASSERT_TRUE(store_);
  }

  std::vector<DueRecipient> claim(UnixMillis now, std::string owner, int limit = 100) {
    auto due = store_->claimDue(now, owner, now + kLease, limit);
    EXPECT_TRUE(due.ok()) << (due.ok() ? "" : due.error().message);
    return due.ok() ? *due : std::vector<DueRecipient>{};
  }

  void record(std::vector<RecipientUpdate> updates) {
    auto done = store_->recordOutcomes(updates);
    ASSERT_TRUE(done.ok()) << done.error().message;
  }

  MessageDetail detail(const std::string& id) {
    auto found = store_->getMessage(id);
    EXPECT_TRUE(found.ok());
    return found.ok() ? *found : MessageDetail{};
  }

  TempDatabase db_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreDelivery, ClaimLeasesOnlyDueRecipientsOldestFirst) {
  auto later = makeMessage(kT0 + 5000, {"later@example.org"});
  auto first = makeMessage(kT0, {"a@example.org", "b@example.org"});
  insert(*store_, later);
  insert(*store_, first);

  EXPECT_TRUE(claim(kT0 - 1, "node-a").empty());
  auto due = claim(kT0 + 1000, "node-a");
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].message_id, first.id);
  EXPECT_EQ(due[0].address, "a@example.org");
  EXPECT_EQ(due[1].address, "b@example.org");
  EXPECT_EQ(due[0].attempts, 0);
  EXPECT_EQ(due[0].created_at, kT0);
  EXPECT_EQ(due[0].size_bytes, static_cast<std::int64_t>(first.raw.size()));

  auto claimed = detail(first.id);
  EXPECT_EQ(claimed.summary.processing, ProcessingStatus::kProcessing);
  for (const auto& recipient : claimed.recipients) {
    EXPECT_EQ(recipient.processing, ProcessingStatus::kProcessing);
  }
  EXPECT_EQ(detail(later.id).summary.processing, ProcessingStatus::kQueued);

  // The limit is honoured, and what is leased is not handed out twice.
  auto one = claim(kT0 + 6000, "node-a", 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].message_id, later.id);
}

TEST_F(SqliteStoreDelivery, CrashedNodesLeaseReturnsOnlyAfterItExpires) {
  auto message = makeMessage(kT0, {"a@example.org", "b@example.org"});
  insert(*store_, message);
  auto mine = claim(kT0, "node-a");
  ASSERT_EQ(mine.size(), 2u);

  // node-a dies. node-b sees nothing while the lease holds...
  EXPECT_TRUE(claim(kT0 + kLease - 1, "node-b").empty());
  EXPECT_TRUE(claim(kT0 + kLease, "node-b").empty());
  // ...and everything once it has expired.
  auto taken_over = claim(kT0 + kLease + 1, "node-b");
  ASSERT_EQ(taken_over.size(), 2u);

  // node-a comes back late with its outcomes: they are ignored, the recipients are node-b's.
  record({outcome(mine[0], "node-a", 250, ProcessingStatus::kProcessed, kT0 + kLease + 2),
          outcome(mine[1], "node-a", 550, ProcessingStatus::kFailure, kT0 + kLease + 2)});
  auto after_stale = detail(message.id);
  EXPECT_TRUE(after_stale.attempts.empty());
  EXPECT_EQ(after_stale.summary.processing, ProcessingStatus::kProcessing);

  record({outcome(taken_over[0], "node-b", 250, ProcessingStatus::kProcessed, kT0 + kLease + 3),
          outcome(taken_over[1], "node-b", 250, ProcessingStatus::kProcessed, kT0 + kLease + 3)});
  auto done = detail(message.id);
  ASSERT_EQ(done.attempts.size(), 2u);
  EXPECT_EQ(done.attempts[0].node, "node-b");
  EXPECT_EQ(done.summary.processing, ProcessingStatus::kProcessed);
  // A second outcome for the same lease is stale too: the lease ended with the first.
  record({outcome(taken_over[0], "node-b", 550, ProcessingStatus::kFailure, kT0 + kLease + 4)});
  EXPECT_EQ(detail(message.id).attempts.size(), 2u);
}

TEST_F(SqliteStoreDelivery, OneFailedRecipientMakesTheMessageAFailure) {
  auto message = makeMessage(kT0, {"ok@example.org", "gone@example.org"});
  insert(*store_, message);
  auto due = claim(kT0, "node-a");
  ASSERT_EQ(due.size(), 2u);
  auto accepted = outcome(due[0], "node-a", 250, ProcessingStatus::kProcessed, kT0 + 10);
  accepted.attempt.remote_queue_id = "4Xyz";
  auto rejected =
      outcome(due[1], "node-a", 550, ProcessingStatus::kFailure, kT0 + 20, "mx2.example.net");
  rejected.attempt.enhanced_code = "5.1.1";
  rejected.attempt.text = "550 5.1.1 No such user";
  rejected.attempt.description = "The recipient's server says the mailbox does not exist.";
  rejected.attempt.hint = "Check the address.";
  record({accepted, rejected});

  auto found = detail(message.id);
  const auto& summary = found.summary;
  EXPECT_EQ(summary.processing, ProcessingStatus::kFailure);
  EXPECT_EQ(summary.delivery, DeliveryStatus::kFailed);
  EXPECT_TRUE(summary.has_warning);
  EXPECT_EQ(summary.attempts, 2);
  EXPECT_EQ(summary.server, "mx.example.net");  // the last server that took it
  EXPECT_EQ(summary.last_error, "550 5.1.1 No such user");
  EXPECT_FALSE(summary.next_attempt_at);

  ASSERT_EQ(found.attempts.size(), 2u);
  EXPECT_EQ(found.attempts[0].number, 1);
  EXPECT_EQ(found.attempts[1].number, 2);
  EXPECT_EQ(found.attempts[0].recipient, "ok@example.org");
  EXPECT_EQ(found.attempts[0].remote_queue_id, "4Xyz");
  EXPECT_EQ(found.attempts[1].enhanced_code, "5.1.1");
  EXPECT_EQ(found.attempts[1].description,
            "The recipient's server says the mailbox does not exist.");
  EXPECT_EQ(found.attempts[1].hint, "Check the address.");
  EXPECT_TRUE(found.attempts[0].transcript.empty());  // read with transcript()
  auto transcript = store_->transcript(message.id, 2);
  ASSERT_TRUE(transcript.ok());
  EXPECT_EQ(*transcript, "EHLO node\r\n250 hello\r\n");
  EXPECT_EQ(store_->transcript(message.id, 3).error().code, "not_found");

  for (const auto& recipient : found.recipients) {
    EXPECT_EQ(recipient.attempts, 1);
    if (recipient.address == "gone@example.org") {
      EXPECT_EQ(recipient.processing, ProcessingStatus::kFailure);
      EXPECT_EQ(recipient.delivery, DeliveryStatus::kFailed);  // failure implies failed
      EXPECT_EQ(recipient.last_error, "550 5.1.1 No such user");
    } else {
      EXPECT_EQ(recipient.processing, ProcessingStatus::kProcessed);
      EXPECT_EQ(recipient.last_error, "");
    }
  }
  ASSERT_GE(found.events.size(), 2u);
  EXPECT_EQ(found.events.back().type, "failure");
  EXPECT_EQ(found.events.back().recipient, "gone@example.org");
  EXPECT_EQ(found.events.back().detail, "550 5.1.1 No such user");
}

TEST_F(SqliteStoreDelivery, DeferredRecipientWaitsInTheOutboxUntilItsNextAttempt) {
  auto message = makeMessage(kT0, {"slow@example.org"});
  insert(*store_, message);
  auto due = claim(kT0, "node-a");
  ASSERT_EQ(due.size(), 1u);
  auto deferred = outcome(due[0], "node-a", 421, ProcessingStatus::kQueued, kT0 + 10);
  deferred.attempt.text = "421 4.7.0 Try again later";
  deferred.next_attempt_at = kT0 + 300'000;
  record({deferred});

  auto found = detail(message.id);
  EXPECT_EQ(found.summary.processing, ProcessingStatus::kQueued);
  EXPECT_EQ(found.summary.delivery, DeliveryStatus::kUnknown);
  EXPECT_EQ(found.summary.next_attempt_at, kT0 + 300'000);
  EXPECT_EQ(found.summary.attempts, 1);
  EXPECT_TRUE(found.summary.has_warning);
  EXPECT_EQ(found.summary.last_error, "421 4.7.0 Try again later");
  EXPECT_EQ(found.recipients[0].attempts, 1);
  EXPECT_EQ(found.recipients[0].last_error, "421 4.7.0 Try again later");
  EXPECT_EQ(found.events.back().type, "deferred");

  ListQuery deferred_filter;
  deferred_filter.view = View::kOutbox;
  deferred_filter.status = "deferred";
  EXPECT_EQ(listAll(*store_, deferred_filter), (std::vector<std::string>{message.id}));

  EXPECT_TRUE(claim(kT0 + 299'999, "node-a").empty());
  auto again = claim(kT0 + 300'000, "node-a");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 1);
  auto delivered = outcome(again[0], "node-a", 250, ProcessingStatus::kProcessed, kT0 + 300'010);
  delivered.delivery = DeliveryStatus::kDelivered;
  record({delivered});
  auto final_state = detail(message.id);
  EXPECT_EQ(final_state.summary.processing, ProcessingStatus::kProcessed);
  EXPECT_EQ(final_state.summary.delivery, DeliveryStatus::kDelivered);
  EXPECT_EQ(final_state.summary.attempts, 2);
  EXPECT_TRUE(final_state.summary.has_warning);  // the first attempt had an error
  EXPECT_EQ(final_state.recipients[0].last_error, "");
  EXPECT_EQ(final_state.attempts[1].number, 2);
  EXPECT_TRUE(listAll(*store_, deferred_filter).empty());
}

TEST_F(SqliteStoreDelivery, ConnectionErrorCountsAsAWarning) {
  auto message = makeMessage(kT0, {"a@example.org"});
  insert(*store_, message);
  auto due = claim(kT0, "node-a");
  ASSERT_EQ(due.size(), 1u);
  auto refused = outcome(due[0], "node-a", 0, ProcessingStatus::kQueued, kT0 + 10);
  refused.attempt.text = "connection refused";
  record({refused});
  auto found = detail(message.id);
  EXPECT_TRUE(found.summary.has_warning);
  EXPECT_EQ(found.summary.last_error, "connection refused");
  EXPECT_EQ(found.summary.next_attempt_at, kT0 + 10);  // no next time given: due right away
}

TEST_F(SqliteStoreDelivery, ReleasedLeasesGoBackToTheQueueWithoutAnAttempt) {
  auto message = makeMessage(kT0, {"a@example.org", "b@example.org"});
  insert(*store_, message);
  auto other = makeMessage(kT0 + 1, {"c@example.org"});
  insert(*store_, other);
  ASSERT_EQ(claim(kT0, "node-a").size(), 2u);
  ASSERT_EQ(claim(kT0 + 1, "node-b").size(), 1u);

  ASSERT_TRUE(store_->releaseLeases("node-a").ok());
  auto released = detail(message.id);
  EXPECT_EQ(released.summary.processing, ProcessingStatus::kQueued);
  EXPECT_EQ(released.summary.attempts, 0);
  EXPECT_EQ(released.recipients[0].attempts, 0);
  EXPECT_EQ(detail(other.id).summary.processing, ProcessingStatus::kProcessing);

  auto again = claim(kT0 + 2, "node-c");
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].message_id, message.id);
}

TEST_F(SqliteStoreDelivery, PostponedRecipientWaitsWithItsReasonAndWithoutAnAttempt) {
  auto message = makeMessage(kT0, {"a@slow.example"});
  insert(*store_, message);
  auto due = claim(kT0, "node-a");
  ASSERT_EQ(due.size(), 1u);
  const std::string reason = "slow.example asked to slow down (421 Try again later)";
  ASSERT_TRUE(store_
                  ->postpone({Postponement{due[0].recipient_id, message.id, kT0 + 120'000, reason,
                                           "node-a"}})
                  .ok());
  auto found = detail(message.id);
  EXPECT_EQ(found.summary.processing, ProcessingStatus::kQueued);
  EXPECT_EQ(found.summary.attempts, 0);
  EXPECT_EQ(found.summary.next_attempt_at, kT0 + 120'000);
  EXPECT_EQ(found.summary.waiting_reason, reason);
  EXPECT_EQ(found.recipients[0].attempts, 0);
  EXPECT_EQ(found.recipients[0].waiting_reason, reason);
  EXPECT_FALSE(found.summary.has_warning);

  EXPECT_TRUE(claim(kT0 + 119'999, "node-a").empty());
  auto again = claim(kT0 + 120'000, "node-a");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 0);  // the retry schedule starts where it was
  auto delivered = outcome(again[0], "node-a", 250, ProcessingStatus::kProcessed, kT0 + 120'010);
  record({delivered});
  auto after = detail(message.id);
  EXPECT_EQ(after.summary.waiting_reason, "");  // an attempt clears the reason
  EXPECT_EQ(after.recipients[0].waiting_reason, "");
}

TEST_F(SqliteStoreDelivery, PostponeIsIgnoredWhenTheLeaseWasLost) {
  auto message = makeMessage(kT0, {"a@example.org"});
  insert(*store_, message);
  auto due = claim(kT0, "node-a");
  ASSERT_EQ(due.size(), 1u);
  ASSERT_TRUE(store_
                  ->postpone({Postponement{due[0].recipient_id, message.id, kT0 + 999'000,
                                           "not mine", "node-b"}})
                  .ok());
  auto found = detail(message.id);
  EXPECT_EQ(found.summary.processing, ProcessingStatus::kProcessing);
  EXPECT_EQ(found.summary.waiting_reason, "");
}

TEST_F(SqliteStoreDelivery, FailoverAttemptsAreRowsOfTheirOwnButCountAsOneTry) {
  auto message = makeMessage(kT0, {"a@example.org"});
  insert(*store_, message);
  auto due = claim(kT0, "node-a");
  ASSERT_EQ(due.size(), 1u);
  auto delivered = outcome(due[0], "node-a", 250, ProcessingStatus::kProcessed, kT0 + 30);
  delivered.delivery = DeliveryStatus::kDelivered;
  delivered.attempt.server = "mx2.example.org";
  delivered.attempt.ip = "127.0.0.3";
  AttemptRecord refused = delivered.attempt;
  refused.server = "mx1.example.org";
  refused.ip = "127.0.0.2";
  refused.code = 0;
  refused.text = "at connect: the MX host mx1.example.org refused the connection";
  delivered.failovers.push_back(refused);
  record({delivered});

  auto found = detail(message.id);
  ASSERT_EQ(found.attempts.size(), 2u);
  EXPECT_EQ(found.attempts[0].server, "mx1.example.org");
  EXPECT_EQ(found.attempts[0].ip, "127.0.0.2");
  EXPECT_EQ(found.attempts[0].number, 1);
  EXPECT_EQ(found.attempts[1].server, "mx2.example.org");
  EXPECT_EQ(found.attempts[1].ip, "127.0.0.3");
  EXPECT_EQ(found.attempts[1].number, 2);
  EXPECT_EQ(found.recipients[0].attempts, 1);
  EXPECT_EQ(found.summary.server, "mx2.example.org");
  EXPECT_TRUE(found.summary.has_warning);
  EXPECT_EQ(found.summary.delivery, DeliveryStatus::kDelivered);
}

}  // namespace
}  // namespace outpost::store
