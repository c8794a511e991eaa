// The request and response as the API resources see them: plain values without Beast, so the
// resource files stay cheap to compile and easy to test. Everything in a Request is untrusted
// client input; the router fills `params` from the path.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/server.h"

namespace outpost::http {

struct Principal;
class LoginGuard;

struct Request {
  std::string method;                                      // "GET", "POST", …
  std::string target;                                      // as received, for the access log
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string authorization;
  std::string cookie;           // the Cookie header (the console's session)
  std::string accept_encoding;  // for the console's gzip copies
  std::string csrf_token;       // X-CSRF-Token
  std::string remote_address;   // the client's IP address, for login limits and the audit log
  bool secure = false;          // reached over TLS (X-Forwarded-Proto: https from a proxy)
  std::string idempotency_key;
  std::string body;
  std::vector<std::string> params;  // path parameters ({id}, {n}) in order, decoded

  // The first value of a query parameter.
  std::optional<std::string> queryValue(std::string_view name) const;
};

// The server's side of a streamed response (text/event-stream): what a stream function may do.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Sends `chunk` now; false when the client is gone (the stream function should return).
  virtual boost::asio::awaitable<bool> write(std::string_view chunk) = 0;
  // Waits `delay`; false when the server is stopping (the stream function should return).
  virtual boost::asio::awaitable<bool> wait(std::chrono::milliseconds delay) = 0;
};

using StreamFunction = std::function<boost::asio::awaitable<void>(StreamWriter&)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // When set, the server sends the status line and headers without a length, then lets this
  // function write the body for as long as it runs, then closes the connection; `body` is
  // not sent.
  StreamFunction stream;
};

// What a handler works with: the server's dependencies, the request, who sent it (for
// authenticated routes) and the I/O executor it runs on.
struct Context {
  const Dependencies& deps;
  const Request& request;
  const Principal* principal = nullptr;
  boost::asio::any_io_executor io;
  LoginGuard* login_guard = nullptr;  // the console's login rate limits (session resource)
};

using Handler = std::function<boost::asio::awaitable<Response>(Context&)>;

}  // namespace outpost::http
