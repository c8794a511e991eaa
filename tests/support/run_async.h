// Test helper: runs one Asio coroutine to completion on a private io_context and returns
// its value (exceptions are rethrown), so a test body stays sequential. Header-only; the
// test must link outpost_asio (outpost_smtp and the other network modules do).
//
//   auto outcome = outpost::test::runAsync([&](auto executor) -> asio::awaitable<T> { ... });
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace outpost::test {

template <class Function>
auto runAsync(Function function) {
  using Awaitable = std::invoke_result_t<Function, boost::asio::any_io_executor>;
  using Value = typename Awaitable::value_type;
  boost::asio::io_context context;
  std::exception_ptr failure;
  if constexpr (std::is_void_v<Value>) {
    boost::asio::co_spawn(context, function(context.get_executor()),
                          [&](std::exception_ptr error) { failure = error; });
    context.run();
    if (failure) std::rethrow_exception(failure);
  } else {
    std::optional<Value> result;
    boost::asio::co_spawn(context, function(context.get_executor()),
                          [&](std::exception_ptr error, Value value) {
                            failure = error;
                            if (!error) result.emplace(std::move(value));
                          });
    context.run();
    if (failure) std::rethrow_exception(failure);
    return std::move(*result);
  }
}

}  // namespace outpost::test
