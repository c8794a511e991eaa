#include "inbound/bounce_service.h"

#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>
#include <cctype>

#include "bounce/report_parser.h"
#include "core/text.h"
#include "io/blocking.h"

namespace outpost::inbound {

namespace asio = boost::asio;

struct BounceService::Shared {
  explicit Shared(BounceDependencies d) : deps(std::move(d)) {}
  BounceDependencies deps;
};

namespace {

// Reports keep their headers and the start of the returned message; a full copy of a large
// original (RET=FULL from a submitter) adds nothing a person needs.
constexpr std::size_t kMaxStoredReport = std::size_t{256} * 1024;

bool sameAddress(std::string_view a, std::string_view b) {
  // "rfc822;user@example.org" as some MTAs leave it in Final-Recipient.
  const auto bare = [](std::string_view text) {
    if (const auto semicolon = text.find(';'); semicolon != std::string_view::npos) {
      text.remove_prefix(semicolon + 1);
    }
    while (!text.empty() && (text.front() == ' ' || text.front() == '<')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '>')) text.remove_suffix(1);
    return text;
  };
  a = bare(a);
  b = bare(b);
  return !a.empty() && equalsIgnoreCase(a, b);
}

std::string describe(const bounce::BouncedRecipient& recipient) {
  std::string text = recipient.reason.empty() ? std::string("unclassified") : recipient.reason;
  if (!recipient.status.empty()) text += " (" + recipient.status + ")";
  if (!recipient.diagnostic_code.empty()) text += ": " + recipient.diagnostic_code;
  if (!recipient.remote_mta.empty()) text += " [" + recipient.remote_mta + "]";
  return text;
}

// Parses the report and records it for every VERP recipient of the transaction. Blocking.
std::string recordReports(BounceService::Shared& shared, const smtp::ServerTransaction& transaction,
                          const std::string& client) {
  store::Store& store = shared.deps.store;
  const UnixMillis now = shared.deps.clock.now();
  auto parsed = bounce::parseBounce(transaction.message);
  bounce::BounceReport report;
  if (parsed) report = std::move(*parsed);
  std::string raw = transaction.message.substr(0, kMaxStoredReport);
  if (transaction.message.size() > kMaxStoredReport) {
    raw += "\r\n[… " + std::to_string(transaction.message.size() - kMaxStoredReport) +
           " more octets not kept]\r\n";
  }
  std::size_t recorded = 0;
  for (const auto& path : transaction.recipients) {
    const auto recipient_id = shared.deps.verp.decode(path.address);
    if (!recipient_id) continue;  // checked at RCPT; a key change since then
    auto target = store.findRecipient(*recipient_id);
    if (!target) return "451 4.3.0 Not recorded, try again later: " + target.error().message;
    if (!target->has_value()) {
      // The message was deleted since: nothing to update, and nothing to gain from a retry.
      spdlog::info("bounce: report from {} for recipient {} that no longer exists", client,
                   *recipient_id);
      continue;
    }
    const bounce::BouncedRecipient* about = matchRecipient(report, (*target)->address);
    store::DeliveryReport row;
    row.recipient_id = *recipient_id;
    row.received_at = now;
    row.kind = report.kind;
    row.reporting_mta = report.reporting_mta;
    row.raw = raw;
    if (about != nullptr) {
      row.action = about->action;
      row.status = about->status;
      row.reason = about->reason;
      row.hard_bounce = about->hard_bounce;
      row.diagnostic_code = about->diagnostic_code;
      row.remote_mta = about->remote_mta;
    }
    const store::ReportEffect effect =
        effectOf(report, about, **target, shared.deps.config.bounce.suppress_hard_bounces, now);
    auto stored = store.recordReport(row, effect);
    if (!stored) return "451 4.3.0 Not recorded, try again later: " + stored.error().message;
    ++recorded;
    spdlog::info("bounce: {} for {} of message {}: {}", effect.event_type, (*target)->address,
                 (*target)->message_id, effect.event_detail);
  }
  return "250 2.0.0 Ok: " + std::to_string(recorded) + " report" + (recorded == 1 ? "" : "s") +
         " recorded";
}

class BounceSession final : public smtp::SessionHandler {
 public:
  BounceSession(std::shared_ptr<BounceService::Shared> shared, smtp::ClientInfo client)
      : shared_(std::move(shared)), client_(std::move(client)) {}

  std::string checkRecipient(const smtp::PathArgument& recipient) override {
    if (shared_->deps.verp.decode(recipient.address)) return {};
    // The same answer for every other address, so this listener tells nothing about which
    // addresses exist, and can never be used as a relay.
    return "550 5.1.1 <" + recipient.address +
           ">: this server accepts only bounces for mail that outpost sent";
  }

  asio::awaitable<smtp::AuthVerdict> authenticate(const std::string& username,
                                                  const std::string& password) override {
    (void)username;
    (void)password;
    co_return smtp::AuthVerdict{false, "502 5.5.1 AUTH is not available here"};
  }

  asio::awaitable<std::string> store(const smtp::ServerTransaction& transaction) override {
    BounceService::Shared& shared = *shared_;
    const std::string& client = client_.address;
    auto record = [&shared, &transaction, &client] {
      return recordReports(shared, transaction, client);
    };
    co_return co_await io::runBlocking(shared_->deps.blocking, record);
  }

 private:
  std::shared_ptr<BounceService::Shared> shared_;
  smtp::ClientInfo client_;
};

}  // namespace

const bounce::BouncedRecipient* matchRecipient(const bounce::BounceReport& report,
                                               const std::string& address) {
  for (const auto& recipient : report.recipients) {
    if (sameAddress(recipient.recipient, address) ||
        sameAddress(recipient.original_recipient, address)) {
      return &recipient;
    }
  }
  if (report.recipients.size() == 1) return &report.recipients.front();
  return nullptr;
}

store::ReportEffect effectOf(const bounce::BounceReport& report,
                             const bounce::BouncedRecipient* recipient,
                             const store::RecipientRef& target, bool suppress_hard_bounces,
                             UnixMillis now) {
  store::ReportEffect effect;
  if (!report.is_bounce || recipient == nullptr) {
    effect.event_type = "report";
    effect.event_detail = report.is_bounce
                              ? "a " + report.kind + " report came back that names other recipients"
                              : "a message came back to the return path that is not a bounce";
    return effect;
  }
  switch (bounce::outcomeOf(*recipient)) {
    case bounce::BounceOutcome::kDelivered:
      effect.delivery = store::DeliveryStatus::kDelivered;
      effect.event_type = "delivered";
      effect.event_detail = "delivery report: " + describe(*recipient);
      break;
    case bounce::BounceOutcome::kFailed:
      effect.delivery = store::DeliveryStatus::kFailed;
      effect.event_type = "bounced";
      effect.event_detail = std::string(recipient->hard_bounce ? "hard" : "soft") +
                            " bounce: " + describe(*recipient);
      if (recipient->hard_bounce && suppress_hard_bounces) {
        store::Suppression suppression;
        suppression.address = lowercase(target.address);
        suppression.reason = describe(*recipient);
        suppression.source = "bounce";
        suppression.message_id = target.message_id;
        suppression.created_at = now;
        effect.suppress = std::move(suppression);
      }
      break;
    case bounce::BounceOutcome::kDelayed:
      effect.event_type = "delayed";
      effect.event_detail = "delay report: " + describe(*recipient);
      break;
    case bounce::BounceOutcome::kUnknown:
      if (recipient->action == "relayed" || recipient->action == "expanded") {
        effect.event_type = "relayed";
        effect.event_detail =
            recipient->action + " to a system that sends no reports: " + describe(*recipient);
      } else {
        effect.event_type = "report";
        effect.event_detail =
            recipient->reason == "feedback"
                ? "complaint (feedback report, type " +
                      (recipient->feedback_type.empty() ? std::string("unknown")
                                                        : recipient->feedback_type) +
                      ")"
                : "auto-reply: " + describe(*recipient);
      }
      break;
  }
  return effect;
}

BounceService::BounceService(BounceDependencies dependencies)
    : shared_(std::make_shared<Shared>(std::move(dependencies))) {}

std::unique_ptr<smtp::SessionHandler> BounceService::open(const smtp::ClientInfo& client) {
  return std::make_unique<BounceSession>(shared_, client);
}

}  // namespace outpost::inbound
