// /api/v1/messages: submit (JSON and raw), list, detail, raw body, transcripts, raw delivery
// reports, retry, cancel.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "http/api.h"

namespace outpost::http {

// The list endpoint (view, status, q, since, until, limit, cursor), restricted to messages
// with an attempt at `server` when given (the sandbox list).
boost::asio::awaitable<Response> listMessages(Context& context, std::optional<std::string> server);

// The "limit" query parameter of list endpoints (1 to 500); nullopt when absent or invalid
// (then with a field error).
std::optional<int> readPageLimit(const Request& request, std::vector<mime::FieldError>& errors);

// 201 with intake's body and Location, or the error response for a failed submission.
Response acceptedResponse(const Result<intake::Accepted>& accepted,
                          const std::vector<mime::FieldError>& errors);

}  // namespace outpost::http
