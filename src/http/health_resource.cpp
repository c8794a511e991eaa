// GET /api/v1/health: whether outpost and its store answer. No authentication (load balancers
// and monitors call it) and no detail beyond the store's error text.
#include <boost/json/object.hpp>

#include "http/json_errors.h"
#include "http/router.h"
#include "io/blocking.h"

namespace outpost::http {

namespace {

boost::asio::awaitable<Response> getHealth(Context& context) {
  auto ping =
      co_await io::runBlocking(context.deps.blocking, [&] { return context.deps.store.ping(); });
  if (!ping) {
    co_return jsonResponse(503, boost::json::object{{"status", "unavailable"},
                                                    {"store", ping.error().message},
                                                    {"error", "unavailable"}});
  }
  co_return jsonResponse(200, boost::json::object{{"status", "ok"}, {"store", "ok"}});
}

}  // namespace

void addHealthRoutes(Router& router) {
  router.add("GET", "/api/v1/health", &getHealth, /*authenticated=*/false);
}

}  // namespace outpost::http
