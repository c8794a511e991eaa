// /api/v1/messages: submit (JSON and raw), list, detail, raw body, transcripts, raw delivery
// reports, retry, cancel.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "http/api.h"
#include "store/store.h"

namespace outpost::http {

struct VisibleMessage {
  std::optional<store::MessageDetail> detail;
  Response error;
};

// The message with this id if the caller may see it; else the 404 (or store error) response.
boost::asio::awaitable<VisibleMessage> loadVisible(Context& context, const std::string& id);

// The list endpoint (view, status, q, since, until, limit, cursor), restricted to messages
// with an attempt at `server` when given (the sandbox list).
boost::asio::awaitable<Response> listMessages(Context& context, std::optional<std::string> server);

// The list parameters of GET /messages (view, status, q, since, until, limit, cursor);
// nullopt when one is invalid (then with field errors). Unknown parameters are ignored
// (caches add their own).
std::optional<store::ListQuery> readListQuery(const Request& request,
                                              std::vector<mime::FieldError>& errors);

// The "limit" query parameter of list endpoints (1 to 500); nullopt when absent or invalid
// (then with a field error).
std::optional<int> readPageLimit(const Request& request, std::vector<mime::FieldError>& errors);

// The "since" and "until" query parameters of list and stats endpoints (RFC 3339 times); each
// is left unset when absent or invalid (then with a field error).
void readTimeRange(const Request& request, std::vector<mime::FieldError>& errors,
                   std::optional<UnixMillis>& since, std::optional<UnixMillis>& until);

// 201 with intake's body and Location, or the error response for a failed submission.
Response acceptedResponse(const Result<intake::Accepted>& accepted,
                          const std::vector<mime::FieldError>& errors);

}  // namespace outpost::http
