// The request and response as the API resources see them: plain values without Beast, so the
// resource files stay cheap to compile and easy to test. Everything in a Request is untrusted
// client input; the router fills `params` from the path.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/server.h"

namespace outpost::http {

struct Principal;

struct Request {
  std::string method;                                      // "GET", "POST", …
  std::string target;                                      // as received, for the access log
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string authorization;
  std::string idempotency_key;
  std::string body;
  std::vector<std::string> params;  // path parameters ({id}, {n}) in order, decoded

  // The first value of a query parameter.
  std::optional<std::string> queryValue(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// What a handler works with: the server's dependencies, the request, who sent it (for
// authenticated routes) and the I/O executor it runs on.
struct Context {
  const Dependencies& deps;
  const Request& request;
  const Principal* principal = nullptr;
  boost::asio::any_io_executor io;
};

using Handler = std::function<boost::asio::awaitable<Response>(Context&)>;

}  // namespace outpost::http
