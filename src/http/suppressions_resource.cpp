// /api/v1/suppressions: the addresses outpost no longer sends to (hard bounces, or added by a
// person): list (search, keyset pages), add, remove. Who may read and change the list is
// decided in auth.h. Bodies, query parameters and the address in the path are untrusted:
// addresses are checked with mime's RFC 5321 Mailbox syntax and reach the store only as values.
#include <boost/json/object.hpp>
#include <string>

#include "core/clock.h"
#include "http/audit.h"
#include "http/auth.h"
#include "http/json_errors.h"
#include "http/messages_resource.h"
#include "http/request_json.h"
#include "http/router.h"
#include "io/blocking.h"
#include "mime/address.h"

namespace outpost::http {

namespace {

// People write a sentence or two; a longer reason is a mistake or an abuse.
constexpr std::size_t kMaxReason = 1000;

boost::json::object suppressionJson(const store::Suppression& suppression) {
  return boost::json::object{
      {"address", suppression.address},
      {"reason", suppression.reason},
      {"source", suppression.source},
      {"message_id", suppression.message_id},
      {"created_at", formatRfc3339(suppression.created_at)},
  };
}

boost::asio::awaitable<Response> listSuppressions(Context& context) {
  if (!mayReadSuppressions(*context.principal)) {
    co_return forbidden("only super admins, admins and auditors see the suppression list");
  }
  std::vector<mime::FieldError> errors;
  store::SuppressionQuery query;
  if (auto text = context.request.queryValue("q")) query.text = *text;
  if (auto limit = readPageLimit(context.request, errors)) query.limit = *limit;
  if (auto cursor = context.request.queryValue("cursor")) query.cursor = *cursor;
  if (!errors.empty()) co_return invalidRequest(errors);
  auto page = co_await io::runBlocking(context.deps.blocking,
                                       [&] { return context.deps.store.listSuppressions(query); });
  // A cursor the store cannot read answers 400 (invalid_request).
  if (!page) co_return responseForError(page.error());
  boost::json::array items;
  for (const auto& suppression : page->items) items.push_back(suppressionJson(suppression));
  boost::json::object body{{"items", std::move(items)}, {"next_cursor", nullptr}};
  if (page->next_cursor) body["next_cursor"] = *page->next_cursor;
  co_return jsonResponse(200, body);
}

// The suppression a POST body asks for; nullopt with field errors when it is unusable.
std::optional<store::Suppression> readSuppression(const boost::json::value& body,
                                                  std::vector<mime::FieldError>& errors) {
  if (!body.is_object()) {
    errors.push_back({"body", "must be a JSON object"});
    return std::nullopt;
  }
  std::size_t errors_before = errors.size();
  FieldReader reader(body.get_object(), "", errors);
  reader.rejectUnknown({"address", "reason"});
  store::Suppression suppression;
  if (auto address = reader.string("address", true)) {
    // The envelope address that RCPT TO would carry: no display name, no angle brackets.
    if (!mime::isValidSmtpAddress(*address)) {
      reader.fail("address", "is not a valid address (user@example.org, no name or brackets)");
    }
    suppression.address = std::move(*address);
  }
  if (auto reason = reader.string("reason")) {
    if (reason->size() > kMaxReason || hasLineBreakOrNul(*reason)) {
      reader.fail("reason", "must be one line of at most 1000 bytes");
    }
    suppression.reason = std::move(*reason);
  }
  if (errors.size() != errors_before) return std::nullopt;
  return suppression;
}

boost::asio::awaitable<Response> addSuppression(Context& context) {
  if (!mayManageSuppressions(*context.principal)) {
    co_return forbidden("only a super admin's or an admin's full-scope key may change this");
  }
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  std::vector<mime::FieldError> errors;
  auto suppression = readSuppression(*body, errors);
  if (!suppression) co_return invalidRequest(errors);
  if (suppression->reason.empty()) suppression->reason = "added by " + context.principal->key.name;
  suppression->source = "manual";
  suppression->created_at = context.deps.clock.now();
  auto added = co_await io::runBlocking(
      context.deps.blocking, [&] { return context.deps.store.addSuppression(*suppression); });
  if (!added) co_return responseForError(added.error());
  // Answer with what the store keeps: the address lowercased.
  auto stored = co_await io::runBlocking(context.deps.blocking, [&] {
    return context.deps.store.findSuppression(suppression->address);
  });
  if (!stored) co_return responseForError(stored.error());
  co_await recordAudit(context, "suppression.add", suppression->address, suppression->reason);
  // Someone may have removed it meanwhile: it was added all the same.
  co_return jsonResponse(201, suppressionJson(stored->value_or(*suppression)));
}

boost::asio::awaitable<Response> deleteSuppression(Context& context) {
  if (!mayManageSuppressions(*context.principal)) {
    co_return forbidden("only a super admin's or an admin's full-scope key may change this");
  }
  const std::string& address = context.request.params.at(0);
  auto removed = co_await io::runBlocking(
      context.deps.blocking, [&] { return context.deps.store.removeSuppression(address); });
  if (!removed) co_return responseForError(removed.error());
  if (!*removed) co_return errorResponse(404, "not_found", address + " is not suppressed");
  co_await recordAudit(context, "suppression.delete", address, "");
  co_return Response{204, "application/json", "", {}};
}

}  // namespace

void addSuppressionRoutes(Router& router) {
  router.add("GET", "/api/v1/suppressions", &listSuppressions);
  router.add("POST", "/api/v1/suppressions", &addSuppression);
  router.add("DELETE", "/api/v1/suppressions/{address}", &deleteSuppression);
}

}  // namespace outpost::http
