// GET /api/v1/stats/volume (api_test_fixture.h): the Overview charts' buckets, every one
// present, counted only from what the caller may list, and the range checked.
#include "core/clock.h"
#include "http/api_test_fixture.h"

namespace outpost::http {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the fixture's names
using ::testing::HasSubstr;

std::int64_t total(const json::value& body, const char* field) {
  std::int64_t sum = 0;
  for (const auto& item : body.at("items").as_array()) sum += item.at(field).as_int64();
  return sum;
}

TEST_F(ApiTest, VolumeCoversTheLast24HoursByHourAndCountsAcceptedRecipients) {
  submit(admin_key_);
  submit(admin_key_);
  Reply reply = get("/api/v1/stats/volume", admin_key_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  json::value body = reply.json();
  EXPECT_EQ(body.at("bucket"), "hour");
  const auto& items = body.at("items").as_array();
  ASSERT_EQ(items.size(), 24u);
  UnixMillis first = 0;
  UnixMillis last = 0;
  ASSERT_TRUE(parseRfc3339(std::string(items.front().at("at").as_string()), first));
  ASSERT_TRUE(parseRfc3339(std::string(items.back().at("at").as_string()), last));
  EXPECT_EQ(last - first, 23 * 3'600'000);
  EXPECT_EQ(first % 3'600'000, 0) << "buckets start on the hour";
  EXPECT_LE(last, clock_.now());
  EXPECT_EQ(items.back().at("accepted"), 2) << "the current hour is the last bucket";
  for (const char* field : {"processed", "delivered", "failed", "deferred"}) {
    EXPECT_EQ(total(body, field), 0) << field;
  }
}

TEST_F(ApiTest, VolumeByDayOverAGivenRange) {
  Reply reply =
      get("/api/v1/stats/volume?bucket=day&since=2026-11-01T10:00:00Z&until=2026-11-08T00:00:00Z",
          admin_key_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json::value body = reply.json();
  const auto& items = body.at("items").as_array();
  ASSERT_EQ(items.size(), 7u);
  EXPECT_EQ(items.front().at("at"), "2026-11-01T00:00:00.000Z");
  EXPECT_EQ(items.back().at("at"), "2026-11-07T00:00:00.000Z");
}

TEST_F(ApiTest, VolumeCountsOnlyTheUsersOwnMessages) {
  std::string alice = addKey("alice", addUser("alice@example.com", store::Role::kUser), "full");
  std::string bob = addKey("bob", addUser("bob@example.com", store::Role::kUser), "full");
  submit(alice);
  submit(admin_key_);
  EXPECT_EQ(total(get("/api/v1/stats/volume", alice).json(), "accepted"), 1);
  EXPECT_EQ(total(get("/api/v1/stats/volume", bob).json(), "accepted"), 0);
  EXPECT_EQ(total(get("/api/v1/stats/volume", admin_key_).json(), "accepted"), 2);
}

TEST_F(ApiTest, VolumeRefusesABadBucketOrRangeAndTooManyBuckets) {
  Reply week = get("/api/v1/stats/volume?bucket=week", admin_key_);
  EXPECT_EQ(week.status, 400);
  EXPECT_EQ(week.error(), "invalid_request");
  EXPECT_EQ(get("/api/v1/stats/volume?since=yesterday", admin_key_).status, 400);
  EXPECT_EQ(
      get("/api/v1/stats/volume?since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z", admin_key_)
          .status,
      400);
  Reply many =
      get("/api/v1/stats/volume?since=2020-01-01T00:00:00Z&until=2026-01-01T00:00:00Z", admin_key_);
  EXPECT_EQ(many.status, 400);
  EXPECT_THAT(many.body, HasSubstr("1000"));
  EXPECT_EQ(get("/api/v1/stats/volume", "").status, 401);
}

}  // namespace
}  // namespace outpost::http
