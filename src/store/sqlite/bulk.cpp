// Bulk retry and cancel from the console: retryMessage / cancelMessage for many messages in
// one commit. The ids come from API users (already filtered to what they may change); unknown
// ids are skipped, and they reach SQL only as binds.
#include "store/sqlite/sqlite_store_impl.h"

namespace outpost::store::sqlite {
namespace {

using Change = Result<int> (*)(Connection&, std::string_view, UnixMillis);

Result<BulkOutcome> applyEach(const std::vector<std::string>& ids, UnixMillis now, Change change,
                              const std::function<Result<void>(const Writer::Work&)>& write) {
  BulkOutcome outcome;
  auto done = write([&](Connection& connection) -> Result<void> {
    for (const std::string& id : ids) {
      auto changed = change(connection, id, now);
      if (!changed) return changed.takeError();
      if (*changed == 0) continue;
      ++outcome.messages;
      outcome.recipients += *changed;
    }
    return success();
  });
  if (!done) return done.takeError();
  return outcome;
}

}  // namespace

Result<BulkOutcome> SqliteStore::retryMessages(const std::vector<std::string>& ids,
                                               UnixMillis now) {
  return applyEach(ids, now, &retryRecipients,
                   [this](const Writer::Work& work) { return writeMessages(work); });
}

Result<BulkOutcome> SqliteStore::cancelMessages(const std::vector<std::string>& ids,
                                                UnixMillis now) {
  return applyEach(ids, now, &cancelRecipients,
                   [this](const Writer::Work& work) { return writeMessages(work); });
}

}  // namespace outpost::store::sqlite
