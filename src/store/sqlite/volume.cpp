// Volume statistics for the console's Overview charts: recipient events counted per time
// bucket, restricted like message lists. The range and the restriction come from API users:
// they are checked here and reach SQL only as binds.
#include <string>

#include "store/sqlite/sqlite_store_impl.h"

namespace outpost::store::sqlite {
namespace {

// One row per non-empty bucket. "delivered" counts delivery reports, and processed events whose
// recipient is (still) delivered without a report: the recipient's MX or the sandbox took it.
constexpr const char* kVolumeSql =
    "SELECT (e.at - ?1) / ?2 AS bucket,"
    " SUM(CASE WHEN e.type = 'accepted'"
    "  THEN (SELECT COUNT(*) FROM recipients r WHERE r.message_id = e.message_id) ELSE 0 END),"
    " SUM(e.type = 'processed'),"
    " SUM(CASE WHEN e.type = 'delivered' THEN 1"
    "  WHEN e.type = 'processed' AND EXISTS (SELECT 1 FROM recipients r"
    "   WHERE r.message_id = e.message_id AND r.address = e.recipient"
    "   AND r.delivery_status = 'delivered')"
    "  AND NOT EXISTS (SELECT 1 FROM events d WHERE d.message_id = e.message_id"
    "   AND d.recipient = e.recipient AND d.type = 'delivered') THEN 1 ELSE 0 END),"
    " SUM(e.type IN ('failure', 'bounced')),"
    " SUM(e.type IN ('deferred', 'delayed'))"
    " FROM events e JOIN messages m ON m.id = e.message_id"
    " WHERE e.at >= ?1 AND e.at < ?3"
    " AND e.type IN ('accepted', 'processed', 'delivered', 'failure', 'bounced', 'deferred',"
    "  'delayed')"
    " AND (?4 IS NULL OR m.owner_user_id = ?4) AND (?5 IS NULL OR m.api_key_name = ?5)"
    " GROUP BY bucket ORDER BY bucket";

Error invalidVolume(std::string message) {
  return Error::permanentFailure("invalid_request", std::move(message));
}

}  // namespace

Result<std::vector<VolumeBucket>> SqliteStore::volume(const VolumeQuery& query) {
  if (query.bucket_ms <= 0) return invalidVolume("the bucket size must be positive");
  if (query.since >= query.until) return invalidVolume("since must be before until");
  const std::int64_t span = query.until - query.since;
  const std::int64_t count = span / query.bucket_ms + (span % query.bucket_ms != 0 ? 1 : 0);
  if (count > kMaxVolumeBuckets) {
    return invalidVolume("the range has " + std::to_string(count) + " buckets; at most " +
                         std::to_string(kMaxVolumeBuckets) + " are allowed");
  }
  std::vector<VolumeBucket> buckets(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    buckets[static_cast<std::size_t>(i)].at = query.since + i * query.bucket_ms;
  }
  auto done = read([&](Connection& connection) -> Result<void> {
    Query rows(connection, kVolumeSql);
    rows.bind(1, query.since).bind(2, query.bucket_ms).bind(3, query.until);
    rows.bind(4, query.owner_user_id);
    if (query.api_key_name) {
      rows.bind(5, *query.api_key_name);
    } else {
      rows.bindNull(5);
    }
    for (;;) {
      auto row = rows.step();
      if (!row) return row.takeError();
      if (!*row) return success();
      const std::int64_t index = rows.int64(0);
      if (index < 0 || index >= count) continue;
      VolumeBucket& bucket = buckets[static_cast<std::size_t>(index)];
      bucket.accepted = rows.int64(1);
      bucket.processed = rows.int64(2);
      bucket.delivered = rows.int64(3);
      bucket.failed = rows.int64(4);
      bucket.deferred = rows.int64(5);
    }
  });
  if (!done) return done.takeError();
  return buckets;
}

}  // namespace outpost::store::sqlite
