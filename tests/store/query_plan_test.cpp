// The listing and claim queries walk an index in their own order: no full scan of messages or
// recipients and no sort of every row, so the first page and deep keyset pages stay fast with
// a million messages. Checked with SQLite's EXPLAIN QUERY PLAN on the real schema.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/sqlite/queries.h"
#include "store_test_support.h"

namespace outpost::store {
namespace {

using testing::TempDatabase;

class QueryPlans : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::openStore(db_.path()));  // creates the schema
    ASSERT_EQ(sqlite3_open_v2(db_.path().c_str(), &raw_, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  }
  void TearDown() override { sqlite3_close(raw_); }

  // The plan's detail lines, one per step.
  std::vector<std::string> plan(const std::string& sql) {
    std::vector<std::string> lines;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(raw_, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &stmt, nullptr);
    EXPECT_EQ(rc, SQLITE_OK) << sqlite3_errmsg(raw_) << "\n" << sql;
    while (rc == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      lines.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)));
    }
    sqlite3_finalize(stmt);
    return lines;
  }

  std::string listPlan(const ListQuery& query) {
    auto built = sqlite::buildListQuery(query);
    EXPECT_TRUE(built.ok());
    std::string joined;
    for (const auto& line : plan(built->sql)) joined += line + "\n";
    return joined;
  }

  std::string suppressionPlan(const SuppressionQuery& query) {
    auto built = sqlite::buildSuppressionQuery(query);
    EXPECT_TRUE(built.ok());
    std::string joined;
    for (const auto& line : plan(built->sql)) joined += line + "\n";
    return joined;
  }

  TempDatabase db_;
  sqlite3* raw_ = nullptr;
};

// A plan that reads messages through `index`, in listing order.
void expectIndexWalk(const std::string& plan, const std::string& index) {
  EXPECT_NE(plan.find("m USING INDEX " + index), std::string::npos) << plan;
  EXPECT_EQ(plan.find("SCAN m\n"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

TEST_F(QueryPlans, EveryViewWalksItsIndexOnFirstAndDeepPages) {
  struct Case {
    View view;
    const char* index;
  };
  for (auto [view, index] :
       {Case{View::kSent, "messages_by_time"}, Case{View::kOutbox, "messages_outbox"},
        Case{View::kFailed, "messages_failed"}}) {
    ListQuery query;
    query.view = view;
    expectIndexWalk(listPlan(query), index);
    query.cursor = sqlite::encodeCursor(1'780'000'000'000, "01JABCDEFGHJKMNPQRSTVWXYZ0");
    std::string deep = listPlan(query);
    expectIndexWalk(deep, index);
    // A deep page starts where the cursor points, it does not skip rows.
    EXPECT_NE(deep.find(std::string("SEARCH m USING INDEX ") + index + " ((created_at,id)<(?,?))"),
              std::string::npos)
        << deep;
  }
}

TEST_F(QueryPlans, RareStatusesUseTheSmallPartialIndexes) {
  for (auto [status, index] :
       {std::pair{"failure", "messages_failed"}, std::pair{"failed", "messages_failed"},
        std::pair{"deferred", "messages_outbox"}, std::pair{"queued", "messages_outbox"},
        std::pair{"processing", "messages_outbox"}}) {
    ListQuery query;
    query.status = status;
    expectIndexWalk(listPlan(query), index);
  }
}

TEST_F(QueryPlans, OwnListingUsesTheOwnerIndex) {
  ListQuery query;
  query.owner_user_id = 7;
  expectIndexWalk(listPlan(query), "messages_by_owner");
}

TEST_F(QueryPlans, ClaimWalksTheDueIndexOnly) {
  std::string joined;
  for (const auto& line : plan(sqlite::kClaimDueSql)) joined += line + "\n";
  EXPECT_NE(joined.find("r USING INDEX recipients_due"), std::string::npos) << joined;
  EXPECT_NE(joined.find("SEARCH m USING INDEX sqlite_autoindex_messages_1 (id=?)"),
            std::string::npos)
      << joined;
  // The suppression list is probed by its key, once per claimed recipient.
  EXPECT_NE(joined.find("SEARCH s USING INDEX sqlite_autoindex_suppressions_1 (address=?)"),
            std::string::npos)
      << joined;
  EXPECT_EQ(joined.find("TEMP B-TREE"), std::string::npos) << joined;
}

TEST_F(QueryPlans, SuppressionListingWalksItsIndexOnFirstAndDeepPages) {
  SuppressionQuery query;
  query.text = "example.org";
  std::string first = suppressionPlan(query);
  EXPECT_NE(first.find("suppressions USING INDEX suppressions_by_time"), std::string::npos)
      << first;
  EXPECT_EQ(first.find("TEMP B-TREE"), std::string::npos) << first;
  query.cursor = sqlite::encodeSuppressionCursor(1'780'000'000'000, "gone@example.org");
  std::string deep = suppressionPlan(query);
  EXPECT_NE(deep.find("SEARCH suppressions USING INDEX suppressions_by_time"
                      " ((created_at,address)<(?,?))"),
            std::string::npos)
      << deep;
  EXPECT_EQ(deep.find("TEMP B-TREE"), std::string::npos) << deep;
}

}  // namespace
}  // namespace outpost::store
