// Serving the embedded web console (see console_resource.cpp).
#pragma once

#include <string_view>

#include "http/api.h"

namespace outpost::http {

// The answer to `method` `path` outside /api/: a console file, or index.html for the
// console's own routes. `accept_encoding` chooses the gzip copy.
Response consoleResponse(std::string_view method, std::string_view path,
                         std::string_view accept_encoding);

}  // namespace outpost::http
