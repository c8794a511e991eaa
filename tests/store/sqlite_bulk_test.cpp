// Bulk retry and cancel in the SQLite store (the console's bulk actions): the per-message
// rules of retryMessage and cancelMessage for many ids in one call, unknown ids skipped, and
// changeSequence() moving with every write that changes messages or recipients.
#include <gtest/gtest.h>

#include "store_test_support.h"

namespace outpost::store {
namespace {

using testing::insert;
using testing::makeMessage;
using testing::outcome;

constexpr UnixMillis kT0 = 1'780'000'000'000;

class SqliteBulk : public testing::StoreTest {
 protected:
  ProcessingStatus status(const std::string& id) {
    auto found = store_->getMessage(id);
    EXPECT_TRUE(found.ok());
    return found.ok() ? found->summary.processing : ProcessingStatus::kQueued;
  }
};

TEST_F(SqliteBulk, CancelsQueuedMessagesAndSkipsUnknownAndUnchangedOnes) {
  auto busy = makeMessage(kT0, {"busy@example.org"});
  insert(*store_, busy);
  ASSERT_EQ(claim(kT0).size(), 1u);  // being delivered: not cancellable
  auto two = makeMessage(kT0 + 1, {"a@example.org", "b@example.org"});
  auto one = makeMessage(kT0 + 2, {"c@example.org"});
  insert(*store_, two);
  insert(*store_, one);

  auto cancelled = store_->cancelMessages({busy.id, two.id, "no-such-message", one.id}, kT0 + 5);
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_EQ(cancelled->messages, 2);
  EXPECT_EQ(cancelled->recipients, 3);
  EXPECT_EQ(status(busy.id), ProcessingStatus::kProcessing);
  EXPECT_EQ(status(two.id), ProcessingStatus::kCancelled);
  EXPECT_EQ(status(one.id), ProcessingStatus::kCancelled);

  auto again = store_->cancelMessages({two.id, one.id}, kT0 + 6);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->messages, 0);
  EXPECT_EQ(again->recipients, 0);
}

TEST_F(SqliteBulk, RetriesFailedAndDeferredRecipientsButNotProcessedOnes) {
  auto failed = makeMessage(kT0, {"gone@example.org"});
  auto deferred = makeMessage(kT0 + 1, {"slow@example.org"});
  auto done = makeMessage(kT0 + 2, {"ok@example.org"});
  insert(*store_, failed);
  insert(*store_, deferred);
  insert(*store_, done);
  auto due = claim(kT0 + 10);
  ASSERT_EQ(due.size(), 3u);
  auto later = outcome(due[1], "node", 451, ProcessingStatus::kQueued, kT0 + 20);
  later.next_attempt_at = kT0 + 3'600'000;
  ASSERT_TRUE(store_
                  ->recordOutcomes(
                      {outcome(due[0], "node", 550, ProcessingStatus::kFailure, kT0 + 20), later,
                       outcome(due[2], "node", 250, ProcessingStatus::kProcessed, kT0 + 20)})
                  .ok());

  auto retried = store_->retryMessages({failed.id, deferred.id, done.id}, kT0 + 30);
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(retried->messages, 2);
  EXPECT_EQ(retried->recipients, 2);
  EXPECT_EQ(status(failed.id), ProcessingStatus::kQueued);
  EXPECT_EQ(status(done.id), ProcessingStatus::kProcessed);
  EXPECT_EQ(claim(kT0 + 30).size(), 2u) << "both are due now";
}

TEST_F(SqliteBulk, ChangeSequenceMovesWithMessageWritesOnly) {
  const std::uint64_t start = store_->changeSequence();
  auto message = makeMessage(kT0, {"a@example.org"});
  insert(*store_, message);
  const std::uint64_t inserted = store_->changeSequence();
  EXPECT_GT(inserted, start);

  ASSERT_TRUE(store_->putSetting("smtp", "{}").ok());
  EXPECT_EQ(store_->changeSequence(), inserted) << "settings are not messages";

  ASSERT_EQ(claim(kT0).size(), 1u);
  const std::uint64_t claimed = store_->changeSequence();
  EXPECT_GT(claimed, inserted);
  ASSERT_TRUE(store_->releaseLeases("node").ok());
  ASSERT_TRUE(store_->cancelMessages({message.id}, kT0 + 1).ok());
  EXPECT_GT(store_->changeSequence(), claimed);
}

}  // namespace
}  // namespace outpost::store
