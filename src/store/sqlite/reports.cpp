// DSNs and bounces (RFC 3464) that came back about a recipient: finding the recipient a VERP
// token names, recording a report with its effect (delivery status, event, suppression) in one
// commit, and reading a report's raw text. Reports were parsed by the bounce listener from
// untrusted mail: their fields are only stored and bound, never interpreted as SQL.
#include <string>

#include "store/sqlite/sqlite_store_impl.h"

namespace outpost::store::sqlite {
namespace {

// Whether a reported delivery status replaces the recipient's: a first final status is taken,
// and a late bounce wins over a relay's success DSN; a failure is never undone.
bool replacesDelivery(DeliveryStatus current, DeliveryStatus reported) {
  if (reported == DeliveryStatus::kUnknown || reported == current) return false;
  return current == DeliveryStatus::kUnknown ||
         (current == DeliveryStatus::kDelivered && reported == DeliveryStatus::kFailed);
}

struct ReportedRecipient {
  std::string message_id;
  std::string address;
  DeliveryStatus delivery = DeliveryStatus::kUnknown;
};

Result<ReportedRecipient> loadRecipient(Connection& connection, std::int64_t recipient_id) {
  Query find(connection,
             "SELECT message_id, address, delivery_status FROM recipients WHERE id = ?");
  find.bind(1, recipient_id);
  auto row = find.step();
  if (!row) return row.takeError();
  if (!*row) return notFound("recipient " + std::to_string(recipient_id));
  return ReportedRecipient{
      find.text(0), find.text(1),
      parseDeliveryStatus(find.textView(2)).value_or(DeliveryStatus::kUnknown)};
}

Result<std::int64_t> insertReport(Connection& connection, const std::string& message_id,
                                  const DeliveryReport& report) {
  Query insert(connection,
               "INSERT INTO delivery_reports(message_id, recipient_id, received_at, kind, action,"
               " status, reason, hard_bounce, diagnostic_code, remote_mta, reporting_mta, raw)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  // The caller blocks until the commit, so SQLite may read the raw text from its buffer.
  insert.bind(1, message_id)
      .bind(2, report.recipient_id)
      .bind(3, report.received_at)
      .bind(4, report.kind)
      .bind(5, report.action)
      .bind(6, report.status)
      .bind(7, report.reason)
      .bind(8, report.hard_bounce)
      .bind(9, report.diagnostic_code)
      .bind(10, report.remote_mta)
      .bind(11, report.reporting_mta)
      .bindStaticBlob(12, report.raw);
  if (auto done = insert.run(); !done) return done.takeError();
  return insert.lastInsertRowid();
}

Result<void> recordReportJob(Connection& connection, const DeliveryReport& report,
                             const ReportEffect& effect, std::int64_t& report_id) {
  auto recipient = loadRecipient(connection, report.recipient_id);
  if (!recipient) return recipient.takeError();
  auto inserted = insertReport(connection, recipient->message_id, report);
  if (!inserted) return inserted.takeError();
  report_id = *inserted;
  if (auto event = addEvent(connection, recipient->message_id, recipient->address,
                            report.received_at, effect.event_type, effect.event_detail);
      !event) {
    return event;
  }
  if (replacesDelivery(recipient->delivery, effect.delivery)) {
    Query set(connection, "UPDATE recipients SET delivery_status = ? WHERE id = ?");
    set.bind(1, toString(effect.delivery)).bind(2, report.recipient_id);
    if (auto done = set.run(); !done) return done;
    if (auto done = refreshSummary(connection, recipient->message_id); !done) return done;
  }
  if (effect.suppress) {
    // What the bounce classifier leaves out is known here: whose report it is, and when.
    Suppression suppression = *effect.suppress;
    if (suppression.address.empty()) suppression.address = recipient->address;
    if (suppression.message_id.empty()) suppression.message_id = recipient->message_id;
    if (suppression.created_at == 0) suppression.created_at = report.received_at;
    if (auto done = upsertSuppression(connection, suppression); !done) return done;
  }
  return success();
}

}  // namespace

Result<std::optional<RecipientRef>> SqliteStore::findRecipient(std::int64_t recipient_id) {
  return read([&](Connection& connection) -> Result<std::optional<RecipientRef>> {
    Query find(connection,
               "SELECT id, message_id, address, processing_status, delivery_status"
               " FROM recipients WHERE id = ?");
    find.bind(1, recipient_id);
    auto row = find.step();
    if (!row) return row.takeError();
    if (!*row) return std::optional<RecipientRef>();
    RecipientRef ref;
    ref.recipient_id = find.int64(0);
    ref.message_id = find.text(1);
    ref.address = find.text(2);
    ref.processing = parseProcessingStatus(find.textView(3)).value_or(ProcessingStatus::kQueued);
    ref.delivery = parseDeliveryStatus(find.textView(4)).value_or(DeliveryStatus::kUnknown);
    return std::optional<RecipientRef>(std::move(ref));
  });
}

Result<std::int64_t> SqliteStore::recordReport(const DeliveryReport& report,
                                               const ReportEffect& effect) {
  std::int64_t report_id = 0;
  auto done = writeMessages([&](Connection& connection) {
    return recordReportJob(connection, report, effect, report_id);
  });
  if (!done) return done.takeError();
  return report_id;
}

Result<std::string> SqliteStore::reportRaw(std::string_view id, std::int64_t report_id) {
  return read([&](Connection& connection) -> Result<std::string> {
    Query raw(connection, "SELECT raw FROM delivery_reports WHERE id = ? AND message_id = ?");
    raw.bind(1, report_id).bind(2, id);
    auto row = raw.step();
    if (!row) return row.takeError();
    if (!*row) {
      return notFound("report " + std::to_string(report_id) + " of message " + std::string(id));
    }
    return std::string(raw.blobView(0));
  });
}

}  // namespace outpost::store::sqlite
