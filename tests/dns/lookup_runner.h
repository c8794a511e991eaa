// Test helper for the DNS tests: runs one Resolver lookup to completion on a private io_context.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>

#include "core/result.h"
#include "support/run_async.h"

namespace outpost::dns::testing {

// co_spawn needs a default-constructible value, hence the optional.
template <class T>
Result<T> run(boost::asio::awaitable<Result<T>> lookup) {
  auto out = test::runAsync([&lookup](auto) -> boost::asio::awaitable<std::optional<Result<T>>> {
    co_return co_await std::move(lookup);
  });
  return std::move(*out);
}

}  // namespace outpost::dns::testing
