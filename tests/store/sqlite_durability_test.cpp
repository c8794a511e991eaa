// Durability and grouped commits: concurrent writers share commits, one failing job does not
// undo the others of its group, and a writer killed with SIGKILL loses no message it had
// acknowledged (the LevelDB fault-injection idea, with a real process crash).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "store/sqlite/writer.h"
#include "store_test_support.h"

namespace outpost::store {
namespace {

using testing::makeMessage;
using testing::openStore;
using testing::TempDatabase;

constexpr UnixMillis kT0 = 1'780'000'000'000;

TEST(SqliteStoreDurability, ConcurrentInsertsAreAllStoredWithFewerCommitsThanMessages) {
  TempDatabase db;
  auto store = openStore(db.path());
  ASSERT_TRUE(store);
  constexpr int kThreads = 16;
  constexpr int kPerThread = 50;
  std::vector<std::vector<std::string>> stored(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto message = makeMessage(kT0 + t * 1000 + i, {"a@example.org", "b@example.org"});
        auto outcome = store->insertMessage(message);
        if (!outcome.ok()) {
          ++failures;
          continue;
        }
        stored[t].push_back(outcome->id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);

  std::set<std::string> expected;
  for (const auto& ids : stored) expected.insert(ids.begin(), ids.end());
  ASSERT_EQ(expected.size(), static_cast<std::size_t>(kThreads * kPerThread));
  ListQuery all;
  all.limit = 500;
  auto listed = testing::listAll(*store, all);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), expected);
  for (const auto& id : expected) {
    auto detail = store->getMessage(id);
    ASSERT_TRUE(detail.ok());
    EXPECT_EQ(detail->recipients.size(), 2u);
  }

  auto stats = sqliteStats(*store);
  ASSERT_TRUE(stats);
  EXPECT_GE(stats->write_jobs, static_cast<std::uint64_t>(kThreads * kPerThread));
  RecordProperty("commits", static_cast<int>(stats->commits));
  EXPECT_LT(stats->commits, static_cast<std::uint64_t>(kThreads * kPerThread))
      << "concurrent inserts should share commits";
}

TEST(SqliteStoreDurability, OneFailingJobDoesNotUndoTheOthersInItsCommit) {
  TempDatabase db;
  auto store = openStore(db.path());
  ASSERT_TRUE(store);
  auto taken = makeMessage(kT0, {"a@example.org"});
  ASSERT_TRUE(store->insertMessage(taken).ok());

  // Half the threads insert fresh messages, half repeat a stored id; whatever groups the
  // writer forms, each job gets its own outcome.
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::mutex mutex;
  std::vector<std::string> fresh_ids;
  std::atomic<int> conflicts{0};
  std::atomic<int> other_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        NewMessage message = t % 2 == 0 ? makeMessage(kT0 + 1 + i, {"b@example.org"}) : taken;
        auto outcome = store->insertMessage(message);
        if (outcome.ok()) {
          std::lock_guard lock(mutex);
          fresh_ids.push_back(outcome->id);
        } else if (outcome.error().code == "conflict") {
          ++conflicts;
        } else {
          ++other_errors;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_EQ(conflicts.load(), kThreads / 2 * kPerThread);
  ASSERT_EQ(fresh_ids.size(), static_cast<std::size_t>(kThreads / 2 * kPerThread));
  for (const auto& id : fresh_ids) {
    auto raw = store->loadRaw(id);
    ASSERT_TRUE(raw.ok()) << id;
  }
  auto original = store->getMessage(taken.id);
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(original->recipients.size(), 1u);
}

TEST(SqliteStoreDurability, WriteLockedByAnotherProcessIsTemporaryAndStoresNothing) {
  TempDatabase db;
  auto opened = openSqliteStore(SqliteOptions{db.path(), 2, 50});
  ASSERT_TRUE(opened.ok());
  auto store = std::move(*opened);
  // Another program (an admin CLI, a backup) holds the write lock beyond the busy timeout.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(db.path().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  auto message = makeMessage(kT0, {"a@example.org"});
  auto refused = store->insertMessage(message);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "store.unavailable");
  EXPECT_TRUE(refused.error().temporary);
  EXPECT_NE(refused.error().message.find("database is locked"), std::string::npos)
      << refused.error().message;

  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ(store->getMessage(message.id).error().code, "not_found");
  auto retried = store->insertMessage(message);
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_TRUE(store->getMessage(message.id).ok());
}

// The body of crash-test message `n`: big enough that a kill often lands inside a write.
std::string crashBody(const std::string& id) {
  std::string body = "Message-ID: <" + id + "@crash.test>\r\nSubject: crash " + id + "\r\n\r\n";
  for (int line = 0; line < 300; ++line) {
    body += id + " line " + std::to_string(line) + " of the body, padded to a long line.\r\n";
  }
  return body;
}

NewMessage crashMessage(int thread, int n) {
  auto message = makeMessage(kT0 + n, {"a@example.org", "b@example.org", "c@example.org"});
  message.raw = crashBody(message.id);
  message.subject = "crash " + std::to_string(thread) + "/" + std::to_string(n);
  return message;
}

// Runs in the forked child: inserts from four threads forever, printing each id to `fd` only
// after insertMessage has returned (the moment a client would get "250 OK").
[[noreturn]] void insertUntilKilled(const std::string& path, int fd) {
  auto opened = openSqliteStore(SqliteOptions{path});
  if (!opened.ok()) _exit(2);
  auto store = std::move(*opened);
  std::mutex write_mutex;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 100'000; ++n) {
        auto message = crashMessage(t, n);
        if (!store->insertMessage(message).ok()) _exit(3);
        std::string line = message.id + "\n";
        std::lock_guard lock(write_mutex);
        if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(4);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  _exit(0);
}

TEST(SqliteStoreDurability, WriterKilledMidStreamLosesNoAcknowledgedMessage) {
  std::random_device random;
  for (int round = 0; round < 3; ++round) {
    TempDatabase db;
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      insertUntilKilled(db.path(), fds[1]);
    }
    close(fds[1]);

    // Kill the child at a random moment after some acknowledgements.
    std::size_t kill_after = 20 + random() % 400;
    std::string buffer;
    std::vector<std::string> acknowledged;
    bool killed = false;
    char chunk[4096];
    for (;;) {
      ssize_t got = read(fds[0], chunk, sizeof chunk);
      if (got <= 0) break;  // EOF: the child is gone and the pipe drained
      buffer.append(chunk, static_cast<std::size_t>(got));
      std::size_t end;
      while ((end = buffer.find('\n')) != std::string::npos) {
        acknowledged.push_back(buffer.substr(0, end));
        buffer.erase(0, end + 1);
      }
      if (!killed && acknowledged.size() >= kill_after) {
        std::this_thread::sleep_for(std::chrono::microseconds(random() % 3000));
        ASSERT_EQ(kill(child, SIGKILL), 0);
        killed = true;
      }
    }
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(killed) << "the child stopped by itself, status " << status;
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    ASSERT_GE(acknowledged.size(), kill_after);

    auto store = openStore(db.path());
    ASSERT_TRUE(store);
    for (const auto& id : acknowledged) {
      auto detail = store->getMessage(id);
      ASSERT_TRUE(detail.ok()) << "acknowledged message " << id << " was lost";
      EXPECT_EQ(detail->recipients.size(), 3u) << id;
      EXPECT_EQ(detail->summary.processing, ProcessingStatus::kQueued) << id;
      auto raw = store->loadRaw(id);
      ASSERT_TRUE(raw.ok()) << id;
      EXPECT_EQ(*raw, crashBody(id)) << id;
    }
    // And what was not acknowledged is either whole or absent: every stored message has its
    // recipients and body.
    ListQuery all;
    all.limit = 500;
    auto stored = testing::listAll(*store, all);
    EXPECT_GE(stored.size(), acknowledged.size());
    for (const auto& id : stored) {
      auto detail = store->getMessage(id);
      ASSERT_TRUE(detail.ok());
      EXPECT_EQ(detail->recipients.size(), 3u) << id;
      EXPECT_TRUE(store->loadRaw(id).ok()) << id;
    }
    store.reset();

    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.path().c_str(), &raw), SQLITE_OK);
    sqlite3_stmt* check = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &check, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(check), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(check, 0)), "ok");
    sqlite3_finalize(check);
    // The full-text index agrees with the messages it indexes.
    EXPECT_EQ(sqlite3_exec(raw, "INSERT INTO messages_fts(messages_fts) VALUES('integrity-check')",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(raw);
    sqlite3_close(raw);
  }
}

// Each job of a group runs in a savepoint whose statement journal is kept in memory up to
// 120 KiB and spills to a file past that; undoing a failed job must work from either.
TEST(SqliteStoreDurability, AFailedJobsLargeChangesAreUndoneWhileItsGroupCommits) {
  TempDatabase db;
  auto opened = sqlite::Connection::open(db.path(), sqlite::Connection::Mode::kReadWrite, 5000);
  ASSERT_TRUE(opened);
  ASSERT_TRUE((*opened)->exec("PRAGMA journal_mode = WAL").ok());
  ASSERT_TRUE((*opened)->exec("CREATE TABLE rows (job INTEGER, body BLOB)").ok());
  ASSERT_TRUE((*opened)
                  ->exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                         "WHERE i < 3000) INSERT INTO rows SELECT 0, randomblob(4000) FROM n")
                  .ok());
  sqlite::Writer writer(std::move(*opened));

  // Rewrites `count` of the existing rows (pages the statement journal must keep the old
  // content of) and adds as many, then fails or succeeds.
  auto job = [](int number, int count, bool fail) {
    return [=](sqlite::Connection& connection) -> Result<void> {
      sqlite::Query update(connection,
                           "UPDATE rows SET job = ?, body = randomblob(4000) WHERE rowid IN "
                           "(SELECT rowid FROM rows WHERE job = 0 LIMIT ?)");
      update.bind(1, number).bind(2, count);
      if (auto done = update.step(); !done) return done.takeError();
      sqlite::Query insert(connection,
                           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE "
                           "i < ?) INSERT INTO rows SELECT ?, randomblob(4000) FROM n");
      insert.bind(1, count).bind(2, -number);
      if (auto done = insert.step(); !done) return done.takeError();
      if (fail) return Error::permanentFailure("invalid_request", "this job fails on purpose");
      return success();
    };
  };
  struct Plan {
    int number;
    int count;  // 10 rows: ~40 KiB of journal, in memory; 2,500 rows: ~10 MiB, spilled
    bool fail;
  };
  const std::vector<Plan> plans = {{1, 10, false},  {2, 10, true},  {3, 10, false},
                                   {4, 2500, true}, {5, 10, false}, {6, 2500, false}};
  std::vector<Result<void>> outcomes(plans.size(), success());
  std::vector<std::thread> threads;
  for (std::size_t index = 0; index < plans.size(); ++index) {
    threads.emplace_back([&, index] {
      auto work = job(plans[index].number, plans[index].count, plans[index].fail);
      outcomes[index] = writer.run(work);
    });
  }
  for (auto& thread : threads) thread.join();

  auto check = sqlite::Connection::open(db.path(), sqlite::Connection::Mode::kReadOnly, 5000);
  ASSERT_TRUE(check);
  for (std::size_t index = 0; index < plans.size(); ++index) {
    const Plan& plan = plans[index];
    EXPECT_EQ(outcomes[index].ok(), !plan.fail)
        << "job " << plan.number << ": "
        << (outcomes[index].ok() ? std::string() : outcomes[index].error().message);
    sqlite::Query count(**check, "SELECT count(*) FROM rows WHERE job IN (?, ?)");
    count.bind(1, plan.number).bind(2, -plan.number);
    auto row = count.step();
    ASSERT_TRUE(row && *row);
    EXPECT_EQ(count.int64(0), plan.fail ? 0 : 2 * plan.count) << "job " << plan.number;
  }
  sqlite::Query total(**check, "SELECT count(*) FROM rows");
  auto row = total.step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(total.int64(0), 3000 + 10 * 3 + 2500);
}

}  // namespace
}  // namespace outpost::store
