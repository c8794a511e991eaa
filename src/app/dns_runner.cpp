// See dns_runner.h.
#include "app/dns_runner.h"

#include <boost/asio/co_spawn.hpp>
#include <exception>

#include "dns/cares_resolver.h"

namespace outpost::app {

Result<std::unique_ptr<dns::Resolver>> makeResolver(const Config& config,
                                                    const boost::asio::any_io_executor& executor) {
  dns::CaresOptions options;
  options.servers = config.dns_server;
  options.timeout = config.dns_timeout;
  auto made = dns::CaresResolver::create(executor, options);
  if (!made) return made.takeError();
  return std::unique_ptr<dns::Resolver>(std::move(*made));
}

void runToEnd(boost::asio::io_context& io, boost::asio::awaitable<void> work) {
  std::exception_ptr failure;
  boost::asio::co_spawn(io, std::move(work),
                        [&failure](const std::exception_ptr& error) { failure = error; });
  io.run();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace outpost::app
