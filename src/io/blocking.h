// Runs a blocking call (SQLite, a grouped commit, GMime, argon2) on the blocking pool and
// resumes the calling coroutine on its own executor afterwards, so I/O threads never wait on
// disk or CPU work. Shared by http and delivery.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace outpost::io {

// `co_await asio::post(pool)` alone would resume on the coroutine's executor right away (the
// completion goes through the handler's associated executor), so the call is posted
// explicitly and the coroutine's handler is posted back when it is done.
// Pass named lambdas where the capture owns non-trivial objects: GCC 12 destroys some
// temporaries of co_await expressions twice.
template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> runBlocking(boost::asio::any_io_executor pool,
                                                             F f) {
  using T = std::invoke_result_t<F&>;
  std::optional<T> result;
  std::exception_ptr failure;
  co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
      [&](auto handler) {
        // Keeps the I/O context running while the call is away on the pool.
        auto work = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                        boost::asio::execution::outstanding_work.tracked);
        boost::asio::post(pool, [&result, &failure, &f, work = std::move(work),
                                 handler = std::move(handler)]() mutable {
          try {
            result.emplace(f());
          } catch (...) {
            failure = std::current_exception();
          }
          boost::asio::post(std::move(handler));
        });
      },
      boost::asio::use_awaitable);
  if (failure) std::rethrow_exception(failure);
  co_return std::move(*result);
}

}  // namespace outpost::io
