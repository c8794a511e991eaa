// The per-message summary columns (statuses, server, warning, attempts, next attempt, last
// error) recomputed from recipients and attempts with the status model of status.h, and the
// event log. Database text is parsed leniently: an unknown status reads as the default.
#include <algorithm>
#include <vector>

#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/status.h"

namespace outpost::store::sqlite {
namespace {

std::vector<std::string> splitLines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    auto end = text.find('\n');
    lines.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

}  // namespace

Error notFound(std::string_view what) {
  return Error::permanentFailure("not_found", std::string(what) + " not found");
}

MessageSummary readSummary(const Query& row, int first) {
  MessageSummary summary;
  int column = first;
  summary.id = row.text(column++);
  summary.message_id = row.text(column++);
  summary.created_at = row.int64(column++);
  summary.mail_from = row.text(column++);
  summary.from_header = row.text(column++);
  summary.to = splitLines(row.textView(column++));
  summary.subject = row.text(column++);
  summary.processing =
      parseProcessingStatus(row.textView(column++)).value_or(ProcessingStatus::kQueued);
  summary.delivery = parseDeliveryStatus(row.textView(column++)).value_or(DeliveryStatus::kUnknown);
  summary.server = row.text(column++);
  summary.has_warning = row.boolean(column++);
  summary.attempts = row.integer(column++);
  summary.next_attempt_at = row.optionalInt64(column++);
  summary.last_error = row.text(column++);
  summary.waiting_reason = row.text(column++);
  summary.size_bytes = row.int64(column++);
  summary.api_key_name = row.text(column++);
  return summary;
}

Result<void> refreshSummary(Connection& connection, std::string_view message_id) {
  std::vector<ProcessingStatus> processing;
  std::vector<DeliveryStatus> delivery;
  std::optional<std::int64_t> next_attempt_at;
  std::string waiting_reason;
  {
    Query recipients(connection,
                     "SELECT processing_status, delivery_status, next_attempt_at, waiting_reason"
                     " FROM recipients WHERE message_id = ?");
    recipients.bind(1, message_id);
    for (;;) {
      auto row = recipients.step();
      if (!row) return row.takeError();
      if (!*row) break;
      auto status =
          parseProcessingStatus(recipients.textView(0)).value_or(ProcessingStatus::kQueued);
      processing.push_back(status);
      delivery.push_back(
          parseDeliveryStatus(recipients.textView(1)).value_or(DeliveryStatus::kUnknown));
      auto next = recipients.optionalInt64(2);
      if (status == ProcessingStatus::kQueued && next) {
        next_attempt_at = next_attempt_at ? std::min(*next_attempt_at, *next) : *next;
      }
      if (status == ProcessingStatus::kQueued && waiting_reason.empty()) {
        waiting_reason = recipients.text(3);
      }
    }
  }
  std::int64_t attempts = 0;
  bool has_warning = false;
  std::string server;
  std::string last_error;
  {
    Query counts(connection,
                 "SELECT count(*), coalesce(max(code = 0 OR code >= 400), 0)"
                 " FROM attempts WHERE message_id = ?");
    counts.bind(1, message_id);
    if (auto row = counts.step(); !row) return row.takeError();
    attempts = counts.int64(0);
    has_warning = counts.boolean(1);
  }
  if (attempts > 0) {
    // The last server that took it (2xx), or else the last one tried.
    Query last_server(connection,
                      "SELECT server FROM attempts WHERE message_id = ?"
                      " ORDER BY (code BETWEEN 200 AND 299) DESC, number DESC LIMIT 1");
    last_server.bind(1, message_id);
    auto row = last_server.step();
    if (!row) return row.takeError();
    if (*row) server = last_server.text(0);
  }
  if (has_warning) {
    Query failed(connection,
                 "SELECT text FROM attempts WHERE message_id = ? AND (code = 0 OR code >= 400)"
                 " ORDER BY number DESC LIMIT 1");
    failed.bind(1, message_id);
    auto row = failed.step();
    if (!row) return row.takeError();
    if (*row) last_error = failed.text(0);
  }
  Query update(connection,
               "UPDATE messages SET processing_status = ?, delivery_status = ?, server = ?,"
               " has_warning = ?, attempts = ?, next_attempt_at = ?, last_error = ?,"
               " waiting_reason = ? WHERE id = ?");
  update.bind(1, toString(summarizeProcessing(processing)))
      .bind(2, toString(summarizeDelivery(delivery)))
      .bind(3, server)
      .bind(4, has_warning)
      .bind(5, attempts)
      .bind(6, next_attempt_at)
      .bind(7, last_error)
      .bind(8, waiting_reason)
      .bind(9, message_id);
  return update.run();
}

Result<void> addEvent(Connection& connection, std::string_view message_id,
                      std::string_view recipient, UnixMillis at, std::string_view type,
                      std::string_view detail) {
  Query insert(connection,
               "INSERT INTO events(message_id, recipient, at, type, detail)"
               " VALUES (?, ?, ?, ?, ?)");
  insert.bind(1, message_id).bind(2, recipient).bind(3, at).bind(4, type).bind(5, detail);
  return insert.run();
}

}  // namespace outpost::store::sqlite
