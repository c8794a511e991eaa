// DSNs, bounces and suppressions in the SQLite store: the submitter's DSN parameters reach the
// scheduler, reports change a recipient's delivery status by design.md's rules (a late bounce
// wins, a failure is never undone) in one commit with their event and suppression, and the
// suppression list is found case-insensitively and listed newest first in keyset pages.
#include <gtest/gtest.h>

#include "store_test_support.h"

namespace outpost::store {
namespace {

using testing::insert;
using testing::makeMessage;
using testing::outcome;

constexpr UnixMillis kT0 = 1'780'000'000'000;

class SqliteStoreBounces : public testing::StoreTest {
 protected:
  // Inserts a message and has the relay accept every recipient: processed, awaiting report.
  std::pair<std::string, std::vector<DueRecipient>> relayed(std::vector<std::string> to) {
    auto message = makeMessage(kT0, std::move(to));
    insert(*store_, message);
    auto due = claim(kT0, "node-a");
    std::vector<RecipientUpdate> updates;
    updates.reserve(due.size());
    for (const auto& recipient : due) {
      updates.push_back(
          outcome(recipient, "node-a", 250, ProcessingStatus::kProcessed, kT0 + 10, "relay"));
    }
    auto done = store_->recordOutcomes(updates);
    EXPECT_TRUE(done.ok()) << (done.ok() ? "" : done.error().message);
    return {message.id, due};
  }

  static DeliveryReport report(const DueRecipient& recipient, std::string action,
                               UnixMillis received_at) {
    DeliveryReport made;
    made.recipient_id = recipient.recipient_id;
    made.received_at = received_at;
    made.kind = "dsn";
    made.action = std::move(action);
    made.status = made.action == "failed" ? "5.1.1" : "2.0.0";
    made.reason = made.action == "failed" ? "userunknown" : "delivered";
    made.hard_bounce = made.action == "failed";
    made.diagnostic_code = "smtp; " + made.status + " from the final MX";
    made.remote_mta = "dns; mx.example.org";
    made.reporting_mta = "dns; relay.example.com";
    made.raw = "Reporting-MTA: dns; relay.example.com\r\n\r\nAction: " + made.action + "\r\n";
    return made;
  }

  static ReportEffect effect(DeliveryStatus delivery, std::string type) {
    ReportEffect made;
    made.delivery = delivery;
    made.event_type = std::move(type);
    made.event_detail = "the relay reported " + made.event_type;
    return made;
  }

  std::int64_t record(const DeliveryReport& report, const ReportEffect& effect) {
    auto recorded = store_->recordReport(report, effect);
    EXPECT_TRUE(recorded.ok()) << (recorded.ok() ? "" : recorded.error().message);
    return recorded.ok() ? *recorded : 0;
  }

  MessageDetail detail(const std::string& id) {
    auto found = store_->getMessage(id);
    EXPECT_TRUE(found.ok());
    return found.ok() ? *found : MessageDetail{};
  }
};

TEST_F(SqliteStoreBounces, DsnParametersComeBackWithTheClaim) {
  auto message = makeMessage(kT0, {"a@example.org", "b@example.org"});
  message.dsn_ret = "HDRS";
  message.dsn_envid = "QQ314159";
  message.recipients[0].notify = "SUCCESS,FAILURE,DELAY";
  message.recipients[0].orcpt = "rfc822;A@example.org";
  insert(*store_, message);

  auto due = claim(kT0, "node-a");
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].notify, "SUCCESS,FAILURE,DELAY");
  EXPECT_EQ(due[0].orcpt, "rfc822;A@example.org");
  EXPECT_EQ(due[1].notify, "");
  EXPECT_EQ(due[1].orcpt, "");
  for (const auto& recipient : due) {
    EXPECT_EQ(recipient.dsn_ret, "HDRS");
    EXPECT_EQ(recipient.dsn_envid, "QQ314159");
    EXPECT_FALSE(recipient.suppression);
  }
}

TEST_F(SqliteStoreBounces, SuppressedAddressIsClaimedWithItsSuppressionWhateverItsCase) {
  ASSERT_TRUE(
      store_->addSuppression({"Gone@Example.ORG", "userunknown: 550 5.1.1", "bounce", "m1", kT0})
          .ok());
  insert(*store_, makeMessage(kT0, {"GONE@example.org", "here@example.org"}));

  auto due = claim(kT0, "node-a");
  ASSERT_EQ(due.size(), 2u);
  ASSERT_TRUE(due[0].suppression);
  EXPECT_EQ(due[0].address, "GONE@example.org");
  EXPECT_EQ(due[0].suppression->address, "gone@example.org");
  EXPECT_EQ(due[0].suppression->reason, "userunknown: 550 5.1.1");
  EXPECT_EQ(due[0].suppression->source, "bounce");
  EXPECT_EQ(due[0].suppression->message_id, "m1");
  EXPECT_EQ(due[0].suppression->created_at, kT0);
  EXPECT_FALSE(due[1].suppression);
}

TEST_F(SqliteStoreBounces, FindsTheRecipientAVerpTokenNames) {
  auto [id, due] = relayed({"a@example.org"});
  ASSERT_EQ(due.size(), 1u);
  auto found = store_->findRecipient(due[0].recipient_id);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->recipient_id, due[0].recipient_id);
  EXPECT_EQ((*found)->message_id, id);
  EXPECT_EQ((*found)->address, "a@example.org");
  EXPECT_EQ((*found)->processing, ProcessingStatus::kProcessed);
  EXPECT_EQ((*found)->delivery, DeliveryStatus::kUnknown);

  auto missing = store_->findRecipient(due[0].recipient_id + 1000);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(SqliteStoreBounces, SuccessReportMakesARelayedRecipientDelivered) {
  auto [id, due] = relayed({"a@example.org"});
  ASSERT_EQ(due.size(), 1u);
  auto success = report(due[0], "delivered", kT0 + 5000);
  std::int64_t report_id = record(success, effect(DeliveryStatus::kDelivered, "delivered"));
  EXPECT_GT(report_id, 0);

  auto found = detail(id);
  EXPECT_EQ(found.summary.processing, ProcessingStatus::kProcessed);
  EXPECT_EQ(found.summary.delivery, DeliveryStatus::kDelivered);
  EXPECT_EQ(found.recipients[0].delivery, DeliveryStatus::kDelivered);
  EXPECT_EQ(found.events.back().type, "delivered");
  EXPECT_EQ(found.events.back().recipient, "a@example.org");
  EXPECT_EQ(found.events.back().at, kT0 + 5000);
  EXPECT_EQ(found.events.back().detail, "the relay reported delivered");

  ASSERT_EQ(found.reports.size(), 1u);
  const DeliveryReport& kept = found.reports[0];
  EXPECT_EQ(kept.id, report_id);
  EXPECT_EQ(kept.recipient_id, due[0].recipient_id);
  EXPECT_EQ(kept.message_id, id);
  EXPECT_EQ(kept.recipient, "a@example.org");
  EXPECT_EQ(kept.received_at, kT0 + 5000);
  EXPECT_EQ(kept.kind, "dsn");
  EXPECT_EQ(kept.action, "delivered");
  EXPECT_EQ(kept.status, "2.0.0");
  EXPECT_EQ(kept.reason, "delivered");
  EXPECT_FALSE(kept.hard_bounce);
  EXPECT_EQ(kept.diagnostic_code, "smtp; 2.0.0 from the final MX");
  EXPECT_EQ(kept.remote_mta, "dns; mx.example.org");
  EXPECT_EQ(kept.reporting_mta, "dns; relay.example.com");
  EXPECT_TRUE(kept.raw.empty());  // read with reportRaw()

  auto raw = store_->reportRaw(id, report_id);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, success.raw);
  EXPECT_EQ(store_->reportRaw(id, report_id + 1).error().code, "not_found");
  EXPECT_EQ(store_->reportRaw("01JNOSUCHMESSAGE0000000000", report_id).error().code, "not_found");
}

TEST_F(SqliteStoreBounces, FailureReportMakesTheRecipientAndTheMessageFailed) {
  auto [id, due] = relayed({"a@example.org", "b@example.org"});
  ASSERT_EQ(due.size(), 2u);
  record(report(due[1], "failed", kT0 + 5000), effect(DeliveryStatus::kFailed, "bounced"));

  auto found = detail(id);
  EXPECT_EQ(found.recipients[0].delivery, DeliveryStatus::kUnknown);
  EXPECT_EQ(found.recipients[1].delivery, DeliveryStatus::kFailed);
  // The processing went well; the delivery did not.
  EXPECT_EQ(found.recipients[1].processing, ProcessingStatus::kProcessed);
  EXPECT_EQ(found.summary.processing, ProcessingStatus::kProcessed);
  EXPECT_EQ(found.summary.delivery, DeliveryStatus::kFailed);
  EXPECT_EQ(found.events.back().type, "bounced");
  EXPECT_EQ(found.events.back().recipient, "b@example.org");

  ListQuery failed;
  failed.view = View::kFailed;
  EXPECT_EQ(testing::listAll(*store_, failed), (std::vector<std::string>{id}));
}

TEST_F(SqliteStoreBounces, MessageIsDeliveredOnlyWhenEveryRecipientIs) {
  auto [id, due] = relayed({"a@example.org", "b@example.org"});
  ASSERT_EQ(due.size(), 2u);
  record(report(due[0], "delivered", kT0 + 5000), effect(DeliveryStatus::kDelivered, "delivered"));
  EXPECT_EQ(detail(id).summary.delivery, DeliveryStatus::kUnknown);
  record(report(due[1], "delivered", kT0 + 6000), effect(DeliveryStatus::kDelivered, "delivered"));
  auto found = detail(id);
  EXPECT_EQ(found.summary.delivery, DeliveryStatus::kDelivered);
  ASSERT_EQ(found.reports.size(), 2u);
  EXPECT_EQ(found.reports[0].recipient, "a@example.org");  // oldest first
  EXPECT_EQ(found.reports[1].recipient, "b@example.org");
}

TEST_F(SqliteStoreBounces, LateBounceWinsOverTheRelaysSuccess) {
  auto [id, due] = relayed({"a@example.org"});
  ASSERT_EQ(due.size(), 1u);
  record(report(due[0], "delivered", kT0 + 5000), effect(DeliveryStatus::kDelivered, "delivered"));
  record(report(due[0], "failed", kT0 + 9000), effect(DeliveryStatus::kFailed, "bounced"));

  auto found = detail(id);
  EXPECT_EQ(found.recipients[0].delivery, DeliveryStatus::kFailed);
  EXPECT_EQ(found.summary.delivery, DeliveryStatus::kFailed);
  EXPECT_EQ(found.reports.size(), 2u);
}

TEST_F(SqliteStoreBounces, SuccessAfterAFailureIsKeptButChangesNothing) {
  auto [id, due] = relayed({"a@example.org"});
  ASSERT_EQ(due.size(), 1u);
  record(report(due[0], "failed", kT0 + 5000), effect(DeliveryStatus::kFailed, "bounced"));
  record(report(due[0], "delivered", kT0 + 9000), effect(DeliveryStatus::kDelivered, "delivered"));

  auto found = detail(id);
  EXPECT_EQ(found.recipients[0].delivery, DeliveryStatus::kFailed);
  EXPECT_EQ(found.summary.delivery, DeliveryStatus::kFailed);
  ASSERT_EQ(found.reports.size(), 2u);
  EXPECT_EQ(found.reports[1].action, "delivered");
  EXPECT_EQ(found.events.back().type, "delivered");
}

TEST_F(SqliteStoreBounces, DelayReportAddsAnEventOnly) {
  auto [id, due] = relayed({"a@example.org"});
  ASSERT_EQ(due.size(), 1u);
  auto delayed = report(due[0], "delayed", kT0 + 5000);
  delayed.status = "4.4.7";
  record(delayed, effect(DeliveryStatus::kUnknown, "delayed"));

  auto found = detail(id);
  EXPECT_EQ(found.recipients[0].delivery, DeliveryStatus::kUnknown);
  EXPECT_EQ(found.summary.delivery, DeliveryStatus::kUnknown);
  EXPECT_EQ(found.summary.processing, ProcessingStatus::kProcessed);
  EXPECT_EQ(found.events.back().type, "delayed");
  ASSERT_EQ(found.reports.size(), 1u);
  EXPECT_EQ(found.reports[0].status, "4.4.7");
}

TEST_F(SqliteStoreBounces, ReportForAnUnknownRecipientIsNotFoundAndStoresNothing) {
  auto [id, due] = relayed({"a@example.org"});
  ASSERT_EQ(due.size(), 1u);
  auto stray = report(due[0], "failed", kT0 + 5000);
  stray.recipient_id += 1000;
  auto hard = effect(DeliveryStatus::kFailed, "bounced");
  hard.suppress = Suppression{"a@example.org", "userunknown", "bounce", id, kT0 + 5000};
  auto recorded = store_->recordReport(stray, hard);
  ASSERT_FALSE(recorded.ok());
  EXPECT_EQ(recorded.error().code, "not_found");

  auto found = detail(id);
  EXPECT_TRUE(found.reports.empty());
  EXPECT_EQ(found.recipients[0].delivery, DeliveryStatus::kUnknown);
  auto suppressed = store_->findSuppression("a@example.org");
  ASSERT_TRUE(suppressed.ok());
  EXPECT_FALSE(suppressed->has_value());
}

TEST_F(SqliteStoreBounces, HardBounceSuppressesTheAddressInTheSameCommit) {
  auto [id, due] = relayed({"Gone@Example.org"});
  ASSERT_EQ(due.size(), 1u);
  auto commits_before = sqliteStats(*store_)->commits;
  auto hard = effect(DeliveryStatus::kFailed, "bounced");
  // What the classifier leaves empty (address, message, time) comes from the report.
  hard.suppress = Suppression{"", "userunknown: 550 5.1.1 no such user", "bounce", "", 0};
  record(report(due[0], "failed", kT0 + 5000), hard);
  EXPECT_EQ(sqliteStats(*store_)->commits, commits_before + 1);

  auto suppressed = store_->findSuppression("GONE@example.ORG");
  ASSERT_TRUE(suppressed.ok());
  ASSERT_TRUE(suppressed->has_value());
  EXPECT_EQ((*suppressed)->address, "gone@example.org");
  EXPECT_EQ((*suppressed)->reason, "userunknown: 550 5.1.1 no such user");
  EXPECT_EQ((*suppressed)->source, "bounce");
  EXPECT_EQ((*suppressed)->message_id, id);
  EXPECT_EQ((*suppressed)->created_at, kT0 + 5000);
  EXPECT_EQ(detail(id).recipients[0].delivery, DeliveryStatus::kFailed);

  // The next message to the address meets the suppression at the claim.
  insert(*store_, makeMessage(kT0 + 10'000, {"gone@example.org"}));
  auto next = claim(kT0 + 10'000, "node-a");
  ASSERT_EQ(next.size(), 1u);
  ASSERT_TRUE(next[0].suppression);
  EXPECT_EQ(next[0].suppression->message_id, id);
}

TEST_F(SqliteStoreBounces, SuppressionsAreAddedReplacedFoundAndRemovedByLowercaseAddress) {
  ASSERT_TRUE(store_->addSuppression({"Ann@Example.org", "first", "manual", "", kT0}).ok());
  ASSERT_TRUE(store_->addSuppression({"ann@example.ORG", "second", "bounce", "m2", kT0 + 1}).ok());

  auto found = store_->findSuppression("ANN@example.org");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->address, "ann@example.org");
  EXPECT_EQ((*found)->reason, "second");
  EXPECT_EQ((*found)->source, "bounce");
  EXPECT_EQ((*found)->message_id, "m2");
  EXPECT_EQ((*found)->created_at, kT0 + 1);
  auto page = store_->listSuppressions({});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 1u);  // replaced, not added twice

  auto removed = store_->removeSuppression("Ann@EXAMPLE.org");
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  auto again = store_->removeSuppression("ann@example.org");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto gone = store_->findSuppression("ann@example.org");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());

  auto empty = store_->addSuppression({"", "no address", "manual", "", kT0});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "invalid_request");
}

std::vector<std::string> addresses(Store& store, SuppressionQuery query, int* pages = nullptr) {
  std::vector<std::string> all;
  for (int page_count = 1;; ++page_count) {
    auto page = store.listSuppressions(query);
    EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().message);
    if (!page.ok()) return all;
    for (const auto& item : page->items) all.push_back(item.address);
    if (!page->next_cursor) {
      if (pages != nullptr) *pages = page_count;
      return all;
    }
    query.cursor = *page->next_cursor;
  }
}

TEST_F(SqliteStoreBounces, SuppressionsAreListedNewestFirstInPagesAndFiltered) {
  // Two share a time: the address breaks the tie, so no page repeats or skips one.
  for (auto [address, at] :
       {std::pair{"a@one.example", kT0}, std::pair{"b@two.example", kT0 + 1},
        std::pair{"c@one.example", kT0 + 2}, std::pair{"d_x%@two.example", kT0 + 2},
        std::pair{"e@one.example", kT0 + 3}}) {
    ASSERT_TRUE(store_->addSuppression({address, "why", "manual", "", at}).ok());
  }
  SuppressionQuery query;
  query.limit = 2;
  int pages = 0;
  EXPECT_EQ(addresses(*store_, query, &pages),
            (std::vector<std::string>{"e@one.example", "d_x%@two.example", "c@one.example",
                                      "b@two.example", "a@one.example"}));
  EXPECT_EQ(pages, 3);

  query.text = "ONE.example";
  EXPECT_EQ(addresses(*store_, query),
            (std::vector<std::string>{"e@one.example", "c@one.example", "a@one.example"}));
  // The text is matched literally: '%' and '_' are not wildcards.
  query.text = "_x%";
  EXPECT_EQ(addresses(*store_, query), (std::vector<std::string>{"d_x%@two.example"}));
  query.text = "%";
  EXPECT_EQ(addresses(*store_, query), (std::vector<std::string>{"d_x%@two.example"}));

  SuppressionQuery clamped;
  clamped.limit = 0;
  auto one = store_->listSuppressions(clamped);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->items.size(), 1u);
  EXPECT_TRUE(one->next_cursor);

  SuppressionQuery bad;
  bad.cursor = "not a cursor!";
  auto refused = store_->listSuppressions(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "invalid_request");
}

}  // namespace
}  // namespace outpost::store
