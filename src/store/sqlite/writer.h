// The single writer: one thread owns the read-write connection and runs every write job.
// Jobs queued while a commit is in flight are grouped into the next transaction, each in its
// own SAVEPOINT, so concurrent callers share one fsync and one job's failure undoes only that
// job. A caller is woken only after COMMIT has returned (WAL, synchronous=FULL: durable).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/result.h"
#include "store/sqlite/connection.h"

namespace outpost::store::sqlite {

class Writer {
 public:
  // The work of one job. It runs on the writer thread while its caller blocks, so it may
  // refer to the caller's data; it must not start or end transactions.
  using Work = std::function<Result<void>(Connection&)>;

  explicit Writer(std::unique_ptr<Connection> connection);
  // Finishes the queued jobs, then stops the thread and closes the connection.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Runs `work` inside the next group commit; returns once it is committed, or its error.
  // If the commit fails, every job of the group gets a "store.unavailable" error.
  Result<void> run(const Work& work);
  // Runs `work` alone, outside any transaction (it manages its own, e.g. migrations).
  Result<void> runAlone(const Work& work);

  std::uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  std::uint64_t jobs() const { return jobs_.load(std::memory_order_relaxed); }

 private:
  struct Job {
    const Work* work;
    bool alone;
    Result<void> outcome;
    bool done = false;
    // Each caller waits on its own signal: one shared condition variable woke every waiting
    // caller on every commit (a dozen futex wake-ups and sleeps per commit under load, each a
    // context switch) to find that only some of them were done.
    std::condition_variable finished;
  };

  Result<void> submit(const Work& work, bool alone);
  void loop();
  void runGroup(const std::vector<Job*>& group);
  void failAll(const std::vector<Job*>& group, const Error& error);

  std::unique_ptr<Connection> connection_;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::vector<Job*> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> jobs_{0};
  std::thread thread_;
};

}  // namespace outpost::store::sqlite
