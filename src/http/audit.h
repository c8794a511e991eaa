// The audit log of settings changes and account actions (who, when, what). Handlers call
// recordAudit() after a change has been made; the detail they pass never holds a secret.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "http/api.h"

namespace outpost::http {

// Appends an entry for the request's principal. A failure to write it is logged, not
// returned: the change it describes has already been made.
boost::asio::awaitable<void> recordAudit(Context& context, std::string action, std::string target,
                                         std::string detail);

}  // namespace outpost::http
