// /api/v1/audit: the audit log, newest first, in keyset pages. Super admins and auditors read
// it; it names every account and setting, so nobody else does.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/clock.h"
#include "http/auth.h"
#include "http/json_errors.h"
#include "http/messages_resource.h"
#include "http/router.h"
#include "io/blocking.h"

namespace outpost::http {

namespace {

boost::asio::awaitable<Response> listAudit(Context& context) {
  if (!mayReadAccounts(*context.principal)) {
    co_return forbidden("super admin or auditor permission is needed");
  }
  std::vector<mime::FieldError> errors;
  store::AuditQuery query;
  if (auto limit = readPageLimit(context.request, errors)) query.limit = *limit;
  if (auto cursor = context.request.queryValue("cursor")) query.cursor = *cursor;
  if (!errors.empty()) co_return invalidRequest(errors);
  auto list = [&] { return context.deps.store.listAudit(query); };
  auto page = co_await io::runBlocking(context.deps.blocking, list);
  if (!page) co_return responseForError(page.error());
  boost::json::array items;
  for (const auto& entry : page->items) {
    items.push_back(boost::json::object{{"at", formatRfc3339(entry.at)},
                                        {"actor", entry.actor},
                                        {"action", entry.action},
                                        {"target", entry.target},
                                        {"detail", entry.detail}});
  }
  boost::json::object body{{"items", std::move(items)}, {"next_cursor", nullptr}};
  if (page->next_cursor) body["next_cursor"] = *page->next_cursor;
  co_return jsonResponse(200, body);
}

}  // namespace

void addAuditRoutes(Router& router) { router.add("GET", "/api/v1/audit", &listAudit); }

}  // namespace outpost::http
