// Messages as JSON for the list and detail endpoints (with attempts, events and the delivery
// reports that came back). The stored tags/metadata documents were written by intake from
// validated input; they are parsed again defensively.
#include "http/message_json.h"

#include <boost/json/parse.hpp>
#include <string>

#include "core/clock.h"

namespace outpost::http {

namespace {

boost::json::value optionalTime(const std::optional<UnixMillis>& at) {
  if (!at) return nullptr;
  return boost::json::string(formatRfc3339(*at));
}

boost::json::value storedJson(const std::string& text, boost::json::value fallback) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec) return fallback;
  return value;
}

}  // namespace

boost::json::object messageSummaryJson(const store::MessageSummary& summary) {
  boost::json::array to;
  for (const auto& address : summary.to) to.emplace_back(address);
  std::string_view processing = store::toString(summary.processing);
  return boost::json::object{
      {"id", summary.id},
      {"message_id", summary.message_id},
      {"created_at", formatRfc3339(summary.created_at)},
      {"from", summary.from_header},
      {"mail_from", summary.mail_from},
      {"to", std::move(to)},
      {"subject", summary.subject},
      {"processing_status", processing},
      {"delivery_status", store::toString(summary.delivery)},
      {"status", processing},
      {"server", summary.server},
      {"has_warning", summary.has_warning},
      {"attempts", summary.attempts},
      {"next_attempt_at", optionalTime(summary.next_attempt_at)},
      {"last_error", summary.last_error},
      {"waiting_reason", summary.waiting_reason},
      {"size_bytes", summary.size_bytes},
      {"api_key_name", summary.api_key_name},  // who submitted it: a key, or trusted:<ip>
  };
}

boost::json::object messageDetailJson(const store::MessageDetail& detail) {
  boost::json::object object = messageSummaryJson(detail.summary);
  object["tags"] = storedJson(detail.tags_json, boost::json::array());
  object["metadata"] = storedJson(detail.metadata_json, boost::json::object());

  boost::json::array recipients;
  for (const auto& recipient : detail.recipients) {
    recipients.push_back(boost::json::object{
        {"address", recipient.address},
        {"field", recipient.field},
        {"processing_status", store::toString(recipient.processing)},
        {"delivery_status", store::toString(recipient.delivery)},
        {"attempts", recipient.attempts},
        {"next_attempt_at", optionalTime(recipient.next_attempt_at)},
        {"last_error", recipient.last_error},
        {"waiting_reason", recipient.waiting_reason},
    });
  }
  object["recipients"] = std::move(recipients);

  boost::json::array attempts;
  for (const auto& attempt : detail.attempts) {
    attempts.push_back(boost::json::object{
        {"number", attempt.number},
        {"recipient", attempt.recipient},
        {"at", formatRfc3339(attempt.at)},
        {"duration_ms", attempt.duration_ms},
        {"node", attempt.node},
        {"server", attempt.server},
        {"port", attempt.port},
        {"ip", attempt.ip},
        {"tls_version", attempt.tls_version},
        {"tls_cipher", attempt.tls_cipher},
        {"code", attempt.code},
        {"enhanced_code", attempt.enhanced_code},
        {"text", attempt.text},
        {"remote_queue_id", attempt.remote_queue_id},
        {"description", attempt.description},
        {"hint", attempt.hint},
        {"transcript_url", "/api/v1/messages/" + detail.summary.id + "/attempts/" +
                               std::to_string(attempt.number) + "/transcript"},
    });
  }
  object["attempts"] = std::move(attempts);

  boost::json::array events;
  for (const auto& event : detail.events) {
    events.push_back(boost::json::object{
        {"at", formatRfc3339(event.at)},
        {"type", event.type},
        {"recipient", event.recipient},
        {"detail", event.detail},
    });
  }
  object["events"] = std::move(events);

  boost::json::array reports;
  for (const auto& report : detail.reports) {
    reports.push_back(boost::json::object{
        {"id", report.id},
        {"recipient", report.recipient},
        {"received_at", formatRfc3339(report.received_at)},
        {"kind", report.kind},
        {"action", report.action},
        {"status", report.status},
        {"reason", report.reason},
        {"hard_bounce", report.hard_bounce},
        {"diagnostic_code", report.diagnostic_code},
        {"remote_mta", report.remote_mta},
        {"reporting_mta", report.reporting_mta},
        {"raw_url", "/api/v1/messages/" + detail.summary.id + "/reports/" +
                        std::to_string(report.id) + "/raw"},
    });
  }
  object["reports"] = std::move(reports);
  return object;
}

}  // namespace outpost::http
