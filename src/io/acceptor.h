// Opens a listening TCP socket from a listen address as people write it in the configuration:
// "127.0.0.1:8025", "[::1]:2587", ":2587" (every interface, IPv6 and IPv4), "localhost:2525".
// Shared by the HTTP server and the SMTP listeners, so both read addresses the same way.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "core/result.h"

namespace outpost::io {

// Error code `<what>.listen`, with a message that names the address and why it cannot be used
// (malformed, not an IP address, in use, not allowed).
Result<boost::asio::ip::tcp::acceptor> openAcceptor(const boost::asio::any_io_executor& executor,
                                                    const std::string& listen,
                                                    const std::string& what);

}  // namespace outpost::io
