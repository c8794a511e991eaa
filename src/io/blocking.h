// Runs a blocking call (SQLite, GMime, argon2) on the blocking pool and resumes the calling
// coroutine on its own executor afterwards, so I/O threads never wait on disk or CPU work.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <type_traits>
#include <utility>

namespace outpost::io {

// `function` is taken by reference: the caller's temporary lives until the co_await that
// contains the call completes. (Moving a coroutine's by-value parameter into a lambda capture
// miscompiles with GCC 12: the moved object is destroyed twice.)
template <class Function>
auto runBlocking(boost::asio::any_io_executor pool, Function&& function)
    -> boost::asio::awaitable<std::invoke_result_t<Function&>> {
  using Value = std::invoke_result_t<Function&>;
  // co_spawn on the pool runs `function` there; awaiting with use_awaitable resumes us on
  // our own executor. co_spawn needs a default-constructible result, which Result<T> is not
  // (a Result always holds a value or an error), hence the optional around it.
  auto result = co_await boost::asio::co_spawn(
      pool,
      [&function]() -> boost::asio::awaitable<std::optional<Value>> {
        co_return std::optional<Value>(function());
      },
      boost::asio::use_awaitable);
  co_return std::move(*result);
}

}  // namespace outpost::io
