// The administrative commands that open the data folder directly: queue, apikey, user,
// smtp validate. They work whether or not the server runs (SQLite WAL allows both).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <sstream>

#include "app/commands.h"
#include "app/data_folder.h"
#include "core/credentials.h"
#include "delivery/relay_settings.h"
#include "http/message_json.h"
#include "smtp/relay_validator.h"

namespace outpost::app {
namespace {

int fail(const std::string& message) {
  std::cerr << "outpost: " << message << "\n";
  return 1;
}

std::string orDash(const std::string& text) { return text.empty() ? "-" : text; }

std::string statusWord(const store::MessageSummary& summary) {
  if (summary.processing == store::ProcessingStatus::kQueued && summary.attempts > 0) {
    return "deferred";
  }
  return std::string(store::toString(summary.processing));
}

}  // namespace

int queueList(const Config& config, const QueueOptions& options) {
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  store::ListQuery query;
  query.view = options.view == "sent"     ? store::View::kSent
               : options.view == "failed" ? store::View::kFailed
                                          : store::View::kOutbox;
  if (!options.status.empty()) query.status = options.status;
  query.text = options.query;
  query.limit = options.limit;
  auto page = folder->store->listMessages(query);
  if (!page) return fail(page.error().message);
  if (options.json) {
    boost::json::array items;
    for (const auto& item : page->items) items.push_back(http::messageSummaryJson(item));
    std::cout << boost::json::serialize(items) << "\n";
    return 0;
  }
  std::cout << "ID                          CREATED                   STATUS      DELIVERY   "
               "ATTEMPTS  FROM -> TO  SUBJECT\n";
  for (const auto& item : page->items) {
    std::string to;
    for (const auto& address : item.to) to += (to.empty() ? "" : ",") + address;
    std::printf("%-27s %-25s %-11s %-10s %-9d %s -> %s  %s\n", item.id.c_str(),
                formatRfc3339(item.created_at).c_str(), statusWord(item).c_str(),
                std::string(store::toString(item.delivery)).c_str(), item.attempts,
                item.from_header.c_str(), to.c_str(), item.subject.c_str());
    if (!item.last_error.empty() && item.processing != store::ProcessingStatus::kProcessed) {
      std::printf("    last error: %s\n", item.last_error.c_str());
    }
    if (!item.waiting_reason.empty()) {
      std::printf("    waiting: %s\n", item.waiting_reason.c_str());
    }
  }
  if (page->items.empty()) std::cout << "(no messages in the " << options.view << " view)\n";
  return 0;
}

int queueShow(const Config& config, const QueueOptions& options) {
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  auto detail = folder->store->getMessage(options.id);
  if (!detail) return fail(detail.error().message);
  const auto& summary = detail->summary;
  if (options.json) {
    // The same document as GET /api/v1/messages/{id}.
    const auto object = http::messageDetailJson(*detail);
    std::cout << boost::json::serialize(object) << "\n";
    return 0;
  }
  std::cout << "id:          " << summary.id << "\n"
            << "message-id:  " << summary.message_id << "\n"
            << "created:     " << formatRfc3339(summary.created_at) << "\n"
            << "from:        " << summary.from_header << " (MAIL FROM " << summary.mail_from
            << ")\n"
            << "subject:     " << summary.subject << "\n"
            << "status:      " << statusWord(summary) << " / " << store::toString(summary.delivery)
            << "\n";
  std::cout << "recipients:\n";
  for (const auto& recipient : detail->recipients) {
    std::cout << "  " << recipient.address << " (" << recipient.field
              << "): " << store::toString(recipient.processing) << " / "
              << store::toString(recipient.delivery) << ", attempts " << recipient.attempts;
    if (recipient.next_attempt_at) {
      std::cout << ", next at " << formatRfc3339(*recipient.next_attempt_at);
    }
    std::cout << "\n";
  }
  std::cout << "attempts:\n";
  for (const auto& attempt : detail->attempts) {
    std::cout << "  #" << attempt.number << " " << formatRfc3339(attempt.at) << " "
              << attempt.recipient << " via " << attempt.server;
    if (attempt.port) std::cout << ":" << attempt.port;
    if (!attempt.ip.empty()) std::cout << " [" << attempt.ip << "]";
    if (!attempt.tls_version.empty()) std::cout << " " << attempt.tls_version;
    std::cout << "\n     " << (attempt.code ? std::to_string(attempt.code) + " " : "")
              << orDash(attempt.enhanced_code) << " " << attempt.text << "\n";
    if (!attempt.remote_queue_id.empty()) {
      std::cout << "     remote queue id: " << attempt.remote_queue_id << "\n";
    }
    if (!attempt.description.empty()) std::cout << "     " << attempt.description << "\n";
    if (!attempt.hint.empty()) std::cout << "     hint: " << attempt.hint << "\n";
  }
  return 0;
}

int queueRetry(const Config& config, const std::string& id) {
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  SystemClock clock;
  auto count = folder->store->retryMessage(id, clock.now());
  if (!count) return fail(count.error().message);
  if (*count == 0)
    return fail("nothing to retry: no recipient of " + id + " is deferred or failed");
  std::cout << "retrying " << *count << " recipient(s) of " << id << "\n";
  return 0;
}

int queueCancel(const Config& config, const std::string& id) {
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  SystemClock clock;
  auto count = folder->store->cancelMessage(id, clock.now());
  if (!count) return fail(count.error().message);
  if (*count == 0) return fail("nothing to cancel: no recipient of " + id + " is still queued");
  std::cout << "cancelled " << *count << " recipient(s) of " << id << "\n";
  return 0;
}

int apikeyCreate(const Config& config, const ApiKeyOptions& options) {
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  store::Store& store = *folder->store;
  store::User owner;
  if (options.user.empty()) {
    auto admin = ensureSuperAdmin(store, config);
    if (!admin) return fail(admin.error().message);
    owner = *admin;
  } else {
    auto found = store.findUserByEmail(options.user);
    if (!found) return fail(found.error().message);
    if (!found->has_value())
      return fail("no user " + options.user + " (create it with outpost user create)");
    owner = **found;
  }
  const ApiKeyToken token = generateApiKey();
  store::ApiKey key;
  key.name = options.name;
  key.user_id = owner.id;
  key.scope = options.scope;
  std::stringstream domains(options.domains);
  for (std::string domain; std::getline(domains, domain, ',');) {
    if (!domain.empty()) key.domains.push_back(domain);
  }
  key.prefix = token.prefix;
  key.secret_hash = hashApiKeySecret(token.secret);
  key.created_at = SystemClock().now();
  auto created = store.createApiKey(key);
  if (!created) {
    if (created.error().code == "conflict")
      return fail("an API key named " + options.name + " exists");
    return fail(created.error().message);
  }
  std::cout << token.text() << "\n";
  return 0;
}

int userCreate(const Config& config, const UserOptions& options) {
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  std::string password;
  const bool generated = !options.password_stdin;
  if (options.password_stdin) {
    std::getline(std::cin, password);
    if (password.size() < 10) return fail("the password must have at least 10 characters");
  } else {
    password = generatePassword();
  }
  auto hashed = hashPassword(password);
  if (!hashed) return fail(hashed.error().message);
  store::User user;
  user.email = options.email;
  user.role = store::parseRole(options.role).value_or(store::Role::kUser);
  user.password_hash = std::move(*hashed);
  user.created_at = SystemClock().now();
  auto created = folder->store->createUser(user);
  if (!created) {
    if (created.error().code == "conflict") return fail("a user " + options.email + " exists");
    return fail(created.error().message);
  }
  std::cout << "created " << options.role << " " << options.email << "\n";
  if (generated) std::cout << "password: " << password << " (shown once)\n";
  return 0;
}

int smtpValidate(const Config& config) {
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  delivery::RelaySettingsRepository repository(*folder->store, *folder->secrets);
  auto settings = repository.load();
  if (!settings) return fail(settings.error().message);
  if (!settings->has_value()) {
    return fail("no SMTP relay is saved (PUT /api/v1/settings/smtp); the default route is sandbox");
  }
  boost::asio::io_context io;
  smtp::ValidationReport report;
  boost::asio::co_spawn(
      io,
      smtp::validateRelay(io.get_executor(), delivery::clientOptionsFor(**settings, config.hostname,
                                                                        config.delivery.timeouts)),
      [&report](const std::exception_ptr& error, smtp::ValidationReport result) {
        if (error) std::rethrow_exception(error);
        report = std::move(result);
      });
  io.run();
  for (const auto& step : report.steps) {
    std::printf("%-12s %-8s %s\n", step.name.c_str(), step.status.c_str(), step.detail.c_str());
  }
  std::cout << "\n" << report.verdict << "\n\ntranscript:\n" << report.transcript << "\n";
  return report.ok ? 0 : 1;
}

}  // namespace outpost::app
