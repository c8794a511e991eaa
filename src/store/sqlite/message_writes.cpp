// Intake and the console's actions on a message: insertMessage (with Idempotency-Key replay),
// retryMessage and cancelMessage. Each runs as one job of the group-committing writer.
// The message comes from intake, already validated; ids come from URLs and are only bound.
#include <string>

#include "store/sqlite/sqlite_store_impl.h"

namespace outpost::store::sqlite {
namespace {

// The idempotency check: fills `outcome` and returns true when the key was seen before.
Result<bool> replayIdempotent(Connection& connection, const NewMessage& message,
                              InsertOutcome& outcome) {
  Query seen(connection,
             "SELECT request_hash, message_id, response_json FROM idempotency_keys"
             " WHERE api_key_name = ? AND key = ?");
  seen.bind(1, message.api_key_name).bind(2, message.idempotency->key);
  auto row = seen.step();
  if (!row) return row.takeError();
  if (!*row) return false;
  if (seen.textView(0) != message.idempotency->request_hash) {
    return Error::permanentFailure(
        "idempotency_conflict",
        "the Idempotency-Key \"" + message.idempotency->key +
            "\" was used before with another request; use a new key for a new message");
  }
  outcome.id = seen.text(1);
  outcome.replayed = true;
  outcome.response_json = seen.text(2);
  return true;
}

Result<void> insertJob(Connection& connection, const NewMessage& message, InsertOutcome& outcome) {
  if (message.idempotency) {
    auto replayed = replayIdempotent(connection, message, outcome);
    if (!replayed) return replayed.takeError();
    if (*replayed) return success();
  }
  std::string to_list;
  for (const auto& recipient : message.recipients) {
    if (!to_list.empty()) to_list += '\n';
    to_list += recipient.address;
  }
  {
    Query insert(connection,
                 "INSERT INTO messages(id, message_id, mail_from, from_header, subject,"
                 " size_bytes, needs_smtputf8, eight_bit, owner_user_id, api_key_name, tags_json,"
                 " metadata_json, route, created_at, next_attempt_at, to_list, dsn_ret, dsn_envid)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15,"
                 " ?16, ?17)");
    insert.bind(1, message.id)
        .bind(2, message.message_id)
        .bind(3, message.mail_from)
        .bind(4, message.from_header)
        .bind(5, message.subject)
        .bind(6, static_cast<std::int64_t>(message.raw.size()))
        .bind(7, message.needs_smtputf8)
        .bind(8, message.eight_bit)
        .bind(9, message.owner_user_id)
        .bind(10, message.api_key_name)
        .bind(11, message.tags_json)
        .bind(12, message.metadata_json)
        .bind(13, message.route)
        .bind(14, message.created_at)
        .bind(15, to_list)
        .bind(16, message.dsn_ret)
        .bind(17, message.dsn_envid);
    if (auto done = insert.run(); !done) return done;
  }
  {
    // The caller blocks until the commit, so SQLite may read the body from its buffer.
    Query body(connection, "INSERT INTO message_bodies(message_id, raw) VALUES (?, ?)");
    body.bind(1, message.id).bindStaticBlob(2, message.raw);
    if (auto done = body.run(); !done) return done;
  }
  {
    Query recipient(
        connection,
        "INSERT INTO recipients(message_id, address, field, next_attempt_at, notify, orcpt)"
        " VALUES (?, ?, ?, ?, ?, ?)");
    for (const auto& to : message.recipients) {
      recipient.bind(1, message.id).bind(2, to.address).bind(3, to.field);
      recipient.bind(4, message.created_at).bind(5, to.notify).bind(6, to.orcpt);
      if (auto done = recipient.run(); !done) return done;
      recipient.reset();
    }
  }
  if (auto done = addEvent(connection, message.id, "", message.created_at, "accepted",
                           std::to_string(message.recipients.size()) + " recipient(s)");
      !done) {
    return done;
  }
  if (message.idempotency) {
    Query remember(connection,
                   "INSERT INTO idempotency_keys(api_key_name, key, request_hash, message_id,"
                   " response_json, created_at) VALUES (?, ?, ?, ?, ?, ?)");
    remember.bind(1, message.api_key_name)
        .bind(2, message.idempotency->key)
        .bind(3, message.idempotency->request_hash)
        .bind(4, message.id)
        .bind(5, message.response_json)
        .bind(6, message.created_at);
    if (auto done = remember.run(); !done) return done;
  }
  outcome = InsertOutcome{message.id, false, {}};
  return success();
}

Result<void> requireMessage(Connection& connection, std::string_view id) {
  Query exists(connection, "SELECT 1 FROM messages WHERE id = ?");
  exists.bind(1, id);
  auto row = exists.step();
  if (!row) return row.takeError();
  if (!*row) return notFound("message " + std::string(id));
  return success();
}

std::string recipientCount(int count) {
  return std::to_string(count) + (count == 1 ? " recipient" : " recipients");
}

}  // namespace

Result<InsertOutcome> SqliteStore::insertMessage(const NewMessage& message) {
  if (message.recipients.empty()) {
    return Error::permanentFailure("invalid_request", "a message needs at least one recipient");
  }
  InsertOutcome outcome;
  auto done = writeMessages(
      [&](Connection& connection) { return insertJob(connection, message, outcome); });
  if (!done) return done.takeError();
  return outcome;
}

Result<int> retryRecipients(Connection& connection, std::string_view id, UnixMillis now) {
  Query retry(connection,
              "UPDATE recipients SET processing_status = 'queued', delivery_status = 'unknown',"
              " next_attempt_at = ? WHERE message_id = ? AND ((processing_status = 'queued'"
              " AND attempts > 0) OR processing_status = 'failure')");
  retry.bind(1, now).bind(2, id);
  if (auto updated = retry.run(); !updated) return updated.takeError();
  const int count = retry.changes();
  if (count == 0) return 0;
  if (auto event = addEvent(connection, id, "", now, "retry", recipientCount(count)); !event) {
    return event.takeError();
  }
  if (auto refreshed = refreshSummary(connection, id); !refreshed) return refreshed.takeError();
  return count;
}

Result<int> cancelRecipients(Connection& connection, std::string_view id, UnixMillis now) {
  // Recipients being delivered right now are processing, not queued: they are left alone.
  Query cancel(connection,
               "UPDATE recipients SET processing_status = 'cancelled',"
               " delivery_status = 'failed', next_attempt_at = NULL"
               " WHERE message_id = ? AND processing_status = 'queued' AND lease_owner IS NULL");
  cancel.bind(1, id);
  if (auto updated = cancel.run(); !updated) return updated.takeError();
  const int count = cancel.changes();
  if (count == 0) return 0;
  if (auto event = addEvent(connection, id, "", now, "cancelled", recipientCount(count)); !event) {
    return event.takeError();
  }
  if (auto refreshed = refreshSummary(connection, id); !refreshed) return refreshed.takeError();
  return count;
}

Result<int> SqliteStore::retryMessage(std::string_view id, UnixMillis now) {
  int count = 0;
  auto done = writeMessages([&](Connection& connection) -> Result<void> {
    if (auto exists = requireMessage(connection, id); !exists) return exists;
    auto retried = retryRecipients(connection, id, now);
    if (!retried) return retried.takeError();
    count = *retried;
    return success();
  });
  if (!done) return done.takeError();
  return count;
}

Result<int> SqliteStore::cancelMessage(std::string_view id, UnixMillis now) {
  int count = 0;
  auto done = writeMessages([&](Connection& connection) -> Result<void> {
    if (auto exists = requireMessage(connection, id); !exists) return exists;
    auto cancelled = cancelRecipients(connection, id, now);
    if (!cancelled) return cancelled.takeError();
    count = *cancelled;
    return success();
  });
  if (!done) return done.takeError();
  return count;
}

}  // namespace outpost::store::sqlite
