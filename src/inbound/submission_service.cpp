#include "inbound/submission_service.h"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>

#include "core/credentials.h"
#include "core/text.h"
#include "io/blocking.h"
#include "smtp/server_command.h"

namespace outpost::inbound {

namespace asio = boost::asio;

struct SubmissionService::Shared {
  explicit Shared(SubmissionDependencies d)
      : deps(std::move(d)),
        limiter(deps.config.submission.auth_failures, deps.config.submission.auth_failure_window,
                deps.clock) {}

  SubmissionDependencies deps;
  FailureLimiter limiter;
};

namespace {

std::string domainOf(const std::string& address) {
  const std::size_t at = address.rfind('@');
  return at == std::string::npos ? std::string() : lowercase(address.substr(at + 1));
}

// Who authenticated, as intake needs it; or why not.
struct Login {
  std::optional<intake::Submitter> submitter;
  std::string refusal;  // the SMTP reply when the store could not answer
};

Login checkCredentials(store::Store& store, const std::string& username,
                       const std::string& password) {
  auto token = parseApiKey(password);
  auto key = store.findApiKeyByName(username);
  if (!key)
    return {std::nullopt, "454 4.7.0 Temporary authentication failure: " + key.error().message};
  // The secret is checked even when the name is unknown or the prefix differs, so that the
  // reply time does not tell which key names exist.
  const std::string stored_hash = key->has_value() ? (*key)->secret_hash : std::string(64, '0');
  const bool secret_ok = token && verifyApiKeySecret(token->secret, stored_hash);
  if (!key->has_value() || !token || token->prefix != (*key)->prefix || !secret_ok) return {};
  auto user = store.findUserById((*key)->user_id);
  if (!user) {
    return {std::nullopt, "454 4.7.0 Temporary authentication failure: " + user.error().message};
  }
  if (!user->has_value()) return {};  // the key outlived its user
  intake::Submitter submitter;
  submitter.user_id = (*user)->id;
  submitter.role = (*user)->role;
  submitter.api_key_name = (*key)->name;
  submitter.scope = (*key)->scope;
  submitter.domains = (*key)->domains;
  return {std::move(submitter), {}};
}

std::string minutesText(UnixMillis millis) {
  const UnixMillis minutes = (millis + 59'999) / 60'000;
  return std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
}

class SubmissionSession final : public smtp::SessionHandler {
 public:
  SubmissionSession(std::shared_ptr<SubmissionService::Shared> shared, smtp::ClientInfo client)
      : shared_(std::move(shared)),
        client_(std::move(client)),
        trusted_(shared_->deps.trusted_networks.contains(client_.address)) {}

  // Trusted networks are for the STARTTLS port (design: like Postfix's mynetworks); the
  // implicit-TLS port is for clients that log in.
  bool trusted() const override { return trusted_ && client_.listener == "submission"; }

  void tlsStarted(const smtp::ClientInfo& client) override { client_ = client; }

  std::string checkSender(const std::string& reverse_path) override {
    if (reverse_path.empty()) {
      return "550 5.7.1 A submission needs a sender address: MAIL FROM:<> is only for bounces";
    }
    if (!submitter_) {
      // Not logged in but trusted: the trusted network acts for the first super admin.
      submitter_ = trustedSubmitter();
    }
    if (submitter_->role == store::Role::kAuditor) {
      return "550 5.7.1 API key \"" + submitter_->api_key_name +
             "\" belongs to an auditor, who may read but not send";
    }
    if (!submitter_->domains.empty()) {
      const std::string domain = domainOf(reverse_path);
      bool allowed = false;
      std::string list;
      for (const std::string& allowed_domain : submitter_->domains) {
        if (lowercase(allowed_domain) == domain) allowed = true;
        list += (list.empty() ? "" : ", ") + allowed_domain;
      }
      if (!allowed) {
        return "550 5.7.1 API key \"" + submitter_->api_key_name + "\" may not send from " +
               domain + "; it may send from " + list;
      }
    }
    return {};
  }

  asio::awaitable<smtp::AuthVerdict> authenticate(const std::string& username,
                                                  const std::string& password) override {
    FailureLimiter& limiter = shared_->limiter;
    if (const UnixMillis wait = limiter.blockedFor(client_.address); wait > 0) {
      // The slow-down: a guesser gets one answer every few seconds, and not a hint whether
      // this guess was right.
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::seconds(3));
      co_await pause.async_wait(asio::use_awaitable);
      spdlog::warn("{}: AUTH refused for {}: too many failed logins", client_.listener,
                   client_.address);
      co_return smtp::AuthVerdict{false, "454 4.7.0 Too many failed logins from " +
                                             client_.address + "; try again in " +
                                             minutesText(wait)};
    }
    store::Store& store = shared_->deps.store;
    auto check = [&store, &username, &password] {
      return checkCredentials(store, username, password);
    };
    Login login = co_await io::runBlocking(shared_->deps.blocking, check);
    if (!login.refusal.empty()) co_return smtp::AuthVerdict{false, login.refusal};
    if (!login.submitter) {
      limiter.recordFailure(client_.address);
      spdlog::warn("{}: failed login as \"{}\" from {}", client_.listener, username,
                   client_.address);
      co_return smtp::AuthVerdict{
          false,
          "535 5.7.8 Authentication credentials invalid: the user name is the API key's name "
          "and the password the key itself"};
    }
    submitter_ = std::move(login.submitter);
    co_return smtp::AuthVerdict{true, {}};
  }

  asio::awaitable<std::string> store(const smtp::ServerTransaction& transaction) override {
    intake::RawEnvelope envelope;
    envelope.mail_from = transaction.mail_from;
    for (const auto& recipient : transaction.recipients) {
      store::NewRecipient added{recipient.address, "envelope", {}, {}};
      if (auto notify = recipient.parameters.find("NOTIFY"); notify != recipient.parameters.end()) {
        added.notify = notify->second;
      }
      if (auto orcpt = recipient.parameters.find("ORCPT"); orcpt != recipient.parameters.end()) {
        added.orcpt = smtp::decodeXtext(orcpt->second).value_or("");
      }
      envelope.recipients.push_back(std::move(added));
    }
    const auto& parameters = transaction.mail_parameters;
    if (auto ret = parameters.find("RET"); ret != parameters.end()) {
      envelope.dsn_ret = lowercase(ret->second) == "full" ? "FULL" : "HDRS";
    }
    if (auto envid = parameters.find("ENVID"); envid != parameters.end()) {
      envelope.dsn_envid = smtp::decodeXtext(envid->second).value_or("");
    }
    intake::Intake& intake = shared_->deps.intake;
    const intake::Submitter& submitter = *submitter_;
    const std::string& message = transaction.message;
    auto submit = [&intake, &envelope, &message, &submitter] {
      intake::SubmissionOptions options;
      std::vector<mime::FieldError> errors;
      return intake.submitRaw(envelope, message, submitter, options, errors);
    };
    auto outcome = co_await io::runBlocking(shared_->deps.blocking, submit);
    if (outcome) {
      spdlog::info("{}: accepted {} from {} ({} recipients, key \"{}\")", client_.listener,
                   outcome->id, client_.address, outcome->recipients.size(),
                   submitter.api_key_name);
    } else {
      spdlog::warn("{}: refused a message from {}: {}", client_.listener, client_.address,
                   outcome.error().message);
    }
    co_return submissionReply(outcome);
  }

 private:
  intake::Submitter trustedSubmitter() const {
    intake::Submitter submitter = shared_->deps.trusted_submitter;
    submitter.api_key_name = "trusted:" + client_.address;
    return submitter;
  }

  std::shared_ptr<SubmissionService::Shared> shared_;
  smtp::ClientInfo client_;
  bool trusted_;
  std::optional<intake::Submitter> submitter_;
};

}  // namespace

std::string submissionReply(const Result<intake::Accepted>& outcome) {
  if (outcome) return "250 2.0.0 Ok: queued as " + outcome->id;
  const Error& error = outcome.error();
  const std::string& code = error.code;
  if (code == "too_large") return "552 5.3.4 " + error.message;
  if (code == "domain_not_allowed") return "550 5.7.1 " + error.message;
  if (code == "too_many_recipients") return "550 5.5.3 " + error.message;
  if (code == "invalid_request")
    return "554 5.6.0 The message cannot be accepted: " + error.message;
  if (code == "idempotency_conflict") return "554 5.6.0 " + error.message;
  // The store is down or busy: nothing was stored, the client keeps the message and retries.
  return "451 4.3.0 Not stored, try again later: " + error.message;
}

SubmissionService::SubmissionService(SubmissionDependencies dependencies)
    : shared_(std::make_shared<Shared>(std::move(dependencies))) {}

std::unique_ptr<smtp::SessionHandler> SubmissionService::open(const smtp::ClientInfo& client) {
  return std::make_unique<SubmissionSession>(shared_, client);
}

}  // namespace outpost::inbound
