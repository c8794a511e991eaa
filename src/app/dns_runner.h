// What the commands that look things up in DNS (dkim, spf, dmarc) share: a resolver for
// --dns-server and a way to run one coroutine to its end on the command's thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>

#include "core/config.h"
#include "core/result.h"
#include "dns/resolver.h"

namespace outpost::app {

// The resolver of config.dns_server (or /etc/resolv.conf's servers), bound to `executor`.
Result<std::unique_ptr<dns::Resolver>> makeResolver(const Config& config,
                                                    const boost::asio::any_io_executor& executor);

// Runs `work` to its end on the calling thread (io.run()); its exception, if any, comes back
// here.
void runToEnd(boost::asio::io_context& io, boost::asio::awaitable<void> work);

}  // namespace outpost::app
