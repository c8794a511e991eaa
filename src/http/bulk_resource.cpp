// POST /api/v1/messages/bulk: the console's "retry" and "cancel" for many messages at once,
// chosen by id or by the filters of GET /messages. The body is untrusted: it is read field
// by field, at most kMaxBulkMessages messages are touched, and ids the caller may not read are
// skipped without a word, as if they did not exist.
#include <boost/json/object.hpp>
#include <set>

#include "http/auth.h"
#include "http/json_errors.h"
#include "http/messages_resource.h"
#include "http/request_json.h"
#include "http/router.h"
#include "io/blocking.h"

namespace outpost::http {

namespace {

constexpr std::size_t kMaxBulkMessages = 10'000;
constexpr int kListPage = 500;

struct Selection {
  std::vector<std::string> ids;
  std::optional<Response> error;
};

// The ids of the body's "ids" that the caller may read, without duplicates. Callers who see
// every message skip the per-message check: the store ignores unknown ids.
Selection visibleIds(Context& context, std::vector<std::string> ids) {
  std::set<std::string> seen;
  std::vector<std::string> unique;
  for (auto& id : ids) {
    if (seen.insert(id).second) unique.push_back(std::move(id));
  }
  store::ListQuery restriction;
  restrictQuery(*context.principal, restriction);
  if (!restriction.owner_user_id && !restriction.api_key_name) return {std::move(unique), {}};
  Selection selection;
  for (auto& id : unique) {
    auto message = context.deps.store.getMessage(id);
    if (!message) {
      if (message.error().code == "not_found") continue;
      return {{}, responseForError(message.error())};
    }
    if (mayRead(*context.principal, *message)) selection.ids.push_back(std::move(id));
  }
  return selection;
}

// The ids of every message the filter lists for the caller; 400 when there are too many.
Selection filteredIds(Context& context, store::ListQuery query) {
  restrictQuery(*context.principal, query);
  query.limit = kListPage;
  Selection selection;
  for (;;) {
    auto page = context.deps.store.listMessages(query);
    if (!page) return {{}, responseForError(page.error())};
    for (const auto& item : page->items) selection.ids.push_back(item.id);
    if (selection.ids.size() > kMaxBulkMessages) {
      return {{},
              invalidRequest({{"filter", "matches more than " + std::to_string(kMaxBulkMessages) +
                                             " messages; narrow it (since, until, status)"}})};
    }
    if (!page->next_cursor) return selection;
    query.cursor = *page->next_cursor;
  }
}

// The filter object as GET /messages query parameters, read by the same code as the list.
std::optional<store::ListQuery> readFilter(const boost::json::value& filter,
                                           std::vector<mime::FieldError>& errors) {
  if (!filter.is_object()) {
    errors.push_back({"filter", "must be an object"});
    return std::nullopt;
  }
  FieldReader reader(filter.as_object(), "filter", errors);
  reader.rejectUnknown({"view", "status", "q", "since", "until"});
  Request as_query;
  for (const char* name : {"view", "status", "q", "since", "until"}) {
    if (auto value = reader.string(name)) as_query.query.emplace_back(name, std::move(*value));
  }
  if (!errors.empty()) return std::nullopt;
  std::vector<mime::FieldError> list_errors;
  auto query = readListQuery(as_query, list_errors);
  for (auto& error : list_errors) errors.push_back({"filter." + error.field, error.message});
  return query;
}

boost::asio::awaitable<Response> postBulk(Context& context) {
  if (!mayChange(*context.principal)) co_return forbidden();
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  std::vector<mime::FieldError> errors;
  if (!body->is_object()) co_return invalidRequest({{"", "the body must be a JSON object"}});
  FieldReader reader(body->as_object(), "", errors);
  reader.rejectUnknown({"action", "ids", "filter"});
  auto action = reader.string("action", true);
  if (action && *action != "retry" && *action != "cancel") {
    reader.fail("action", "must be retry or cancel");
  }
  auto ids = reader.strings("ids");
  const boost::json::value* filter = reader.raw("filter");
  if (filter != nullptr && filter->is_null()) filter = nullptr;
  if (ids.has_value() == (filter != nullptr)) {
    errors.push_back({"ids", "give either ids or filter"});
  }
  if (ids && ids->size() > kMaxBulkMessages) {
    reader.fail("ids", "may list at most " + std::to_string(kMaxBulkMessages) + " messages");
  }
  std::optional<store::ListQuery> query;
  if (filter != nullptr) query = readFilter(*filter, errors);
  if (!errors.empty()) co_return invalidRequest(errors);

  const bool retry = *action == "retry";
  const UnixMillis now = context.deps.clock.now();
  // Choosing and changing run on the blocking pool; the change is one commit.
  auto apply = [&]() -> std::pair<Result<store::BulkOutcome>, std::optional<Response>> {
    Selection selection =
        ids ? visibleIds(context, std::move(*ids)) : filteredIds(context, std::move(*query));
    if (selection.error) return {store::BulkOutcome{}, std::move(selection.error)};
    auto outcome = retry ? context.deps.store.retryMessages(selection.ids, now)
                         : context.deps.store.cancelMessages(selection.ids, now);
    return {std::move(outcome), std::nullopt};
  };
  auto [outcome, refused] = co_await io::runBlocking(context.deps.blocking, apply);
  if (refused) co_return *refused;
  if (!outcome) co_return responseForError(outcome.error());
  if (retry && outcome->recipients > 0 && context.deps.wake_delivery) context.deps.wake_delivery();
  co_return jsonResponse(200, boost::json::object{{"messages", outcome->messages},
                                                  {"recipients", outcome->recipients}});
}

}  // namespace

void addMessageBulkRoutes(Router& router) {
  router.add("POST", "/api/v1/messages/bulk", &postBulk);
}

}  // namespace outpost::http
