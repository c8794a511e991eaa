// A small pool of read-only connections: WAL lets them read while the writer commits, each
// from its own consistent snapshot.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite/connection.h"

namespace outpost::store::sqlite {

class ReaderPool {
 public:
  static Result<std::unique_ptr<ReaderPool>> open(const std::string& path, int connections,
                                                  int busy_timeout_ms);

  // A connection borrowed from the pool until the lease is destroyed.
  class Lease {
   public:
    Lease(ReaderPool& pool, Connection* connection) : pool_(pool), connection_(connection) {}
    ~Lease() { pool_.giveBack(connection_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_; }

   private:
    ReaderPool& pool_;
    Connection* connection_;
  };

  // Waits until a connection is free.
  Lease acquire();

 private:
  ReaderPool() = default;
  void giveBack(Connection* connection);

  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> free_;
  std::mutex mutex_;
  std::condition_variable returned_;
};

}  // namespace outpost::store::sqlite
