// Test helper for the DNS tests: runs one Resolver lookup to completion, on a private io_context
// or on one the test keeps (for resolvers bound to it that live across several lookups).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
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

// Runs `context` until the lookup is done; the context can be run again for the next one.
template <class T>
Result<T> runOn(boost::asio::io_context& context, boost::asio::awaitable<Result<T>> lookup) {
  std::optional<Result<T>> out;
  boost::asio::co_spawn(
      context,
      [&out, &lookup]() -> boost::asio::awaitable<void> {
        out.emplace(co_await std::move(lookup));
      },
      [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
      });
  context.restart();
  context.run();
  return std::move(*out);
}

}  // namespace outpost::dns::testing
