// Sending a streamed response (text/event-stream) on a server connection: the header without a
// length, then whatever the response's stream function writes, until it returns, the client
// goes away or the server stops. Internal to the HTTP server (server.cpp).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "http/api.h"

namespace outpost::http {

// What a streamed response needs of its connection. `timer` and `stopping` belong to the
// connection's strand: Server::stop sets `stopping` and cancels `timer` there, which ends a
// stream waiting between events at once.
struct StreamChannel {
  boost::beast::tcp_stream& stream;
  boost::asio::steady_timer& timer;
  const bool& stopping;
};

// Writes the status line and headers (Connection: close, no Content-Length), then runs
// `response.stream`. The caller closes the connection afterwards.
boost::asio::awaitable<void> sendStream(const StreamChannel& channel, Response& response,
                                        unsigned version);

}  // namespace outpost::http
