// POST /api/v1/messages/bulk (api_test_fixture.h): retry and cancel by ids or by the filters of
// GET /messages, with the rules of the one-message retry and cancel, messages the caller may
// not read skipped as if they did not exist, and delivery woken after a retry.
#include <set>

#include "http/api_test_fixture.h"

namespace outpost::http {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the fixture's names

std::string idsBody(const std::string& action, const std::vector<std::string>& ids) {
  json::array list;
  for (const auto& id : ids) list.emplace_back(id);
  return json::serialize(json::object{{"action", action}, {"ids", std::move(list)}});
}

class BulkApiTest : public ApiTest {
 protected:
  std::string processingOf(const std::string& id) {
    return std::string(
        get("/api/v1/messages/" + id, admin_key_).json().at("processing_status").as_string());
  }

  // Makes every queued recipient fail its delivery, as a 5xx from the MX would.
  void failAll() {
    const UnixMillis now = clock_.now();
    auto due = store_->claimDue(now, "test-node", now + 60'000, 100);
    ASSERT_TRUE(due.ok());
    std::vector<store::RecipientUpdate> updates;
    for (const auto& recipient : *due) {
      store::RecipientUpdate update;
      update.attempt.recipient_id = recipient.recipient_id;
      update.attempt.at = now;
      update.attempt.node = "test-node";
      update.attempt.server = "mx.example.net";
      update.attempt.code = 550;
      update.attempt.text = "550 5.1.1 no such user";
      update.processing = store::ProcessingStatus::kFailure;
      update.lease_owner = "test-node";
      updates.push_back(update);
    }
    ASSERT_TRUE(store_->recordOutcomes(updates).ok());
  }
};

TEST_F(BulkApiTest, CancelsTheListedMessagesAndCountsWhatChanged) {
  std::string first = submit(admin_key_);
  std::string second = submit(admin_key_);
  Reply reply =
      post("/api/v1/messages/bulk", idsBody("cancel", {first, second, first}), admin_key_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json(), json::parse(R"({"messages": 2, "recipients": 2})"));
  EXPECT_EQ(processingOf(first), "cancelled");
  EXPECT_EQ(processingOf(second), "cancelled");

  Reply again = post("/api/v1/messages/bulk", idsBody("cancel", {first, "unknown"}), admin_key_);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.json(), json::parse(R"({"messages": 0, "recipients": 0})"));
}

TEST_F(BulkApiTest, SkipsMessagesTheCallerMayNotReadSilently) {
  std::string alice = addKey("alice", addUser("alice@example.com", store::Role::kUser), "full");
  std::string bob = addKey("bob", addUser("bob@example.com", store::Role::kUser), "full");
  std::string hers = submit(alice);
  std::string his = submit(bob);
  Reply reply = post("/api/v1/messages/bulk", idsBody("cancel", {hers, his}), bob);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json(), json::parse(R"({"messages": 1, "recipients": 1})"));
  EXPECT_EQ(processingOf(hers), "queued");
  EXPECT_EQ(processingOf(his), "cancelled");

  // A filter reaches only the caller's own messages too.
  std::string another = submit(alice);
  Reply filtered =
      post("/api/v1/messages/bulk", R"({"action": "cancel", "filter": {"view": "outbox"}})", bob);
  ASSERT_EQ(filtered.status, 200);
  EXPECT_EQ(filtered.json().at("messages"), 0);
  EXPECT_EQ(processingOf(another), "queued");
}

TEST_F(BulkApiTest, RetriesWhatAFilterSelectsAndWakesDelivery) {
  std::string failed = submit(admin_key_);
  failAll();
  std::string queued = submit(admin_key_);
  const int wakes_before = wakes_.load();

  Reply reply = post("/api/v1/messages/bulk",
                     R"({"action": "retry", "filter": {"view": "failed", "q": ""}})", admin_key_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json(), json::parse(R"({"messages": 1, "recipients": 1})"));
  EXPECT_EQ(processingOf(failed), "queued");
  EXPECT_GT(wakes_.load(), wakes_before);

  Reply nothing = post("/api/v1/messages/bulk",
                       R"({"action": "retry", "filter": {"status": "failure"}})", admin_key_);
  ASSERT_EQ(nothing.status, 200);
  EXPECT_EQ(nothing.json().at("messages"), 0);
  EXPECT_EQ(processingOf(queued), "queued");
}

TEST_F(BulkApiTest, IsForThoseWhoMayChangeMessages) {
  std::string id = submit(admin_key_);
  std::string auditor =
      addKey("auditor", addUser("audit@example.com", store::Role::kAuditor), "full");
  std::string sender = addKey("sender", admin_, "send");
  for (const std::string& key : {auditor, sender}) {
    Reply reply = post("/api/v1/messages/bulk", idsBody("cancel", {id}), key);
    EXPECT_EQ(reply.status, 403);
    EXPECT_EQ(reply.error(), "forbidden");
  }
  EXPECT_EQ(processingOf(id), "queued");
}

TEST_F(BulkApiTest, ListsEveryProblemOfTheRequest) {
  auto fields = [&](const std::string& request) {
    Reply reply = post("/api/v1/messages/bulk", request, admin_key_);
    EXPECT_EQ(reply.status, 400) << request;
    std::set<std::string> names;
    if (reply.status != 400) return names;
    const json::value body = reply.json();
    for (const auto& error : body.at("errors").as_array()) {
      names.insert(std::string(error.at("field").as_string()));
    }
    return names;
  };
  EXPECT_EQ(fields(R"({"action": "delete", "ids": []})"), (std::set<std::string>{"action"}));
  EXPECT_EQ(fields(R"({"action": "retry"})"), (std::set<std::string>{"ids"}));
  EXPECT_EQ(fields(R"({"action": "retry", "ids": [], "filter": {}})"),
            (std::set<std::string>{"ids"}));
  EXPECT_EQ(fields(R"({"action": "retry", "filter": {"view": "nope", "since": "x"}})"),
            (std::set<std::string>{"filter.view", "filter.since"}));
  EXPECT_EQ(fields(R"({"action": "retry", "filter": {"limit": 5}})"),
            (std::set<std::string>{"filter.limit"}));
  std::vector<std::string> too_many(10'001, "x");
  EXPECT_EQ(fields(idsBody("retry", too_many)), (std::set<std::string>{"ids"}));
}

}  // namespace
}  // namespace outpost::http
