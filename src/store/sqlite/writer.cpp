// Group commit on the single write connection (see writer.h for the contract).
#include "store/sqlite/writer.h"

#include <exception>
#include <string>

namespace outpost::store::sqlite {
namespace {

Result<void> runGuarded(const Writer::Work& work, Connection& connection) {
  try {
    return work(connection);
  } catch (const std::exception& e) {
    // Only allocation failures can throw here; report them as a value, not across threads.
    return Error::temporaryFailure("store.unavailable", std::string("write failed: ") + e.what());
  }
}

}  // namespace

Writer::Writer(std::unique_ptr<Connection> connection)
    : connection_(std::move(connection)), thread_([this] { loop(); }) {}

Writer::~Writer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  thread_.join();
}

Result<void> Writer::run(const Work& work) { return submit(work, false); }

Result<void> Writer::runAlone(const Work& work) { return submit(work, true); }

Result<void> Writer::submit(const Work& work, bool alone) {
  Job job{&work, alone, success()};
  std::unique_lock lock(mutex_);
  queue_.push_back(&job);
  work_ready_.notify_one();
  job.finished.wait(lock, [&] { return job.done; });
  return std::move(job.outcome);
}

void Writer::loop() {
  std::vector<Job*> batch;
  std::vector<Job*> group;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to do
      batch.swap(queue_);
    }
    // Consecutive ordinary jobs share a transaction; a job that runs alone splits the batch.
    group.clear();
    for (Job* job : batch) {
      if (!job->alone) {
        group.push_back(job);
        continue;
      }
      if (!group.empty()) runGroup(group);
      group.clear();
      job->outcome = runGuarded(*job->work, *connection_);
    }
    if (!group.empty()) runGroup(group);
    jobs_.fetch_add(batch.size(), std::memory_order_relaxed);
    {
      // Notified under the lock: a caller cannot see `done`, return and destroy its Job (and
      // its condition variable) before the notification has been made.
      std::lock_guard lock(mutex_);
      for (Job* job : batch) {
        job->done = true;
        job->finished.notify_one();
      }
    }
    batch.clear();
  }
}

void Writer::failAll(const std::vector<Job*>& group, const Error& error) {
  for (Job* job : group) {
    // A job that failed on its own keeps its own reason; nothing of it was stored either way.
    if (job->outcome.ok()) job->outcome = error;
  }
}

void Writer::runGroup(const std::vector<Job*>& group) {
  Connection& connection = *connection_;
  if (auto begun = connection.exec("BEGIN IMMEDIATE"); !begun) {
    Error error = begun.takeError();
    error.temporary = true;
    error.code = "store.unavailable";
    failAll(group, error);
    return;
  }
  for (Job* job : group) {
    if (auto saved = connection.exec("SAVEPOINT job"); !saved) {
      job->outcome = saved.takeError();
      continue;
    }
    Result<void> outcome = runGuarded(*job->work, connection);
    if (outcome.ok()) {
      if (auto released = connection.exec("RELEASE job"); !released) {
        job->outcome = released.takeError();
      }
      continue;
    }
    if (!connection.inTransaction()) {
      // SQLite rolled the whole transaction back by itself (I/O error, disk full): the
      // earlier jobs of the group are gone too.
      Error error = Error::temporaryFailure(
          "store.unavailable", "the transaction was rolled back: " + outcome.error().message);
      job->outcome = std::move(outcome);
      failAll(group, error);
      return;
    }
    job->outcome = std::move(outcome);
    (void)connection.exec("ROLLBACK TO job");
    (void)connection.exec("RELEASE job");
  }
  if (auto committed = connection.exec("COMMIT"); !committed) {
    Error error = committed.takeError();
    error.code = "store.unavailable";
    error.temporary = true;
    error.message = "commit failed, nothing was stored: " + error.message;
    if (connection.inTransaction()) (void)connection.exec("ROLLBACK");
    failAll(group, error);
    // Jobs that failed on their own keep their reasons; the others get the commit error.
    return;
  }
  commits_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace outpost::store::sqlite
