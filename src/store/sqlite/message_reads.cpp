// The console's and the API's reads of messages: listing pages (views, filters, search,
// keyset cursors), a message's detail with its attempts, events and reports, and an attempt's
// transcript. Ids, cursors and search text come from API users: they reach SQL only as bound
// parameters.
#include <string>

#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace outpost::store::sqlite {
namespace {

template <class Fill>
Result<void> eachRow(Query& query, Fill&& fill) {
  for (;;) {
    auto row = query.step();
    if (!row) return row.takeError();
    if (!*row) return success();
    fill(query);
  }
}

}  // namespace

Result<ListPage> SqliteStore::listMessages(const ListQuery& query) {
  auto built = buildListQuery(query);
  if (!built) return built.takeError();
  return read([&](Connection& connection) -> Result<ListPage> {
    Query list(connection, built->sql);
    int index = 1;
    for (const auto& bind : built->binds) {
      std::visit([&](const auto& value) { list.bind(index, value); }, bind);
      ++index;
    }
    ListPage page;
    auto done = eachRow(list, [&](Query& row) { page.items.push_back(readSummary(row)); });
    if (!done) return done.takeError();
    if (static_cast<int>(page.items.size()) > built->limit) {
      page.items.resize(built->limit);
      const auto& last = page.items.back();
      page.next_cursor = encodeCursor(last.created_at, last.id);
    }
    return page;
  });
}

Result<MessageDetail> SqliteStore::getMessage(std::string_view id) {
  return read([&](Connection& connection) -> Result<MessageDetail> {
    MessageDetail detail;
    {
      Query message(connection, std::string("SELECT ") + kSummaryColumns +
                                    ", m.tags_json, m.metadata_json, m.owner_user_id, m.route"
                                    " FROM messages AS m WHERE m.id = ?");
      message.bind(1, id);
      auto row = message.step();
      if (!row) return row.takeError();
      if (!*row) return notFound("message " + std::string(id));
      detail.summary = readSummary(message);
      // After the summary's columns (kSummaryColumns).
      constexpr int kAfterSummary = 17;
      detail.tags_json = message.text(kAfterSummary);
      detail.metadata_json = message.text(kAfterSummary + 1);
      detail.owner_user_id = message.int64(kAfterSummary + 2);
      detail.route = message.text(kAfterSummary + 3);
    }
    {
      Query recipients(
          connection,
          "SELECT id, address, field, processing_status, delivery_status, attempts,"
          " next_attempt_at, last_error, waiting_reason FROM recipients WHERE message_id = ?"
          " ORDER BY id");
      recipients.bind(1, id);
      auto done = eachRow(recipients, [&](Query& row) {
        RecipientDetail recipient;
        recipient.id = row.int64(0);
        recipient.address = row.text(1);
        recipient.field = row.text(2);
        recipient.processing =
            parseProcessingStatus(row.textView(3)).value_or(ProcessingStatus::kQueued);
        recipient.delivery =
            parseDeliveryStatus(row.textView(4)).value_or(DeliveryStatus::kUnknown);
        recipient.attempts = row.integer(5);
        recipient.next_attempt_at = row.optionalInt64(6);
        recipient.last_error = row.text(7);
        recipient.waiting_reason = row.text(8);
        detail.recipients.push_back(std::move(recipient));
      });
      if (!done) return done.takeError();
    }
    {
      Query attempts(connection,
                     "SELECT a.number, a.recipient_id, r.address, a.at, a.duration_ms, a.node,"
                     " a.server, a.port, a.ip, a.tls_version, a.tls_cipher, a.code,"
                     " a.enhanced_code, a.text, a.remote_queue_id, a.description, a.hint"
                     " FROM attempts AS a JOIN recipients AS r ON r.id = a.recipient_id"
                     " WHERE a.message_id = ? ORDER BY a.number");
      attempts.bind(1, id);
      auto done = eachRow(attempts, [&](Query& row) {
        AttemptRecord attempt;
        attempt.number = row.integer(0);
        attempt.recipient_id = row.int64(1);
        attempt.recipient = row.text(2);
        attempt.at = row.int64(3);
        attempt.duration_ms = row.int64(4);
        attempt.node = row.text(5);
        attempt.server = row.text(6);
        attempt.port = row.integer(7);
        attempt.ip = row.text(8);
        attempt.tls_version = row.text(9);
        attempt.tls_cipher = row.text(10);
        attempt.code = row.integer(11);
        attempt.enhanced_code = row.text(12);
        attempt.text = row.text(13);
        attempt.remote_queue_id = row.text(14);
        attempt.description = row.text(15);
        attempt.hint = row.text(16);
        detail.attempts.push_back(std::move(attempt));
      });
      if (!done) return done.takeError();
    }
    {
      Query events(connection,
                   "SELECT at, type, recipient, detail FROM events WHERE message_id = ?"
                   " ORDER BY id");
      events.bind(1, id);
      auto done = eachRow(events, [&](Query& row) {
        detail.events.push_back(Event{row.int64(0), row.text(1), row.text(2), row.text(3)});
      });
      if (!done) return done.takeError();
    }
    {
      Query reports(connection,
                    "SELECT d.id, d.recipient_id, r.address, d.received_at, d.kind, d.action,"
                    " d.status, d.reason, d.hard_bounce, d.diagnostic_code, d.remote_mta,"
                    " d.reporting_mta FROM delivery_reports AS d"
                    " JOIN recipients AS r ON r.id = d.recipient_id"
                    " WHERE d.message_id = ? ORDER BY d.received_at, d.id");
      reports.bind(1, id);
      auto done = eachRow(reports, [&](Query& row) {
        DeliveryReport report;
        report.id = row.int64(0);
        report.recipient_id = row.int64(1);
        report.message_id = detail.summary.id;
        report.recipient = row.text(2);
        report.received_at = row.int64(3);
        report.kind = row.text(4);
        report.action = row.text(5);
        report.status = row.text(6);
        report.reason = row.text(7);
        report.hard_bounce = row.boolean(8);
        report.diagnostic_code = row.text(9);
        report.remote_mta = row.text(10);
        report.reporting_mta = row.text(11);
        detail.reports.push_back(std::move(report));
      });
      if (!done) return done.takeError();
    }
    return detail;
  });
}

Result<std::string> SqliteStore::transcript(std::string_view id, int number) {
  return read([&](Connection& connection) -> Result<std::string> {
    Query transcript(connection,
                     "SELECT transcript FROM attempts WHERE message_id = ? AND number = ?");
    transcript.bind(1, id).bind(2, number);
    auto row = transcript.step();
    if (!row) return row.takeError();
    if (!*row) {
      return notFound("attempt " + std::to_string(number) + " of message " + std::string(id));
    }
    return transcript.text(0);
  });
}

}  // namespace outpost::store::sqlite
