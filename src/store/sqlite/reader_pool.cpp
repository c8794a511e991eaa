// The pool of read-only connections (see reader_pool.h).
#include "store/sqlite/reader_pool.h"

#include <algorithm>

namespace outpost::store::sqlite {

Result<std::unique_ptr<ReaderPool>> ReaderPool::open(const std::string& path, int connections,
                                                     int busy_timeout_ms) {
  std::unique_ptr<ReaderPool> pool(new ReaderPool());
  for (int i = 0; i < std::max(connections, 1); ++i) {
    auto connection = Connection::open(path, Connection::Mode::kReadOnly, busy_timeout_ms);
    if (!connection) return connection.takeError();
    pool->free_.push_back(connection->get());
    pool->connections_.push_back(std::move(*connection));
  }
  return pool;
}

ReaderPool::Lease ReaderPool::acquire() {
  std::unique_lock lock(mutex_);
  returned_.wait(lock, [&] { return !free_.empty(); });
  Connection* connection = free_.back();
  free_.pop_back();
  return {*this, connection};
}

void ReaderPool::giveBack(Connection* connection) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(connection);
  }
  returned_.notify_one();
}

}  // namespace outpost::store::sqlite
