// Intake and the read side of the SQLite store: insert and read back, idempotency, listing
// views and filters, full-text search, keyset pages, retry and cancel.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "store_test_support.h"

namespace outpost::store {
namespace {

using testing::ids;
using testing::insert;
using testing::listAll;
using testing::makeMessage;
using testing::openStore;
using testing::outcome;
using testing::TempDatabase;

constexpr UnixMillis kT0 = 1'780'000'000'000;

class SqliteStoreMessages : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = openStore(db_.path());
    ASSERT_TRUE(store_);
  }

  // Claims every due recipient at `now` for node "node-a".
  std::vector<DueRecipient> claim(UnixMillis now) {
    auto due = store_->claimDue(now, "node-a", now + 60'000, 100);
    EXPECT_TRUE(due.ok());
    return due.ok() ? *due : std::vector<DueRecipient>{};
  }

  void record(std::vector<RecipientUpdate> updates) {
    auto done = store_->recordOutcomes(updates);
    ASSERT_TRUE(done.ok()) << done.error().message;
  }

  MessageSummary summary(const std::string& id) {
    auto detail = store_->getMessage(id);
    EXPECT_TRUE(detail.ok());
    return detail.ok() ? detail->summary : MessageSummary{};
  }

  std::vector<std::string> list(ListQuery query) { return listAll(*store_, std::move(query)); }

  ListQuery withStatus(View view, std::string status) {
    ListQuery query;
    query.view = view;
    query.status = std::move(status);
    return query;
  }

  TempDatabase db_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreMessages, InsertedMessageReadsBackWithItsBodyByteForByte) {
  auto message = makeMessage(kT0, {"anna@example.org", "ben@example.net"});
  message.recipients[1].field = "cc";
  message.needs_smtputf8 = true;
  message.eight_bit = true;
  message.tags_json = R"(["interview"])";
  message.metadata_json = R"({"candidate":42})";
  message.route = "relay";
  // CRLF, 8-bit UTF-8, a NUL and a lone CR: the body is stored as octets, not text.
  message.raw = std::string(
      "Subject: Gr\xc3\xbc\xc3\x9f"
      "e\r\n\r\nline\r\n\0nul\rcr\r\n",
      32);
  ASSERT_EQ(insert(*store_, message), message.id);

  auto raw = store_->loadRaw(message.id);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, message.raw);

  auto detail = store_->getMessage(message.id);
  ASSERT_TRUE(detail.ok()) << detail.error().message;
  const auto& summary = detail->summary;
  EXPECT_EQ(summary.id, message.id);
  EXPECT_EQ(summary.message_id, message.message_id);
  EXPECT_EQ(summary.mail_from, "jobs@example.com");
  EXPECT_EQ(summary.from_header, "Acme Jobs <jobs@example.com>");
  EXPECT_EQ(summary.subject, message.subject);
  EXPECT_EQ(summary.to, (std::vector<std::string>{"anna@example.org", "ben@example.net"}));
  EXPECT_EQ(summary.created_at, kT0);
  EXPECT_EQ(summary.processing, ProcessingStatus::kQueued);
  EXPECT_EQ(summary.delivery, DeliveryStatus::kUnknown);
  EXPECT_EQ(summary.attempts, 0);
  EXPECT_FALSE(summary.has_warning);
  EXPECT_EQ(summary.next_attempt_at, kT0);
  EXPECT_EQ(summary.size_bytes, static_cast<std::int64_t>(message.raw.size()));
  EXPECT_EQ(summary.api_key_name, "crm");
  EXPECT_EQ(detail->tags_json, message.tags_json);
  EXPECT_EQ(detail->metadata_json, message.metadata_json);
  EXPECT_EQ(detail->route, "relay");
  EXPECT_EQ(detail->owner_user_id, 1);
  ASSERT_EQ(detail->recipients.size(), 2u);
  EXPECT_EQ(detail->recipients[0].address, "anna@example.org");
  EXPECT_EQ(detail->recipients[1].field, "cc");
  for (const auto& recipient : detail->recipients) {
    EXPECT_EQ(recipient.processing, ProcessingStatus::kQueued);
    EXPECT_EQ(recipient.delivery, DeliveryStatus::kUnknown);
    EXPECT_EQ(recipient.next_attempt_at, kT0);
  }
  ASSERT_EQ(detail->events.size(), 1u);
  EXPECT_EQ(detail->events[0].type, "accepted");
  EXPECT_TRUE(detail->attempts.empty());

  auto due = claim(kT0);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_TRUE(due[0].needs_smtputf8);
  EXPECT_TRUE(due[0].eight_bit);
  EXPECT_EQ(due[0].route, "relay");
  EXPECT_EQ(due[0].mail_from, "jobs@example.com");
}

TEST_F(SqliteStoreMessages, MessageWithoutRecipientsIsRefused) {
  auto message = makeMessage(kT0, {});
  auto outcome = store_->insertMessage(message);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, "invalid_request");
}

TEST_F(SqliteStoreMessages, SameIdTwiceIsAConflict) {
  auto message = makeMessage(kT0, {"anna@example.org"});
  insert(*store_, message);
  auto again = store_->insertMessage(message);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "conflict");
  EXPECT_FALSE(again.error().temporary);
  EXPECT_NE(again.error().message.find("UNIQUE"), std::string::npos) << again.error().message;
}

TEST_F(SqliteStoreMessages, RepeatedIdempotencyKeyWithSameBodyReplaysTheFirstAnswer) {
  auto first = makeMessage(kT0, {"anna@example.org"});
  first.idempotency = Idempotency{"order-17", "hash-a"};
  first.response_json = R"({"id":"first"})";
  insert(*store_, first);

  auto second = makeMessage(kT0 + 5, {"anna@example.org"});
  second.idempotency = Idempotency{"order-17", "hash-a"};
  second.response_json = R"({"id":"second"})";
  auto replay = store_->insertMessage(second);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->id, first.id);
  EXPECT_EQ(replay->response_json, first.response_json);
  EXPECT_EQ(store_->getMessage(second.id).error().code, "not_found");

  // The key is scoped per API key: another key may use the same Idempotency-Key.
  auto other_key = makeMessage(kT0 + 6, {"anna@example.org"});
  other_key.api_key_name = "erp";
  other_key.idempotency = Idempotency{"order-17", "hash-b"};
  auto fresh = store_->insertMessage(other_key);
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->replayed);
  EXPECT_EQ(fresh->id, other_key.id);
}

TEST_F(SqliteStoreMessages, RepeatedIdempotencyKeyWithOtherBodyIsAConflict) {
  auto first = makeMessage(kT0, {"anna@example.org"});
  first.idempotency = Idempotency{"order-17", "hash-a"};
  insert(*store_, first);
  auto second = makeMessage(kT0 + 5, {"anna@example.org"});
  second.idempotency = Idempotency{"order-17", "hash-b"};
  auto conflict = store_->insertMessage(second);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, "idempotency_conflict");
  EXPECT_FALSE(conflict.error().temporary);
  EXPECT_EQ(store_->getMessage(second.id).error().code, "not_found");
}

TEST_F(SqliteStoreMessages, UnknownMessageAndAttemptAreNotFound) {
  EXPECT_EQ(store_->getMessage("NOPE").error().code, "not_found");
  EXPECT_EQ(store_->loadRaw("NOPE").error().code, "not_found");
  EXPECT_EQ(store_->transcript("NOPE", 1).error().code, "not_found");
  EXPECT_EQ(store_->cancelMessage("NOPE", kT0).error().code, "not_found");
  EXPECT_EQ(store_->retryMessage("NOPE", kT0).error().code, "not_found");
}

TEST_F(SqliteStoreMessages, ViewsShowSentOutboxAndFailedMessages) {
  auto queued = insert(*store_, makeMessage(kT0, {"a@example.org"}));
  auto processed = insert(*store_, makeMessage(kT0 + 1, {"b@example.org"}));
  auto failure = insert(*store_, makeMessage(kT0 + 2, {"c@example.org"}));
  auto bounced = insert(*store_, makeMessage(kT0 + 3, {"d@example.org"}));
  auto due = claim(kT0 + 10);
  ASSERT_EQ(due.size(), 4u);
  std::vector<RecipientUpdate> updates;
  for (const auto& recipient : due) {
    if (recipient.message_id == queued) {
      auto deferred = outcome(recipient, "node-a", 421, ProcessingStatus::kQueued, kT0 + 20);
      deferred.next_attempt_at = kT0 + 600'000;
      updates.push_back(deferred);
    } else if (recipient.message_id == processed) {
      auto ok = outcome(recipient, "node-a", 250, ProcessingStatus::kProcessed, kT0 + 20);
      ok.delivery = DeliveryStatus::kDelivered;
      updates.push_back(ok);
    } else if (recipient.message_id == failure) {
      updates.push_back(outcome(recipient, "node-a", 550, ProcessingStatus::kFailure, kT0 + 20));
    } else {
      // The relay took it, then a DSN said it failed.
      auto later_failed = outcome(recipient, "node-a", 250, ProcessingStatus::kProcessed, kT0 + 20);
      later_failed.delivery = DeliveryStatus::kFailed;
      updates.push_back(later_failed);
    }
  }
  record(updates);

  using V = std::vector<std::string>;
  EXPECT_EQ(list({}), (V{bounced, failure, processed, queued}));
  ListQuery outbox;
  outbox.view = View::kOutbox;
  EXPECT_EQ(list(outbox), (V{queued}));
  ListQuery failed;
  failed.view = View::kFailed;
  EXPECT_EQ(list(failed), (V{bounced, failure}));

  EXPECT_EQ(list(withStatus(View::kSent, "deferred")), (V{queued}));
  EXPECT_EQ(list(withStatus(View::kOutbox, "deferred")), (V{queued}));
  EXPECT_EQ(list(withStatus(View::kSent, "queued")), (V{queued}));
  EXPECT_EQ(list(withStatus(View::kSent, "processed")), (V{bounced, processed}));
  EXPECT_EQ(list(withStatus(View::kSent, "delivered")), (V{processed}));
  EXPECT_EQ(list(withStatus(View::kSent, "failure")), (V{failure}));
  EXPECT_EQ(list(withStatus(View::kSent, "failed")), (V{bounced, failure}));
  EXPECT_EQ(list(withStatus(View::kSent, "unknown")), (V{queued}));
  EXPECT_EQ(list(withStatus(View::kFailed, "processed")), (V{bounced}));
  EXPECT_EQ(list(withStatus(View::kOutbox, "processed")), V{});

  auto unknown = store_->listMessages(withStatus(View::kSent, "bounced"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "invalid_request");
}

TEST_F(SqliteStoreMessages, FiltersByTimeServerOwnerAndApiKey) {
  auto early = makeMessage(kT0, {"a@example.org"});
  auto middle = makeMessage(kT0 + 1000, {"b@example.org"});
  middle.owner_user_id = 7;
  middle.api_key_name = "erp";
  auto late = makeMessage(kT0 + 2000, {"c@example.org"});
  for (const auto* message : {&early, &middle, &late}) insert(*store_, *message);
  auto due = claim(kT0 + 5000);
  ASSERT_EQ(due.size(), 3u);
  std::vector<RecipientUpdate> updates;
  for (const auto& recipient : due) {
    updates.push_back(
        outcome(recipient, "node-a", 250, ProcessingStatus::kProcessed, kT0 + 6000,
                recipient.message_id == middle.id ? "relay.example.com" : "mx.example.net"));
  }
  record(updates);

  using V = std::vector<std::string>;
  ListQuery since;
  since.since = kT0 + 1000;
  EXPECT_EQ(list(since), (V{late.id, middle.id}));
  ListQuery until;
  until.until = kT0 + 1000;
  EXPECT_EQ(list(until), (V{early.id}));
  ListQuery server;
  server.server = "relay.example.com";
  EXPECT_EQ(list(server), (V{middle.id}));
  ListQuery owner;
  owner.owner_user_id = 7;
  EXPECT_EQ(list(owner), (V{middle.id}));
  ListQuery key;
  key.api_key_name = "crm";
  EXPECT_EQ(list(key), (V{late.id, early.id}));
  EXPECT_EQ(summary(middle.id).server, "relay.example.com");
}

TEST_F(SqliteStoreMessages, SearchFindsSubjectWordsSendersRecipientsAndMessageIds) {
  auto interview = makeMessage(kT0, {"anna.schmidt@example.org"}, "Interview invitation");
  auto offer = makeMessage(kT0 + 1, {"ben@example.net"}, "Your offer letter");
  offer.from_header = "Carla HR <carla@hr.example.com>";
  offer.mail_from = "carla@hr.example.com";
  insert(*store_, interview);
  insert(*store_, offer);

  auto search = [&](std::string text) {
    ListQuery query;
    query.text = std::move(text);
    return list(query);
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(search("interview"), (V{interview.id}));
  EXPECT_EQ(search("INVIT"), (V{interview.id}));  // case-insensitive prefix
  EXPECT_EQ(search("offer letter"), (V{offer.id}));
  EXPECT_EQ(search("offer interview"), V{});  // every term must match
  EXPECT_EQ(search("carla"), (V{offer.id}));
  EXPECT_EQ(search("carla@hr.example.com"), (V{offer.id}));
  EXPECT_EQ(search("anna.schmidt@example.org"), (V{interview.id}));
  EXPECT_EQ(search("ben@"), (V{offer.id}));
  EXPECT_EQ(search(interview.message_id), (V{interview.id}));
  EXPECT_EQ(search("example"), (V{offer.id, interview.id}));
  // FTS5 syntax typed by a person is searched for, never parsed.
  EXPECT_EQ(search("\"offer (lett* -"), (V{offer.id}));
  EXPECT_EQ(search("offer AND"), V{});  // AND is a word to find, not an operator
  EXPECT_EQ(search("subject:offer"), V{});
  EXPECT_EQ(search("* ( )"), (V{offer.id, interview.id}));  // nothing to search for: no filter
}

TEST_F(SqliteStoreMessages, KeysetPagesVisitEveryMessageOnceInOrder) {
  std::vector<std::pair<UnixMillis, std::string>> inserted;
  for (int i = 0; i < 120; ++i) {
    // Three messages share each millisecond, so the order relies on the id as well.
    auto message = makeMessage(kT0 + i / 3, {"a@example.org"});
    insert(*store_, message);
    inserted.emplace_back(message.created_at, message.id);
  }
  std::sort(inserted.rbegin(), inserted.rend());

  ListQuery query;
  query.limit = 50;
  std::vector<std::string> seen;
  std::vector<std::size_t> page_sizes;
  for (;;) {
    auto page = store_->listMessages(query);
    ASSERT_TRUE(page.ok()) << page.error().message;
    page_sizes.push_back(page->items.size());
    for (const auto& item : page->items) seen.push_back(item.id);
    if (!page->next_cursor) break;
    query.cursor = *page->next_cursor;
  }
  EXPECT_EQ(page_sizes, (std::vector<std::size_t>{50, 50, 20}));
  std::vector<std::string> expected;
  for (const auto& [at, id] : inserted) expected.push_back(id);
  EXPECT_EQ(seen, expected);
}

TEST_F(SqliteStoreMessages, LastFullPageHasNoNextCursorAndLimitIsClamped) {
  for (int i = 0; i < 3; ++i) insert(*store_, makeMessage(kT0 + i, {"a@example.org"}));
  ListQuery query;
  query.limit = 3;
  auto page = store_->listMessages(query);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 3u);
  EXPECT_FALSE(page->next_cursor);
  query.limit = 0;
  page = store_->listMessages(query);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 1u);
  EXPECT_TRUE(page->next_cursor);
  query.limit = 100'000;
  query.cursor.clear();
  page = store_->listMessages(query);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 3u);
}

TEST_F(SqliteStoreMessages, ForeignCursorIsAnInvalidRequest) {
  for (std::string cursor : {"garbage!!", "YWJj", "MTIzLg", "eC5BQkM", "MTIzLkEnIE9SIDE9MQ"}) {
    ListQuery query;
    query.cursor = cursor;
    auto page = store_->listMessages(query);
    ASSERT_FALSE(page.ok()) << cursor;
    EXPECT_EQ(page.error().code, "invalid_request") << cursor;
  }
}

TEST_F(SqliteStoreMessages, RetryMakesDeferredAndFailedRecipientsDueNow) {
  auto message = makeMessage(kT0, {"deferred@example.org", "failed@example.org", "done@example.org",
                                   "released@example.org"});
  insert(*store_, message);
  auto due = claim(kT0);
  ASSERT_EQ(due.size(), 4u);
  std::vector<RecipientUpdate> updates;
  for (const auto& recipient : due) {
    if (recipient.address == "deferred@example.org") {
      auto deferred = outcome(recipient, "node-a", 451, ProcessingStatus::kQueued, kT0 + 1);
      deferred.next_attempt_at = kT0 + 3'600'000;
      updates.push_back(deferred);
    } else if (recipient.address == "failed@example.org") {
      updates.push_back(outcome(recipient, "node-a", 550, ProcessingStatus::kFailure, kT0 + 1));
    } else if (recipient.address == "done@example.org") {
      updates.push_back(outcome(recipient, "node-a", 250, ProcessingStatus::kProcessed, kT0 + 1));
    }
  }
  record(updates);
  // The last recipient is still leased: releasing puts it back, due since kT0.
  ASSERT_TRUE(store_->releaseLeases("node-a").ok());
  EXPECT_EQ(summary(message.id).processing, ProcessingStatus::kFailure);

  auto retried = store_->retryMessage(message.id, kT0 + 10);
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(*retried, 2);
  auto detail = store_->getMessage(message.id);
  ASSERT_TRUE(detail.ok());
  for (const auto& recipient : detail->recipients) {
    if (recipient.address == "done@example.org") {
      EXPECT_EQ(recipient.processing, ProcessingStatus::kProcessed);
      continue;
    }
    EXPECT_EQ(recipient.processing, ProcessingStatus::kQueued) << recipient.address;
    EXPECT_EQ(recipient.delivery, DeliveryStatus::kUnknown) << recipient.address;
  }
  EXPECT_EQ(detail->summary.processing, ProcessingStatus::kQueued);
  EXPECT_EQ(detail->summary.delivery, DeliveryStatus::kUnknown);
  EXPECT_EQ(detail->summary.next_attempt_at, kT0);  // the released one was due since kT0
  EXPECT_EQ(detail->events.back().type, "retry");
  auto again = claim(kT0 + 10);
  EXPECT_EQ(again.size(), 3u);
}

TEST_F(SqliteStoreMessages, CancelStopsQueuedRecipientsButNotThoseBeingDelivered) {
  auto leased = makeMessage(kT0, {"busy@example.org"});
  insert(*store_, leased);
  ASSERT_EQ(claim(kT0).size(), 1u);
  auto waiting = makeMessage(kT0 + 1, {"a@example.org", "b@example.org"});
  insert(*store_, waiting);

  auto none = store_->cancelMessage(leased.id, kT0 + 5);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  EXPECT_EQ(summary(leased.id).processing, ProcessingStatus::kProcessing);

  auto cancelled = store_->cancelMessage(waiting.id, kT0 + 5);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(*cancelled, 2);
  auto detail = store_->getMessage(waiting.id);
  ASSERT_TRUE(detail.ok());
  EXPECT_EQ(detail->summary.processing, ProcessingStatus::kCancelled);
  EXPECT_EQ(detail->summary.delivery, DeliveryStatus::kFailed);
  EXPECT_FALSE(detail->summary.next_attempt_at);
  for (const auto& recipient : detail->recipients) {
    EXPECT_EQ(recipient.processing, ProcessingStatus::kCancelled);
    EXPECT_EQ(recipient.delivery, DeliveryStatus::kFailed);
  }
  EXPECT_EQ(detail->events.back().type, "cancelled");
  EXPECT_TRUE(claim(kT0 + 10).empty());
  ListQuery outbox;
  outbox.view = View::kOutbox;
  EXPECT_EQ(list(outbox), (std::vector<std::string>{leased.id}));
  EXPECT_EQ(list(withStatus(View::kSent, "cancelled")), (std::vector<std::string>{waiting.id}));
}

}  // namespace
}  // namespace outpost::store
