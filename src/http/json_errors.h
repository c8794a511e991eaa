// JSON responses and design.md's error body:
// {"error": "<code>", "message": "…", "errors": [{"field": "to[0]", "message": "…"}]}.
// Maps the error codes of store and intake to HTTP statuses in one place.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/api.h"
#include "mime/compose.h"

namespace outpost::http {

Response jsonResponse(int status, const boost::json::value& body);
Response errorResponse(int status, std::string_view code, std::string_view message,
                       const std::vector<mime::FieldError>& errors = {});
// 400 "invalid_request" listing every field error.
Response invalidRequest(const std::vector<mime::FieldError>& errors);
Response notFound();
Response forbidden(std::string_view message = "your role or key scope does not allow this");
Response unauthorized();
// The response for an Error returned by store or intake ("not_found" → 404, "store.*" → 503,
// "idempotency_conflict" → 409, …); unknown codes are logged and answer 500.
Response responseForError(const Error& error, const std::vector<mime::FieldError>& errors = {});

}  // namespace outpost::http
