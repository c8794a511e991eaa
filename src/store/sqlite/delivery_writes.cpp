// The scheduler's side of the store: claiming due recipients with leases (with their DSN
// parameters and any suppression of their address), loading bodies, recording attempts and
// outcomes, and releasing leases at shutdown. A lease lost to another node (it expired and was
// claimed again) makes an outcome stale: it is ignored.
#include <set>
#include <string>

#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace outpost::store::sqlite {
namespace {

Result<void> refreshAll(Connection& connection, const std::set<std::string>& message_ids) {
  for (const auto& id : message_ids) {
    if (auto done = refreshSummary(connection, id); !done) return done;
  }
  return success();
}

Result<void> insertAttempt(Connection& connection, const std::string& message_id,
                           const AttemptRecord& attempt) {
  Query insert(connection,
               "INSERT INTO attempts(message_id, number, recipient_id, at, duration_ms, node,"
               " server, port, ip, tls_version, tls_cipher, code, enhanced_code, text,"
               " remote_queue_id, transcript, description, hint)"
               " VALUES (?1, (SELECT coalesce(max(number), 0) + 1 FROM attempts"
               " WHERE message_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
               " ?14, ?15, ?16, ?17)");
  insert.bind(1, message_id)
      .bind(2, attempt.recipient_id)
      .bind(3, attempt.at)
      .bind(4, attempt.duration_ms)
      .bind(5, attempt.node)
      .bind(6, attempt.server)
      .bind(7, attempt.port)
      .bind(8, attempt.ip)
      .bind(9, attempt.tls_version)
      .bind(10, attempt.tls_cipher)
      .bind(11, attempt.code)
      .bind(12, attempt.enhanced_code)
      .bind(13, attempt.text)
      .bind(14, attempt.remote_queue_id)
      .bind(15, attempt.transcript)
      .bind(16, attempt.description)
      .bind(17, attempt.hint);
  return insert.run();
}

Result<void> recordOne(Connection& connection, const RecipientUpdate& update,
                       std::set<std::string>& touched) {
  const AttemptRecord& attempt = update.attempt;
  std::string message_id;
  std::string address;
  {
    Query leased(connection,
                 "SELECT message_id, address FROM recipients WHERE id = ? AND lease_owner = ?"
                 " AND processing_status = 'processing'");
    leased.bind(1, attempt.recipient_id).bind(2, update.lease_owner);
    auto row = leased.step();
    if (!row) return row.takeError();
    if (!*row) return success();  // the lease was lost: another node owns this recipient now
    message_id = leased.text(0);
    address = leased.text(1);
  }
  for (const auto& earlier : update.failovers) {
    if (auto done = insertAttempt(connection, message_id, earlier); !done) return done;
  }
  if (auto done = insertAttempt(connection, message_id, attempt); !done) return done;
  ProcessingStatus processing = update.processing;
  // After an attempt the recipient is never "processing" any more: that would be deferred.
  if (processing == ProcessingStatus::kProcessing) processing = ProcessingStatus::kQueued;
  DeliveryStatus delivery = update.delivery;
  if (processing == ProcessingStatus::kFailure || processing == ProcessingStatus::kCancelled) {
    delivery = DeliveryStatus::kFailed;
  }
  std::optional<std::int64_t> next_attempt_at;
  if (processing == ProcessingStatus::kQueued) {
    next_attempt_at = update.next_attempt_at.value_or(attempt.at);
  }
  bool failed_reply = isFailedReply(attempt.code);
  {
    Query set(connection,
              "UPDATE recipients SET processing_status = ?, delivery_status = ?,"
              " attempts = attempts + 1, next_attempt_at = ?, last_error = ?, waiting_reason = '',"
              " lease_owner = NULL, lease_until = NULL WHERE id = ?");
    set.bind(1, toString(processing))
        .bind(2, toString(delivery))
        .bind(3, next_attempt_at)
        .bind(4, failed_reply ? std::string_view(attempt.text) : std::string_view())
        .bind(5, attempt.recipient_id);
    if (auto done = set.run(); !done) return done;
  }
  std::string_view type =
      processing == ProcessingStatus::kQueued ? "deferred" : toString(processing);
  if (auto done = addEvent(connection, message_id, address, attempt.at, type, attempt.text);
      !done) {
    return done;
  }
  touched.insert(std::move(message_id));
  return success();
}

}  // namespace

Result<std::vector<DueRecipient>> SqliteStore::claimDue(UnixMillis now,
                                                        std::string_view lease_owner,
                                                        UnixMillis lease_until, int limit) {
  std::vector<DueRecipient> claimed;
  if (limit <= 0) return claimed;
  auto done = writeMessages([&](Connection& connection) -> Result<void> {
    claimed.clear();
    {
      Query due(connection, kClaimDueSql);
      due.bind(1, now).bind(2, limit);
      for (;;) {
        auto row = due.step();
        if (!row) return row.takeError();
        if (!*row) break;
        DueRecipient recipient;
        recipient.recipient_id = due.int64(0);
        recipient.message_id = due.text(1);
        recipient.address = due.text(2);
        recipient.attempts = due.integer(3);
        recipient.mail_from = due.text(4);
        recipient.route = due.text(5);
        recipient.needs_smtputf8 = due.boolean(6);
        recipient.eight_bit = due.boolean(7);
        recipient.size_bytes = due.int64(8);
        recipient.created_at = due.int64(9);
        recipient.notify = due.text(10);
        recipient.orcpt = due.text(11);
        recipient.dsn_ret = due.text(12);
        recipient.dsn_envid = due.text(13);
        if (!due.isNull(14)) {
          recipient.suppression =
              Suppression{due.text(14), due.text(15), due.text(16), due.text(17), due.int64(18)};
        }
        claimed.push_back(std::move(recipient));
      }
    }
    std::set<std::string> touched;
    for (const auto& recipient : claimed) {
      Query lease(connection,
                  "UPDATE recipients SET processing_status = 'processing', lease_owner = ?,"
                  " lease_until = ? WHERE id = ?");
      lease.bind(1, lease_owner).bind(2, lease_until).bind(3, recipient.recipient_id);
      if (auto leased = lease.run(); !leased) return leased;
      if (auto event = addEvent(connection, recipient.message_id, recipient.address, now,
                                "processing", lease_owner);
          !event) {
        return event;
      }
      touched.insert(recipient.message_id);
    }
    return refreshAll(connection, touched);
  });
  if (!done) return done.takeError();
  return claimed;
}

Result<std::string> SqliteStore::loadRaw(std::string_view message_id) {
  return read([&](Connection& connection) -> Result<std::string> {
    Query body(connection, "SELECT raw FROM message_bodies WHERE message_id = ?");
    body.bind(1, message_id);
    auto row = body.step();
    if (!row) return row.takeError();
    if (!*row) return notFound("message " + std::string(message_id));
    return std::string(body.blobView(0));
  });
}

Result<void> SqliteStore::recordOutcomes(const std::vector<RecipientUpdate>& updates) {
  if (updates.empty()) return success();
  return writeMessages([&](Connection& connection) -> Result<void> {
    std::set<std::string> touched;
    for (const auto& update : updates) {
      if (auto done = recordOne(connection, update, touched); !done) return done;
    }
    return refreshAll(connection, touched);
  });
}

Result<void> SqliteStore::postpone(const std::vector<Postponement>& postponements) {
  if (postponements.empty()) return success();
  return writeMessages([&](Connection& connection) -> Result<void> {
    std::set<std::string> touched;
    for (const auto& postponement : postponements) {
      Query set(connection,
                "UPDATE recipients SET processing_status = 'queued', next_attempt_at = ?,"
                " waiting_reason = ?, lease_owner = NULL, lease_until = NULL"
                " WHERE id = ? AND lease_owner = ? AND processing_status = 'processing'");
      set.bind(1, postponement.until)
          .bind(2, postponement.reason)
          .bind(3, postponement.recipient_id)
          .bind(4, postponement.lease_owner);
      if (auto done = set.run(); !done) return done;
      touched.insert(postponement.message_id);
    }
    return refreshAll(connection, touched);
  });
}

Result<void> SqliteStore::releaseLeases(std::string_view lease_owner) {
  return writeMessages([&](Connection& connection) -> Result<void> {
    std::set<std::string> touched;
    // The IN term lets SQLite walk the small recipients_due index, not every recipient.
    constexpr const char* kLeased =
        " FROM recipients WHERE processing_status IN ('queued', 'processing')"
        " AND processing_status = 'processing' AND lease_owner = ?";
    {
      Query leased(connection, std::string("SELECT DISTINCT message_id") + kLeased);
      leased.bind(1, lease_owner);
      for (;;) {
        auto row = leased.step();
        if (!row) return row.takeError();
        if (!*row) break;
        touched.insert(leased.text(0));
      }
    }
    if (touched.empty()) return success();
    Query release(connection,
                  "UPDATE recipients SET processing_status = 'queued', lease_owner = NULL,"
                  " lease_until = NULL WHERE id IN (SELECT id" +
                      std::string(kLeased) + ")");
    release.bind(1, lease_owner);
    if (auto done = release.run(); !done) return done;
    return refreshAll(connection, touched);
  });
}

}  // namespace outpost::store::sqlite
