// /api/v1/settings/smtp: the default relay (read, save, validate, send a test). Super admins
// only. The password is write-only: it is sealed by the repository and never answered.
// Request bodies are untrusted (settings_request.h checks them).
#include <algorithm>
#include <boost/json/object.hpp>

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

constexpr std::string_view kOnlySuperAdmin = "only a super admin's full-scope key may do this";

Response notConfigured() {
  return errorResponse(409, "not_configured", "no SMTP relay is saved yet: PUT /settings/smtp");
}

boost::asio::awaitable<Result<std::optional<delivery::RelaySettings>>> loadSettings(
    Context& context) {
  co_return co_await io::runBlocking(context.deps.blocking,
                                     [&] { return context.deps.relay_settings.load(); });
}

bool isBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

boost::asio::awaitable<Response> getSmtpSettings(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kOnlySuperAdmin);
  auto saved = co_await loadSettings(context);
  if (!saved) co_return responseForError(saved.error());
  co_return jsonResponse(200, relaySettingsJson(*saved));
}

boost::asio::awaitable<Response> putSmtpSettings(Context& context) {
  if (!mayManageSettings(*context.principal)) co_return forbidden(kOnlySuperAdmin);
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
  if (context.deps.settings_changed) context.deps.settings_changed();
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
  if (!mayManageSettings(*context.principal)) co_return forbidden(kOnlySuperAdmin);
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
  if (!mayManageSettings(*context.principal)) co_return forbidden(kOnlySuperAdmin);
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

}  // namespace

void addSettingsRoutes(Router& router) {
  router.add("GET", "/api/v1/settings/smtp", &getSmtpSettings);
  router.add("PUT", "/api/v1/settings/smtp", &putSmtpSettings);
  router.add("POST", "/api/v1/settings/smtp/validate", &validateSmtpSettings);
  router.add("POST", "/api/v1/settings/smtp/test", &testSmtpSettings);
}

}  // namespace outpost::http
