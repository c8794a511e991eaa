// The messages resource, with the delivery reports (DSNs, bounces) that came back about them.
// Request bodies, query parameters and path ids are untrusted; who may see and change which
// message is decided in auth.h, and messages a caller may not see answer 404 so their
// existence is not revealed. Store and intake calls run on the blocking pool.
#include "http/messages_resource.h"

#include <sodium.h>

#include <boost/json/object.hpp>
#include <charconv>

#include "core/clock.h"
#include "http/auth.h"
#include "http/json_errors.h"
#include "http/message_json.h"
#include "http/message_request.h"
#include "http/request_json.h"
#include "http/router.h"
#include "io/blocking.h"

namespace outpost::http {

namespace {

constexpr std::size_t kMaxIdempotencyKey = 255;

std::string hashHex(std::string_view text) {
  unsigned char hash[crypto_generichash_BYTES];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  char hex[crypto_generichash_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  return hex;
}

// The Idempotency-Key option; a 400 response when the header is unusable.
std::optional<Response> readIdempotency(const Context& context, std::string_view path,
                                        intake::SubmissionOptions& options) {
  const std::string& key = context.request.idempotency_key;
  if (key.empty()) return std::nullopt;
  bool printable = true;
  for (char c : key) printable = printable && c >= 0x21 && c <= 0x7e;
  if (!printable || key.size() > kMaxIdempotencyKey) {
    return invalidRequest({{"Idempotency-Key", "must be 1 to 255 printable ASCII characters"}});
  }
  // The path is part of the hash so that one key reused on /messages and /messages/raw is
  // a conflict, not a replay of the other endpoint's answer.
  std::string hashed(path);
  hashed += '\n';
  hashed += context.request.body;
  options.idempotency = store::Idempotency{key, hashHex(hashed)};
  return std::nullopt;
}

boost::asio::awaitable<Response> postMessage(Context& context) {
  if (!maySend(*context.principal)) co_return forbidden("auditors may not send messages");
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  std::vector<mime::FieldError> errors;
  auto request = parseMessageRequest(*body, errors);
  if (!request) co_return invalidRequest(errors);
  request->compose.message_id_domain = context.deps.config.hostname;
  request->compose.date = context.deps.clock.now();

  intake::SubmissionOptions options;
  options.tags_json = request->tags_json;
  options.metadata_json = request->metadata_json;
  if (auto bad = readIdempotency(context, "/api/v1/messages", options)) co_return *bad;
  intake::Submitter submitter = submitterFor(*context.principal);
  auto accepted = co_await io::runBlocking(context.deps.blocking, [&] {
    return context.deps.intake.submit(request->compose, submitter, options, errors);
  });
  co_return acceptedResponse(accepted, errors);
}

boost::asio::awaitable<Response> postRawMessage(Context& context) {
  if (!maySend(*context.principal)) co_return forbidden("auditors may not send messages");
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  std::vector<mime::FieldError> errors;
  auto request = parseRawMessageRequest(*body, errors);
  if (!request) co_return invalidRequest(errors);

  intake::SubmissionOptions options;
  if (auto bad = readIdempotency(context, "/api/v1/messages/raw", options)) co_return *bad;
  intake::Submitter submitter = submitterFor(*context.principal);
  auto accepted = co_await io::runBlocking(context.deps.blocking, [&] {
    return context.deps.intake.submitRaw(request->mail_from, request->rcpt_to, request->message,
                                         submitter, options, errors);
  });
  co_return acceptedResponse(accepted, errors);
}

boost::asio::awaitable<Response> getMessages(Context& context) {
  co_return co_await listMessages(context, std::nullopt);
}

boost::asio::awaitable<Response> getMessage(Context& context) {
  auto loaded = co_await loadVisible(context, context.request.params.at(0));
  if (!loaded.detail) co_return loaded.error;
  co_return jsonResponse(200, messageDetailJson(*loaded.detail));
}

boost::asio::awaitable<Response> getRawMessage(Context& context) {
  const std::string& id = context.request.params.at(0);
  auto loaded = co_await loadVisible(context, id);
  if (!loaded.detail) co_return loaded.error;
  auto raw = co_await io::runBlocking(context.deps.blocking,
                                      [&] { return context.deps.store.loadRaw(id); });
  if (!raw) co_return responseForError(raw.error());
  Response response;
  response.content_type = "message/rfc822";
  response.body = std::move(*raw);
  co_return response;
}

boost::asio::awaitable<Response> getTranscript(Context& context) {
  const std::string& id = context.request.params.at(0);
  const std::string& number_text = context.request.params.at(1);
  int number = 0;
  auto [end, ec] =
      std::from_chars(number_text.data(), number_text.data() + number_text.size(), number);
  if (ec != std::errc() || end != number_text.data() + number_text.size() || number < 1) {
    co_return notFound();
  }
  auto loaded = co_await loadVisible(context, id);
  if (!loaded.detail) co_return loaded.error;
  auto transcript = co_await io::runBlocking(
      context.deps.blocking, [&] { return context.deps.store.transcript(id, number); });
  if (!transcript) co_return responseForError(transcript.error());
  Response response;
  response.content_type = "text/plain; charset=utf-8";
  response.body = std::move(*transcript);
  co_return response;
}

boost::asio::awaitable<Response> getReportRaw(Context& context) {
  const std::string& id = context.request.params.at(0);
  const std::string& number_text = context.request.params.at(1);
  std::int64_t report_id = 0;
  auto [end, ec] =
      std::from_chars(number_text.data(), number_text.data() + number_text.size(), report_id);
  if (ec != std::errc() || end != number_text.data() + number_text.size() || report_id < 1) {
    co_return notFound();
  }
  auto loaded = co_await loadVisible(context, id);
  if (!loaded.detail) co_return loaded.error;
  auto raw = co_await io::runBlocking(context.deps.blocking,
                                      [&] { return context.deps.store.reportRaw(id, report_id); });
  if (!raw) co_return responseForError(raw.error());
  // text/plain, not message/*: the report came from an untrusted sender and is shown, not
  // rendered.
  Response response;
  response.content_type = "text/plain; charset=utf-8";
  response.body = std::move(*raw);
  co_return response;
}

boost::asio::awaitable<Response> retryMessage(Context& context) {
  const std::string& id = context.request.params.at(0);
  auto loaded = co_await loadVisible(context, id);
  if (!loaded.detail) co_return loaded.error;
  if (!mayChange(*context.principal)) co_return forbidden();
  auto retried = co_await io::runBlocking(context.deps.blocking, [&] {
    return context.deps.store.retryMessage(id, context.deps.clock.now());
  });
  if (!retried) co_return responseForError(retried.error());
  if (*retried == 0) {
    co_return errorResponse(409, "not_retryable",
                            "no recipient of this message is deferred or failed");
  }
  if (context.deps.wake_delivery) context.deps.wake_delivery();
  co_return jsonResponse(200, boost::json::object{{"id", id}, {"retried", *retried}});
}

boost::asio::awaitable<Response> cancelMessage(Context& context) {
  const std::string& id = context.request.params.at(0);
  auto loaded = co_await loadVisible(context, id);
  if (!loaded.detail) co_return loaded.error;
  if (!mayChange(*context.principal)) co_return forbidden();
  auto cancelled = co_await io::runBlocking(context.deps.blocking, [&] {
    return context.deps.store.cancelMessage(id, context.deps.clock.now());
  });
  if (!cancelled) co_return responseForError(cancelled.error());
  if (*cancelled == 0) {
    co_return errorResponse(409, "not_cancellable", "no recipient of this message is still queued");
  }
  co_return jsonResponse(200, boost::json::object{{"id", id}, {"cancelled", *cancelled}});
}

bool knownStatus(const std::string& status) {
  return status == "deferred" || store::parseProcessingStatus(status).has_value() ||
         store::parseDeliveryStatus(status).has_value();
}

}  // namespace

std::optional<store::ListQuery> readListQuery(const Request& request,
                                              std::vector<mime::FieldError>& errors) {
  store::ListQuery query;
  if (auto view = request.queryValue("view")) {
    if (*view == "sent") {
      query.view = store::View::kSent;
    } else if (*view == "outbox") {
      query.view = store::View::kOutbox;
    } else if (*view == "failed") {
      query.view = store::View::kFailed;
    } else {
      errors.push_back({"view", "must be sent, outbox or failed"});
    }
  }
  if (auto status = request.queryValue("status"); status && !status->empty()) {
    if (knownStatus(*status)) {
      query.status = *status;
    } else {
      errors.push_back({"status", "must be a processing status, a delivery status or deferred"});
    }
  }
  if (auto text = request.queryValue("q")) query.text = *text;
  readTimeRange(request, errors, query.since, query.until);
  if (auto limit = readPageLimit(request, errors)) query.limit = *limit;
  if (auto cursor = request.queryValue("cursor")) query.cursor = *cursor;
  if (!errors.empty()) return std::nullopt;
  return query;
}

boost::asio::awaitable<VisibleMessage> loadVisible(Context& context, const std::string& id) {
  auto result = co_await io::runBlocking(context.deps.blocking,
                                         [&] { return context.deps.store.getMessage(id); });
  if (!result) co_return VisibleMessage{std::nullopt, responseForError(result.error())};
  if (!mayRead(*context.principal, *result)) co_return VisibleMessage{std::nullopt, notFound()};
  co_return VisibleMessage{std::move(*result), {}};
}

void readTimeRange(const Request& request, std::vector<mime::FieldError>& errors,
                   std::optional<UnixMillis>& since, std::optional<UnixMillis>& until) {
  for (const char* name : {"since", "until"}) {
    auto value = request.queryValue(name);
    if (!value || value->empty()) continue;
    UnixMillis at = 0;
    if (!parseRfc3339(*value, at)) {
      errors.push_back({name, "must be an RFC 3339 time such as 2026-11-29T08:30:00Z"});
    } else {
      (std::string_view(name) == "since" ? since : until) = at;
    }
  }
}

std::optional<int> readPageLimit(const Request& request, std::vector<mime::FieldError>& errors) {
  auto limit_text = request.queryValue("limit");
  if (!limit_text) return std::nullopt;
  int limit = 0;
  auto [end, ec] =
      std::from_chars(limit_text->data(), limit_text->data() + limit_text->size(), limit);
  if (ec != std::errc() || end != limit_text->data() + limit_text->size() || limit < 1 ||
      limit > 500) {
    errors.push_back({"limit", "must be an integer from 1 to 500"});
    return std::nullopt;
  }
  return limit;
}

Response acceptedResponse(const Result<intake::Accepted>& accepted,
                          const std::vector<mime::FieldError>& errors) {
  if (!accepted) return responseForError(accepted.error(), errors);
  Response response;
  response.status = 201;
  response.body = accepted->response_json;
  response.headers.emplace_back("Location", "/api/v1/messages/" + accepted->id);
  if (accepted->replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

boost::asio::awaitable<Response> listMessages(Context& context, std::optional<std::string> server) {
  std::vector<mime::FieldError> errors;
  auto query = readListQuery(context.request, errors);
  if (!query) co_return invalidRequest(errors);
  query->server = std::move(server);
  restrictQuery(*context.principal, *query);
  auto page = co_await io::runBlocking(context.deps.blocking,
                                       [&] { return context.deps.store.listMessages(*query); });
  if (!page) {
    // The cursor is opaque and client-supplied: a store that cannot read it says so.
    co_return responseForError(page.error());
  }
  boost::json::array items;
  for (const auto& summary : page->items) items.push_back(messageSummaryJson(summary));
  boost::json::object body{{"items", std::move(items)}, {"next_cursor", nullptr}};
  if (page->next_cursor) body["next_cursor"] = *page->next_cursor;
  co_return jsonResponse(200, body);
}

void addMessageRoutes(Router& router) {
  router.add("POST", "/api/v1/messages", &postMessage);
  router.add("GET", "/api/v1/messages", &getMessages);
  router.add("POST", "/api/v1/messages/raw", &postRawMessage);
  router.add("GET", "/api/v1/messages/{id}", &getMessage);
  router.add("DELETE", "/api/v1/messages/{id}", &cancelMessage);
  router.add("GET", "/api/v1/messages/{id}/raw", &getRawMessage);
  router.add("POST", "/api/v1/messages/{id}/retry", &retryMessage);
  router.add("GET", "/api/v1/messages/{id}/attempts/{n}/transcript", &getTranscript);
  router.add("GET", "/api/v1/messages/{id}/reports/{report_id}/raw", &getReportRaw);
}

}  // namespace outpost::http
