// Volume statistics of the SQLite store (the console's Overview charts): recipient events per
// bucket, every bucket present, the restriction to a user's or a key's messages, and the
// limits on the range.
#include <gtest/gtest.h>

#include "store_test_support.h"

namespace outpost::store {
namespace {

using testing::insert;
using testing::makeMessage;
using testing::outcome;

constexpr UnixMillis kHour = 3'600'000;
constexpr UnixMillis kT0 = 1'780'000'000'000 / kHour * kHour;  // on the hour

class SqliteVolume : public testing::StoreTest {
 protected:
  std::vector<VolumeBucket> volume(const VolumeQuery& query) {
    auto buckets = store_->volume(query);
    EXPECT_TRUE(buckets.ok()) << (buckets.ok() ? "" : buckets.error().message);
    return buckets.ok() ? *buckets : std::vector<VolumeBucket>{};
  }
};

TEST_F(SqliteVolume, ListsEveryBucketOfTheRangeWithZerosWhenNothingHappened) {
  auto buckets = volume({kT0, kT0 + 3 * kHour, kHour, std::nullopt, std::nullopt});
  ASSERT_EQ(buckets.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(buckets[i].at, kT0 + i * kHour);
    EXPECT_EQ(buckets[i].accepted + buckets[i].processed + buckets[i].delivered +
                  buckets[i].failed + buckets[i].deferred,
              0);
  }
  // A partial last bucket is still a bucket.
  EXPECT_EQ(volume({kT0, kT0 + kHour + 1, kHour, std::nullopt, std::nullopt}).size(), 2u);
}

TEST_F(SqliteVolume, CountsRecipientsAcceptedProcessedFailedDeferredAndDeliveredPerBucket) {
  insert(*store_, makeMessage(kT0 + 10, {"a@example.org", "b@example.org", "c@example.org"}));
  auto due = claim(kT0 + kHour + 5);
  ASSERT_EQ(due.size(), 3u);
  auto relayed = outcome(due[0], "node", 250, ProcessingStatus::kProcessed, kT0 + kHour + 10);
  auto direct = outcome(due[1], "node", 250, ProcessingStatus::kProcessed, kT0 + kHour + 20);
  direct.delivery = DeliveryStatus::kDelivered;  // the recipient's MX took it
  auto deferred = outcome(due[2], "node", 451, ProcessingStatus::kQueued, kT0 + kHour + 30);
  deferred.next_attempt_at = kT0 + 2 * kHour + 100;
  ASSERT_TRUE(store_->recordOutcomes({relayed, direct, deferred}).ok());
  auto again = claim(kT0 + 2 * kHour + 100);
  ASSERT_EQ(again.size(), 1u);
  ASSERT_TRUE(store_
                  ->recordOutcomes({outcome(again[0], "node", 550, ProcessingStatus::kFailure,
                                            kT0 + 2 * kHour + 200)})
                  .ok());

  auto buckets = volume({kT0, kT0 + 3 * kHour, kHour, std::nullopt, std::nullopt});
  ASSERT_EQ(buckets.size(), 3u);
  EXPECT_EQ(buckets[0].accepted, 3);
  EXPECT_EQ(buckets[0].processed, 0);
  EXPECT_EQ(buckets[1].processed, 2);
  EXPECT_EQ(buckets[1].delivered, 1) << "direct delivery counts; the relay's awaits its report";
  EXPECT_EQ(buckets[1].deferred, 1);
  EXPECT_EQ(buckets[1].failed, 0);
  EXPECT_EQ(buckets[2].failed, 1);
  EXPECT_EQ(buckets[2].deferred, 0);
}

TEST_F(SqliteVolume, CountsOnlyTheMessagesOfTheGivenOwnerOrKey) {
  auto mine = makeMessage(kT0 + 10, {"a@example.org"});
  mine.owner_user_id = 7;
  mine.api_key_name = "crm";
  auto theirs = makeMessage(kT0 + 20, {"b@example.org", "c@example.org"});
  theirs.owner_user_id = 8;
  theirs.api_key_name = "erp";
  insert(*store_, mine);
  insert(*store_, theirs);

  EXPECT_EQ(volume({kT0, kT0 + kHour, kHour, std::nullopt, std::nullopt})[0].accepted, 3);
  EXPECT_EQ(volume({kT0, kT0 + kHour, kHour, 7, std::nullopt})[0].accepted, 1);
  EXPECT_EQ(volume({kT0, kT0 + kHour, kHour, std::nullopt, "erp"})[0].accepted, 2);
  EXPECT_EQ(volume({kT0, kT0 + kHour, kHour, 7, "erp"})[0].accepted, 0);
}

TEST_F(SqliteVolume, LeavesOutEventsOutsideTheRange) {
  insert(*store_, makeMessage(kT0 - 1, {"before@example.org"}));
  insert(*store_, makeMessage(kT0 + kHour, {"after@example.org"}));
  auto buckets = volume({kT0, kT0 + kHour, kHour, std::nullopt, std::nullopt});
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(buckets[0].accepted, 0);
}

TEST_F(SqliteVolume, RefusesEmptyRangesAndMoreThanAThousandBuckets) {
  for (const VolumeQuery& query :
       {VolumeQuery{kT0, kT0, kHour, std::nullopt, std::nullopt},
        VolumeQuery{kT0, kT0 + kHour, 0, std::nullopt, std::nullopt},
        VolumeQuery{kT0, kT0 + 1001 * kHour, kHour, std::nullopt, std::nullopt}}) {
    auto refused = store_->volume(query);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "invalid_request");
  }
  EXPECT_EQ(volume({kT0, kT0 + 1000 * kHour, kHour, std::nullopt, std::nullopt}).size(), 1000u);
}

}  // namespace
}  // namespace outpost::store
