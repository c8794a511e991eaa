// Intake: the one path by which a message enters the queue. Input is untrusted but already
// shaped by the caller (HTTP JSON or, later, SMTP); addresses, sizes, sender domains and the
// message itself are checked here, and nothing is stored unless everything is right.
#include "intake/intake.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <set>

#include "core/ids.h"
#include "core/text.h"

namespace outpost::intake {
namespace {

std::string domainOf(std::string_view address) {
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : lowercase(address.substr(at + 1));
}

bool domainAllowed(const Submitter& submitter, std::string_view address) {
  if (submitter.domains.empty()) return true;
  const std::string domain = domainOf(address);
  return std::any_of(submitter.domains.begin(), submitter.domains.end(),
                     [&](const std::string& allowed) { return lowercase(allowed) == domain; });
}

Error invalid(std::vector<mime::FieldError>& errors, std::string field, std::string message) {
  errors.push_back({std::move(field), message});
  return Error::permanentFailure("invalid_request", std::move(message));
}

std::string formatMailbox(const mime::Mailbox& mailbox) {
  if (mailbox.display_name.empty()) return mailbox.address;
  return mailbox.display_name + " <" + mailbox.address + ">";
}

std::string renderResponse(const std::string& id, const std::string& message_id,
                           const std::vector<store::NewRecipient>& recipients) {
  boost::json::array list;
  list.reserve(recipients.size());
  for (const auto& recipient : recipients) {
    list.push_back(boost::json::object{{"address", recipient.address}});
  }
  return boost::json::serialize(
      boost::json::object{{"id", id}, {"message_id", message_id}, {"recipients", std::move(list)}});
}

}  // namespace

Intake::Intake(store::Store& store, const Config& config, const Clock& clock,
               std::function<void()> on_accepted, DkimSigning* signing)
    : store_(store),
      config_(config),
      clock_(clock),
      on_accepted_(std::move(on_accepted)),
      signing_(signing) {}

Result<Accepted> Intake::submit(mime::ComposeRequest request, const Submitter& submitter,
                                const SubmissionOptions& options,
                                std::vector<mime::FieldError>& errors) {
  if (!domainAllowed(submitter, request.from.address)) {
    return Error::permanentFailure(
        "domain_not_allowed", "this API key may not send from " + domainOf(request.from.address));
  }
  store::NewMessage message;
  // Each address once: a person listed in both To and Cc gets one copy, as Postfix does.
  std::set<std::string> seen;
  const auto add_recipients = [&](const std::vector<mime::Mailbox>& list, const char* field) {
    for (const auto& mailbox : list) {
      if (seen.insert(lowercase(mailbox.address)).second) {
        message.recipients.push_back({mailbox.address, field});
      }
    }
  };
  add_recipients(request.to, "to");
  add_recipients(request.cc, "cc");
  add_recipients(request.bcc, "bcc");
  if (message.recipients.empty()) {
    return invalid(errors, "to", "at least one recipient in to, cc or bcc");
  }
  if (message.recipients.size() > config_.max_recipients) {
    errors.push_back({"to", "more than " + std::to_string(config_.max_recipients) +
                                " recipients (max_recipients)"});
    return Error::permanentFailure("too_many_recipients", errors.back().message);
  }

  const UnixMillis now = clock_.now();
  request.message_id_domain = config_.hostname;
  request.date = now;
  auto composed = mime::compose(request, errors);
  if (!composed) return composed.takeError();
  if (composed->raw.size() > config_.max_message_bytes) {
    return Error::permanentFailure("too_large", "the message is " +
                                                    std::to_string(composed->raw.size()) +
                                                    " bytes; the limit (max_message_size) is " +
                                                    std::to_string(config_.max_message_bytes));
  }
  message.id = newMessageId(now);
  message.message_id = std::move(composed->message_id);
  message.mail_from = request.from.address;
  message.from_header = formatMailbox(request.from);
  message.subject = std::move(request.subject);
  message.raw = std::move(composed->raw);
  message.needs_smtputf8 = composed->needs_smtputf8;
  message.eight_bit = composed->eight_bit;
  message.created_at = now;
  const std::string from_domain = domainOf(request.from.address);
  return store(std::move(message), from_domain, submitter, options);
}

Result<Accepted> Intake::submitRaw(const std::string& mail_from,
                                   const std::vector<std::string>& rcpt_to,
                                   std::string_view message_text, const Submitter& submitter,
                                   const SubmissionOptions& options,
                                   std::vector<mime::FieldError>& errors) {
  RawEnvelope envelope;
  envelope.mail_from = mail_from;
  envelope.recipients.reserve(rcpt_to.size());
  for (const std::string& address : rcpt_to) envelope.recipients.push_back({address, {}, {}, {}});
  return submitRaw(envelope, message_text, submitter, options, errors);
}

Result<Accepted> Intake::submitRaw(const RawEnvelope& envelope, std::string_view message_text,
                                   const Submitter& submitter, const SubmissionOptions& options,
                                   std::vector<mime::FieldError>& errors) {
  const std::string& mail_from = envelope.mail_from;
  if (!mime::isValidSmtpAddress(mail_from)) {
    errors.push_back({"mail_from", "\"" + mail_from + "\" is not a valid address"});
  }
  store::NewMessage message;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < envelope.recipients.size(); ++i) {
    const store::NewRecipient& recipient = envelope.recipients[i];
    if (!mime::isValidSmtpAddress(recipient.address)) {
      errors.push_back({"rcpt_to[" + std::to_string(i) + "]",
                        "\"" + recipient.address + "\" is not a valid address"});
    } else if (seen.insert(lowercase(recipient.address)).second) {
      message.recipients.push_back(
          {recipient.address, "envelope", recipient.notify, recipient.orcpt});
    }
  }
  if (envelope.recipients.empty()) errors.push_back({"rcpt_to", "at least one recipient"});
  if (!errors.empty()) {
    return Error::permanentFailure("invalid_request", errors.front().message);
  }
  if (message.recipients.size() > config_.max_recipients) {
    errors.push_back({"rcpt_to", "more than " + std::to_string(config_.max_recipients) +
                                     " recipients (max_recipients)"});
    return Error::permanentFailure("too_many_recipients", errors.back().message);
  }
  if (!domainAllowed(submitter, mail_from)) {
    return Error::permanentFailure("domain_not_allowed",
                                   "this API key may not send from " + domainOf(mail_from));
  }
  if (message_text.size() > config_.max_message_bytes) {
    return Error::permanentFailure("too_large", "the message is " +
                                                    std::to_string(message_text.size()) +
                                                    " bytes; the limit (max_message_size) is " +
                                                    std::to_string(config_.max_message_bytes));
  }
  const UnixMillis now = clock_.now();
  auto prepared = mime::prepareRaw(message_text, config_.hostname, now);
  if (!prepared) {
    errors.push_back({"message", prepared.error().message});
    return Error::permanentFailure("invalid_request", prepared.error().message);
  }
  // The From header is what the recipient sees: a key limited to its domains may not put
  // another domain there either, whatever its MAIL FROM.
  if (!submitter.domains.empty() && !domainAllowed(submitter, "x@" + prepared->from_domain)) {
    return Error::permanentFailure(
        "domain_not_allowed",
        "this API key may not send as From: " + prepared->from_header + " (domain " +
            (prepared->from_domain.empty() ? std::string("unknown") : prepared->from_domain) + ")");
  }
  if (prepared->raw.size() > config_.max_message_bytes) {
    return Error::permanentFailure("too_large", "the message is larger than max_message_size");
  }
  message.id = newMessageId(now);
  message.message_id = std::move(prepared->message_id);
  message.mail_from = mail_from;
  message.from_header = std::move(prepared->from_header);
  message.subject = std::move(prepared->subject);
  message.raw = std::move(prepared->raw);
  message.needs_smtputf8 =
      prepared->needs_smtputf8 || mime::needsSmtpUtf8(mail_from) ||
      std::any_of(envelope.recipients.begin(), envelope.recipients.end(),
                  [](const store::NewRecipient& r) { return mime::needsSmtpUtf8(r.address); });
  message.eight_bit = prepared->eight_bit;
  message.created_at = now;
  message.dsn_ret = envelope.dsn_ret;
  message.dsn_envid = envelope.dsn_envid;
  return store(std::move(message), prepared->from_domain, submitter, options);
}

Result<Accepted> Intake::store(store::NewMessage message, std::string_view from_domain,
                               const Submitter& submitter, const SubmissionOptions& options) {
  if (signing_ != nullptr) {
    auto signatures = signing_->sign(message.raw, from_domain, message.created_at);
    if (!signatures) return signatures.takeError();
    if (!signatures->empty()) message.raw.insert(0, *signatures);
  }
  message.owner_user_id = submitter.user_id;
  message.api_key_name = submitter.api_key_name;
  message.tags_json = options.tags_json;
  message.metadata_json = options.metadata_json;
  message.route = options.route;
  message.idempotency = options.idempotency;
  message.response_json = renderResponse(message.id, message.message_id, message.recipients);

  auto outcome = store_.insertMessage(message);
  if (!outcome) return outcome.takeError();
  Accepted accepted;
  accepted.replayed = outcome->replayed;
  if (outcome->replayed) {
    accepted.id = outcome->id;
    accepted.response_json = std::move(outcome->response_json);
    return accepted;
  }
  accepted.id = std::move(message.id);
  accepted.message_id = std::move(message.message_id);
  for (auto& recipient : message.recipients) accepted.recipients.push_back(recipient.address);
  accepted.response_json = std::move(message.response_json);
  if (on_accepted_) on_accepted_();
  return accepted;
}

}  // namespace outpost::intake
