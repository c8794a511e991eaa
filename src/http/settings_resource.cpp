// /api/v1/settings: the default relay (/smtp: read, save, validate, send a test), the named
// relays (/relays/{name}) and the routing table (/routes). Super admins only. Passwords are
// write-only: sealed by the repository and never answered. Request bodies and path names are
// untrusted (settings_request.h and routing.h check them).
#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "http/audit.h"
#include "http/auth.h"
#include "http/json_errors.h"
#include "http/messages_resource.h"
#include "http/request_json.h"
#include "http/router.h"
#include "http/settings_request.h"
#include "io/blocking.h"
#include "mime/address.h"
#include "smtp/relay_validator.h"

namespace outpost::http {

namespace {

Response notConfigured() {
  return errorResponse(409, "not_configured", "no SMTP relay is saved yet: PUT /settings/smtp");
}

boost::asio::awaitable<Result<std::optional<delivery::RelaySettings>>> loadSettings(
    Context& context) {
  co_return co_await io::runBlocking(context.deps.blocking,
                                     [&] { return context.deps.relay_settings.load(); });
}

void settingsChanged(Context& context) {
  if (context.deps.settings_changed) context.deps.settings_changed();
}

bool isBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// What the audit log says of saved relay settings: everything but the password, of which only
// whether it changed.
std::string describeRelay(const delivery::RelaySettings& settings,
                          const std::optional<delivery::RelaySettings>& before) {
  std::string detail = "host " + settings.host + ":" + std::to_string(settings.port) + ", tls " +
                       settings.tls + ", certificate check " +
                       (settings.verify_certificate ? "on" : "off");
  detail += settings.username.empty() ? ", no AUTH" : ", user " + settings.username;
  const bool password_changed = !before || before->password != settings.password;
  if (!settings.password.empty() && password_changed) detail += ", password changed";
  if (!settings.fallback.empty()) detail += ", fallback " + settings.fallback;
  return detail;
}

boost::asio::awaitable<Response> getSmtpSettings(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  auto saved = co_await loadSettings(context);
  if (!saved) co_return responseForError(saved.error());
  co_return jsonResponse(200, relaySettingsJson(*saved));
}

boost::asio::awaitable<Response> putSmtpSettings(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  auto saved = co_await loadSettings(context);
  if (!saved) co_return responseForError(saved.error());
  std::vector<mime::FieldError> errors;
  auto settings = parseRelaySettings(*body, *saved, errors);
  if (!settings) co_return invalidRequest(errors);
  auto stored = co_await io::runBlocking(
      context.deps.blocking, [&] { return context.deps.relay_settings.save(*settings); });
  if (!stored) co_return responseForError(stored.error());
  settingsChanged(context);
  co_await recordAudit(context, "smtp.update", "default relay", describeRelay(*settings, *saved));
  co_return jsonResponse(200, relaySettingsJson(settings));
}

boost::json::object validationJson(const smtp::ValidationReport& report) {
  boost::json::array steps;
  for (const auto& step : report.steps) {
    steps.push_back(
        boost::json::object{{"name", step.name}, {"status", step.status}, {"detail", step.detail}});
  }
  boost::json::array extensions;
  for (const auto& extension : report.info.extensions) extensions.emplace_back(extension);
  const smtp::SessionInfo& info = report.info;
  boost::json::object certificate{
      {"subject", info.certificate_subject},           {"issuer", info.certificate_issuer},
      {"not_before", info.certificate_not_before},     {"not_after", info.certificate_not_after},
      {"verify_error", info.certificate_verify_error},
  };
  boost::json::object server{
      {"host", info.host},
      {"port", info.port},
      {"ip", info.ip},
      {"tls_version", info.tls_version},
      {"tls_cipher", info.tls_cipher},
      {"extensions", std::move(extensions)},
      {"certificate", std::move(certificate)},
  };
  return boost::json::object{
      {"ok", report.ok},
      {"verdict", report.verdict},
      {"steps", std::move(steps)},
      {"transcript", report.transcript},
      {"server", std::move(server)},
  };
}

boost::asio::awaitable<Response> validateSmtpSettings(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  auto saved = co_await loadSettings(context);
  if (!saved) co_return responseForError(saved.error());
  std::optional<delivery::RelaySettings> settings;
  // No body, or an empty object, means "the saved settings".
  const bool empty_object = [&] {
    auto body = parseJsonBody(context.request.body);
    return body && body->is_object() && body->get_object().empty();
  }();
  if (isBlank(context.request.body) || empty_object) {
    if (!saved->has_value()) co_return notConfigured();
    settings = **saved;
  } else {
    // Unsaved settings to try before saving them; an omitted password is the saved one.
    auto body = parseJsonBody(context.request.body);
    if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
    std::vector<mime::FieldError> errors;
    settings = parseRelaySettings(*body, *saved, errors);
    if (!settings) co_return invalidRequest(errors);
  }
  // A person waits for this answer: no phase may take the 5 minutes RFC 5321 allows delivery.
  SmtpTimeouts timeouts = context.deps.config.delivery.timeouts;
  for (auto* phase : {&timeouts.connect, &timeouts.greeting, &timeouts.ehlo,
                      &timeouts.tls_handshake, &timeouts.auth, &timeouts.quit}) {
    *phase = std::min(*phase, std::chrono::seconds(20));
  }
  smtp::ClientOptions options =
      delivery::clientOptionsFor(*settings, context.deps.config.hostname, timeouts);
  smtp::ValidationReport report = co_await smtp::validateRelay(context.io, std::move(options));
  co_return jsonResponse(200, validationJson(report));
}

boost::asio::awaitable<Response> testSmtpSettings(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  std::vector<mime::FieldError> errors;
  mime::ComposeRequest request;
  if (!body->is_object()) {
    co_return invalidRequest({{"body", "must be a JSON object"}});
  }
  FieldReader reader(body->get_object(), "", errors);
  reader.rejectUnknown({"to", "from"});
  if (auto to = reader.string("to", true)) {
    auto mailbox = mime::parseMailbox(*to);
    if (mailbox) {
      request.to.push_back(std::move(*mailbox));
    } else {
      reader.fail("to", mailbox.error().message);
    }
  }
  std::string from = reader.string("from").value_or("outpost@" + context.deps.config.hostname);
  if (auto mailbox = mime::parseMailbox(from)) {
    request.from = std::move(*mailbox);
  } else {
    reader.fail("from", mailbox.error().message);
  }
  if (!errors.empty()) co_return invalidRequest(errors);

  auto saved = co_await loadSettings(context);
  if (!saved) co_return responseForError(saved.error());
  if (!saved->has_value()) co_return notConfigured();
  const delivery::RelaySettings& relay = **saved;
  request.subject = "outpost SMTP relay test";
  request.text = "This test message was sent by outpost (" + context.deps.config.hostname +
                 ") through the SMTP relay " + relay.host + ":" + std::to_string(relay.port) +
                 ".\r\nIf you can read it, the relay accepted and delivered it.\r\n";
  request.message_id_domain = context.deps.config.hostname;
  request.date = context.deps.clock.now();

  intake::SubmissionOptions options;
  options.route = "relay";
  options.tags_json = R"(["smtp-test"])";
  intake::Submitter submitter = submitterFor(*context.principal);
  auto accepted = co_await io::runBlocking(context.deps.blocking, [&] {
    return context.deps.intake.submit(request, submitter, options, errors);
  });
  co_return acceptedResponse(accepted, errors);
}

// --- Named relays -------------------------------------------------------------------------

constexpr std::string_view kRelayNameRule =
    "must be 1 to 64 characters of a-z, 0-9, '-' and '_' (routes name it as relay:NAME)";

boost::asio::awaitable<Result<std::vector<delivery::RelaySettings>>> loadRelays(Context& context) {
  co_return co_await io::runBlocking(context.deps.blocking,
                                     [&] { return context.deps.relay_settings.listNamed(); });
}

boost::asio::awaitable<Result<delivery::EffectiveRouting>> loadRouting(Context& context) {
  co_return co_await io::runBlocking(context.deps.blocking,
                                     [&] { return context.deps.routing.load(); });
}

boost::asio::awaitable<Response> listRelays(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  auto relays = co_await loadRelays(context);
  if (!relays) co_return responseForError(relays.error());
  boost::json::array items;
  for (const auto& relay : *relays) items.push_back(namedRelayJson(relay));
  co_return jsonResponse(200, boost::json::object{{"items", std::move(items)}});
}

boost::asio::awaitable<Response> getRelay(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  const std::string& name = context.request.params.at(0);
  auto relay = co_await io::runBlocking(
      context.deps.blocking, [&] { return context.deps.relay_settings.loadNamed(name); });
  if (!relay) co_return responseForError(relay.error());
  if (!relay->has_value()) co_return notFound();
  co_return jsonResponse(200, namedRelayJson(**relay));
}

// Creates (201) or replaces (200) a named relay; an omitted password keeps the saved one.
boost::asio::awaitable<Response> putRelay(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  const std::string& name = context.request.params.at(0);
  if (!delivery::isValidRelayName(name)) {
    co_return invalidRequest({{"name", std::string(kRelayNameRule)}});
  }
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  auto relays = co_await loadRelays(context);
  if (!relays) co_return responseForError(relays.error());
  std::optional<delivery::RelaySettings> saved;
  for (const auto& relay : *relays) {
    if (relay.name == name) saved = relay;
  }
  std::vector<mime::FieldError> errors;
  auto settings = parseNamedRelaySettings(*body, name, saved, errors);
  if (settings) checkRelayFallback(*settings, *relays, errors);
  if (!errors.empty()) co_return invalidRequest(errors);
  auto stored = co_await io::runBlocking(
      context.deps.blocking, [&] { return context.deps.relay_settings.saveNamed(*settings); });
  if (!stored) co_return responseForError(stored.error());
  settingsChanged(context);
  co_await recordAudit(context, "relay.update", name, describeRelay(*settings, saved));
  co_return jsonResponse(saved ? 200 : 201, namedRelayJson(*settings));
}

// 204; 409 while a route or another relay's fallback names it (deleting it would strand
// their mail), naming each.
boost::asio::awaitable<Response> deleteRelay(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  const std::string& name = context.request.params.at(0);
  auto relays = co_await loadRelays(context);
  if (!relays) co_return responseForError(relays.error());
  const bool known = std::any_of(relays->begin(), relays->end(),
                                 [&](const auto& relay) { return relay.name == name; });
  if (!known) co_return notFound();
  auto routing = co_await loadRouting(context);
  if (!routing) co_return responseForError(routing.error());
  const std::vector<std::string> users = relayUsers(name, routing->table, *relays);
  if (!users.empty()) {
    std::string message = "relay \"" + name + "\" is in use by ";
    for (std::size_t i = 0; i < users.size(); ++i) message += (i ? ", " : "") + users[i];
    if (routing->source == "config") message += " (routes from the configuration file)";
    message += ": change those first";
    co_return errorResponse(409, "relay_in_use", message);
  }
  auto removed = co_await io::runBlocking(
      context.deps.blocking, [&] { return context.deps.relay_settings.removeNamed(name); });
  if (!removed) co_return responseForError(removed.error());
  if (!*removed) co_return notFound();  // deleted meanwhile by another request
  settingsChanged(context);
  co_await recordAudit(context, "relay.delete", name, "");
  co_return Response{204, "application/json", "", {}};
}

// --- Routes -----------------------------------------------------------------------------------

// The routes in force, as GET answers them.
boost::asio::awaitable<Response> routingResponse(Context& context) {
  auto routing = co_await loadRouting(context);
  if (!routing) co_return responseForError(routing.error());
  auto default_relay = co_await loadSettings(context);
  if (!default_relay) co_return responseForError(default_relay.error());
  co_return jsonResponse(200, routingJson(*routing, default_relay->has_value()));
}

boost::asio::awaitable<Response> getRoutes(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  co_return co_await routingResponse(context);
}

// Replaces the whole table (the configuration's no longer applies until DELETE).
boost::asio::awaitable<Response> putRoutes(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  auto body = parseJsonBody(context.request.body);
  if (!body) co_return errorResponse(400, "invalid_json", body.error().message);
  if (body->is_object()) {
    // What GET adds, so that a client can PUT back what it read.
    body->get_object().erase("source");
    body->get_object().erase("effective_default");
  }
  std::vector<mime::FieldError> errors;
  auto table = delivery::parseRoutingJson(boost::json::serialize(*body), errors);
  if (!table) co_return invalidRequest(errors);
  auto relays = co_await loadRelays(context);
  if (!relays) co_return responseForError(relays.error());
  checkRouteRelays(*table, *relays, errors);
  if (!errors.empty()) co_return invalidRequest(errors);
  auto stored = co_await io::runBlocking(context.deps.blocking,
                                         [&] { return context.deps.routing.save(*table); });
  if (!stored) co_return responseForError(stored.error());
  settingsChanged(context);
  co_await recordAudit(context, "routes.update", "routes", context.request.body.substr(0, 2000));
  co_return co_await routingResponse(context);
}

// Forgets the saved table: the configuration's routes apply again.
boost::asio::awaitable<Response> deleteRoutes(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kSuperAdminNeeded);
  auto reset =
      co_await io::runBlocking(context.deps.blocking, [&] { return context.deps.routing.reset(); });
  if (!reset) co_return responseForError(reset.error());
  settingsChanged(context);
  co_await recordAudit(context, "routes.reset", "routes", "the configuration file's routes apply");
  co_return co_await routingResponse(context);
}

}  // namespace

void addSettingsRoutes(Router& router) {
  router.add("GET", "/api/v1/settings/smtp", &getSmtpSettings);
  router.add("PUT", "/api/v1/settings/smtp", &putSmtpSettings);
  router.add("POST", "/api/v1/settings/smtp/validate", &validateSmtpSettings);
  router.add("POST", "/api/v1/settings/smtp/test", &testSmtpSettings);
  router.add("GET", "/api/v1/settings/relays", &listRelays);
  router.add("GET", "/api/v1/settings/relays/{name}", &getRelay);
  router.add("PUT", "/api/v1/settings/relays/{name}", &putRelay);
  router.add("DELETE", "/api/v1/settings/relays/{name}", &deleteRelay);
  router.add("GET", "/api/v1/settings/routes", &getRoutes);
  router.add("PUT", "/api/v1/settings/routes", &putRoutes);
  router.add("DELETE", "/api/v1/settings/routes", &deleteRoutes);
}

}  // namespace outpost::http
