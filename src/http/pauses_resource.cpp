// /api/v1/delivery/pauses: stop and resume delivery, for the whole queue or some recipient
// domains. Paused mail stays queued (the Outbox says why); nothing is lost. Super admins and
// admins change it; anyone with a full-scope credential reads it (the Outbox shows it).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <set>
#include <string>

#include "core/text.h"
#include "delivery/dkim_keys.h"
#include "delivery/pauses.h"
#include "http/audit.h"
#include "http/auth.h"
#include "http/json_errors.h"
#include "http/request_json.h"
#include "http/router.h"
#include "io/blocking.h"

namespace outpost::http {

namespace {

constexpr std::size_t kMaxDestinations = 1000;

boost::json::object pausesJson(const delivery::DeliveryPauses& pauses) {
  boost::json::array destinations;
  for (const auto& destination : pauses.destinations) destinations.emplace_back(destination);
  boost::json::object body{{"all", pauses.all},
                           {"destinations", std::move(destinations)},
                           {"changed_by", pauses.changed_by},
                           {"changed_at", nullptr}};
  if (pauses.changed_at > 0) body["changed_at"] = formatRfc3339(pauses.changed_at);
  return body;
}

std::string describe(const delivery::DeliveryPauses& pauses) {
  if (pauses.all) return "all delivery paused";
  if (pauses.destinations.empty()) return "nothing paused";
  std::string text = "paused:";
  for (const auto& destination : pauses.destinations) text += " " + destination;
  return text;
}

boost::asio::awaitable<Response> getPauses(Context& context) {
  if (!context.principal->fullScope()) co_return forbidden("a send-scoped key cannot read this");
  auto load = [&] { return delivery::PauseRepository(context.deps.store).load(); };
  auto pauses = co_await io::runBlocking(context.deps.blocking, load);
  if (!pauses) co_return responseForError(pauses.error());
  co_return jsonResponse(200, pausesJson(*pauses));
}

boost::asio::awaitable<Response> putPauses(Context& context) {
  if (!mayPauseDelivery(*context.principal)) {
    co_return forbidden("only super admins and admins pause or resume delivery");
  }
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  std::vector<mime::FieldError> errors;
  delivery::DeliveryPauses pauses;
  if (!body->is_object()) {
    errors.push_back({"body", "must be a JSON object"});
  } else {
    FieldReader reader(body->get_object(), "", errors);
    reader.rejectUnknown({"all", "destinations"});
    pauses.all = reader.boolean("all").value_or(false);
    std::set<std::string> unique;
    if (auto destinations = reader.strings("destinations")) {
      if (destinations->size() > kMaxDestinations) {
        reader.fail("destinations", "must name at most 1000 domains");
      }
      for (std::size_t i = 0; i < destinations->size(); ++i) {
        std::string domain = lowercase((*destinations)[i]);
        if (auto problem = delivery::dnsNameProblem(domain, "the domain"); !problem.empty()) {
          reader.fail(indexPath("destinations", i), problem);
        }
        if (unique.insert(domain).second) pauses.destinations.push_back(std::move(domain));
      }
    }
  }
  if (!errors.empty()) co_return invalidRequest(errors);
  pauses.changed_by = context.principal->user.email;
  pauses.changed_at = context.deps.clock.now();
  auto save = [&] { return delivery::PauseRepository(context.deps.store).save(pauses); };
  auto saved = co_await io::runBlocking(context.deps.blocking, save);
  if (!saved) co_return responseForError(saved.error());
  // The scheduler reads the pauses with the other settings; a resume wakes it at once.
  if (context.deps.settings_changed) context.deps.settings_changed();
  const bool paused = pauses.all || !pauses.destinations.empty();
  co_await recordAudit(context, paused ? "delivery.pause" : "delivery.resume", "delivery",
                       describe(pauses));
  co_return jsonResponse(200, pausesJson(pauses));
}

}  // namespace

void addPauseRoutes(Router& router) {
  router.add("GET", "/api/v1/delivery/pauses", &getPauses);
  router.add("PUT", "/api/v1/delivery/pauses", &putPauses);
}

}  // namespace outpost::http
