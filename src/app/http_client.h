// A small blocking HTTP client (libcurl) for the CLI commands that talk to a running server
// (`outpost send`, `outpost smtp test`).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace outpost::app {

struct HttpResponse {
  long status = 0;
  std::string body;
};

// Error code "http.connect" when the server cannot be reached.
Result<HttpResponse> httpRequest(const std::string& method, const std::string& url,
                                 const std::string& api_key, const std::string& body = "");

}  // namespace outpost::app
