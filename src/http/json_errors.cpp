// JSON responses and the error body of design.md; the one place where error codes from store
// and intake become HTTP statuses. Error messages go to the client as they are, so callers
// must not put secrets in them (store and intake don't).
#include "http/json_errors.h"

#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>
#include <string>

namespace outpost::http {

Response jsonResponse(int status, const boost::json::value& body) {
  Response response;
  response.status = status;
  response.body = boost::json::serialize(body);
  return response;
}

Response errorResponse(int status, std::string_view code, std::string_view message,
                       const std::vector<mime::FieldError>& errors) {
  boost::json::object body;
  body["error"] = code;
  body["message"] = message;
  if (!errors.empty()) {
    boost::json::array list;
    for (const auto& error : errors) {
      list.push_back(boost::json::object{{"field", error.field}, {"message", error.message}});
    }
    body["errors"] = std::move(list);
  }
  return jsonResponse(status, body);
}

Response invalidRequest(const std::vector<mime::FieldError>& errors) {
  std::string message = errors.size() == 1 ? "1 field is invalid"
                                           : std::to_string(errors.size()) + " fields are invalid";
  if (!errors.empty()) message += ": " + errors.front().field + ": " + errors.front().message;
  return errorResponse(400, "invalid_request", message, errors);
}

Response notFound() { return errorResponse(404, "not_found", "no such resource"); }

Response forbidden(std::string_view message) { return errorResponse(403, "forbidden", message); }

Response unauthorized() {
  Response response = errorResponse(401, "unauthorized",
                                    "send an API key: Authorization: Bearer op_<prefix>_<secret>");
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"outpost\"");
  return response;
}

Response responseForError(const Error& error, const std::vector<mime::FieldError>& errors) {
  const std::string& code = error.code;
  if (code == "invalid_request") {
    if (errors.empty()) return errorResponse(400, "invalid_request", error.message);
    Response response = invalidRequest(errors);
    return response;
  }
  if (code == "invalid_message" || code == "invalid_address") {
    std::vector<mime::FieldError> listed = errors;
    if (listed.empty()) listed.push_back({"message", error.message});
    return errorResponse(400, "invalid_request", error.message, listed);
  }
  if (code == "too_many_recipients") return errorResponse(400, code, error.message, errors);
  if (code == "unauthorized") return unauthorized();
  if (code == "forbidden" || code == "domain_not_allowed") {
    return errorResponse(403, code, error.message);
  }
  if (code == "not_found") return errorResponse(404, code, error.message);
  if (code == "idempotency_conflict" || code == "conflict" || code == "not_configured") {
    return errorResponse(409, code, error.message);
  }
  if (code == "too_large") return errorResponse(413, code, error.message);
  if (code == "signing_unavailable") {
    spdlog::warn("http: DKIM signing unavailable: {}", error.message);
    return errorResponse(
        503, "unavailable",
        "the message could not be DKIM-signed, nothing was stored: " + error.message);
  }
  if (code.starts_with("store.")) {
    spdlog::warn("http: store unavailable: {} ({})", error.message, code);
    return errorResponse(503, "unavailable",
                         "the store is unavailable, nothing was changed: " + error.message);
  }
  spdlog::error("http: unexpected error {}: {}", code, error.message);
  return errorResponse(500, "internal", "internal error");
}

}  // namespace outpost::http
