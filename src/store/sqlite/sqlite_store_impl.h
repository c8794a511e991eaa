// SqliteStore, the Store over SQLite (see sqlite_store.h), and the row helpers its source
// files share. Internal to the store module.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "store/sqlite/connection.h"
#include "store/sqlite/reader_pool.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/writer.h"
#include "store/store.h"

namespace outpost::store::sqlite {

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Writer> writer, std::unique_ptr<ReaderPool> readers)
      : writer_(std::move(writer)), readers_(std::move(readers)) {}

  Result<void> migrate() override;
  Result<void> ping() override;

  Result<InsertOutcome> insertMessage(const NewMessage& message) override;

  Result<std::vector<DueRecipient>> claimDue(UnixMillis now, std::string_view lease_owner,
                                             UnixMillis lease_until, int limit) override;
  Result<std::string> loadRaw(std::string_view message_id) override;
  Result<void> postpone(const std::vector<Postponement>& postponements) override;
  Result<void> recordOutcomes(const std::vector<RecipientUpdate>& updates) override;
  Result<void> releaseLeases(std::string_view lease_owner) override;

  Result<ListPage> listMessages(const ListQuery& query) override;
  Result<MessageDetail> getMessage(std::string_view id) override;
  Result<std::string> transcript(std::string_view id, int number) override;
  Result<int> retryMessage(std::string_view id, UnixMillis now) override;
  Result<int> cancelMessage(std::string_view id, UnixMillis now) override;
  Result<BulkOutcome> retryMessages(const std::vector<std::string>& ids, UnixMillis now) override;
  Result<BulkOutcome> cancelMessages(const std::vector<std::string>& ids, UnixMillis now) override;

  Result<User> createUser(const User& user) override;
  Result<std::optional<User>> findUserByEmail(std::string_view email) override;
  Result<std::optional<User>> findUserById(std::int64_t id) override;
  Result<std::optional<User>> firstSuperAdmin() override;
  Result<ApiKey> createApiKey(const ApiKey& key) override;
  Result<std::optional<ApiKey>> findApiKeyByPrefix(std::string_view prefix) override;
  Result<std::optional<ApiKey>> findApiKeyByName(std::string_view name) override;
  Result<std::vector<User>> listUsers() override;
  Result<bool> updateUser(const User& user) override;
  Result<bool> deleteUser(std::int64_t id) override;
  Result<std::vector<ApiKey>> listApiKeys(std::optional<std::int64_t> user_id) override;
  Result<bool> deleteApiKey(std::int64_t id) override;
  Result<void> createSession(const Session& session) override;
  Result<std::optional<Session>> findSession(std::string_view token_hash) override;
  Result<void> touchSession(std::string_view token_hash, UnixMillis at) override;
  Result<void> deleteSession(std::string_view token_hash) override;
  Result<int> deleteUserSessions(std::int64_t user_id) override;
  Result<int> deleteExpiredSessions(UnixMillis idle_before, UnixMillis created_before) override;
  Result<void> appendAudit(const AuditEntry& entry) override;
  Result<AuditPage> listAudit(const AuditQuery& query) override;
  Result<std::vector<VolumeBucket>> volume(const VolumeQuery& query) override;
  std::uint64_t changeSequence() const override { return changes_.load(std::memory_order_acquire); }
  Result<std::optional<std::string>> getSetting(std::string_view key) override;
  Result<void> putSetting(std::string_view key, std::string_view value) override;
  Result<std::vector<std::pair<std::string, std::string>>> listSettings(
      std::string_view prefix) override;
  Result<bool> deleteSetting(std::string_view key) override;

  Result<std::optional<RecipientRef>> findRecipient(std::int64_t recipient_id) override;
  Result<std::int64_t> recordReport(const DeliveryReport& report,
                                    const ReportEffect& effect) override;
  Result<std::string> reportRaw(std::string_view id, std::int64_t report_id) override;
  Result<void> addSuppression(const Suppression& suppression) override;
  Result<bool> removeSuppression(std::string_view address) override;
  Result<std::optional<Suppression>> findSuppression(std::string_view address) override;
  Result<SuppressionPage> listSuppressions(const SuppressionQuery& query) override;
  Result<void> insertDkimKey(const DkimKey& key) override;
  Result<std::vector<DkimKey>> listDkimKeys(std::string_view domain) override;
  Result<std::optional<DkimKey>> findDkimKey(std::string_view domain,
                                             std::string_view selector) override;
  Result<void> activateDkimKey(std::string_view domain, std::string_view selector,
                               UnixMillis now) override;
  Result<void> recordDkimValidation(std::string_view domain, std::string_view selector,
                                    UnixMillis at, bool valid, std::string_view summary) override;
  Result<bool> deleteDkimKey(std::string_view domain, std::string_view selector) override;

  SqliteStats stats() const { return {writer_->commits(), writer_->jobs()}; }

 private:
  // Runs `read(Connection&)` on a pooled read-only connection inside one read transaction,
  // so that its queries see one consistent snapshot.
  template <class Read>
  auto read(Read&& read) -> decltype(read(std::declval<Connection&>())) {
    auto lease = readers_->acquire();
    if (auto begun = lease->exec("BEGIN"); !begun) return begun.takeError();
    auto result = read(*lease);
    (void)lease->exec("COMMIT");  // nothing to commit: ends the snapshot
    return result;
  }

  // Runs a write job that inserts or changes messages or recipients; once it has committed,
  // changeSequence() moves so that watchers (the console's live updates) see it.
  Result<void> writeMessages(const Writer::Work& work) {
    auto done = writer_->run(work);
    if (done) changes_.fetch_add(1, std::memory_order_release);
    return done;
  }

  // Declared in this order so that the readers close before the writer.
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<ReaderPool> readers_;
  std::atomic<std::uint64_t> changes_{0};
};

// --- helpers shared by the source files (summary.cpp, suppressions.cpp) --------------------

// Runs one changing statement as a write job; `bind` binds its parameters. Returns how many
// rows it changed.
template <class Bind>
Result<int> changeRows(Writer& writer, const char* sql, Bind bind) {
  int changed = 0;
  auto done = writer.run([&](Connection& connection) -> Result<void> {
    Query change(connection, sql);
    bind(change);
    if (auto ran = change.run(); !ran) return ran;
    changed = change.changes();
    return success();
  });
  if (!done) return done.takeError();
  return changed;
}

// Reads a MessageSummary from the columns kSummaryColumns, starting at column `first`.
MessageSummary readSummary(const Query& row, int first = 0);
// Recomputes the message's summary columns from its recipients and attempts.
Result<void> refreshSummary(Connection& connection, std::string_view message_id);
Result<void> addEvent(Connection& connection, std::string_view message_id,
                      std::string_view recipient, UnixMillis at, std::string_view type,
                      std::string_view detail);
Error notFound(std::string_view what);
// Adds or replaces the suppression of its address (lowercased here).
Result<void> upsertSuppression(Connection& connection, const Suppression& suppression);
// The writes of retryMessage and cancelMessage for one existing message, inside a writer job;
// return how many recipients changed (bulk.cpp runs them for many messages in one commit).
Result<int> retryRecipients(Connection& connection, std::string_view id, UnixMillis now);
Result<int> cancelRecipients(Connection& connection, std::string_view id, UnixMillis now);
// Whether an attempt's reply (0 = none) was an error.
inline bool isFailedReply(int code) { return code == 0 || code >= 400; }

}  // namespace outpost::store::sqlite
