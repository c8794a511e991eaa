// SQL that is built or shared: the message and suppression listings (views, filters, search
// and keyset pages), their opaque cursors, and the claim query of the scheduler. Kept apart so
// that tests can ask SQLite for the query plans. The queries and cursors come from API users
// and are untrusted: they only ever reach SQL as bound parameters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace outpost::store::sqlite {

using Bind = std::variant<std::int64_t, std::string>;

struct BuiltQuery {
  std::string sql;
  std::vector<Bind> binds;  // in the order of the ? placeholders
  int limit = 0;            // page size; the query asks for one row more to see the next page
};

constexpr int kMaxPageSize = 500;

// The message columns a MessageSummary is read from, in readSummary's order ("m" is messages).
extern const char* const kSummaryColumns;

// The listing query for `query`; Error "invalid_request" for an unknown status or a cursor
// that is not one of ours.
Result<BuiltQuery> buildListQuery(const ListQuery& query);

// The cursor that continues a listing after the message (created_at, id).
std::string encodeCursor(std::int64_t created_at, std::string_view id);
bool decodeCursor(std::string_view cursor, std::int64_t& created_at, std::string& id);

// The suppression listing for `query`, newest first; Error "invalid_request" for a cursor that
// is not one of ours. Rows: address, reason, source, message_id, created_at.
Result<BuiltQuery> buildSuppressionQuery(const SuppressionQuery& query);
// The cursor that continues a suppression listing after (created_at, address).
std::string encodeSuppressionCursor(std::int64_t created_at, std::string_view address);
bool decodeSuppressionCursor(std::string_view cursor, std::int64_t& created_at,
                             std::string& address);

// An address as suppressions are keyed: ASCII letters lowercased, exactly as SQLite's lower()
// does (the claim query compares with lower(recipients.address)); other bytes are kept.
std::string lowercaseAddress(std::string_view address);

// The FTS5 MATCH expression for what a person typed: each whitespace-separated term becomes
// a quoted prefix phrase ("term"*), so FTS5 syntax in the input cannot cause errors. Terms
// without a letter or digit are dropped; "" when nothing is left.
std::string ftsMatchExpression(std::string_view text);

// Parameters: 1 = now, 2 = limit. Rows: recipient id, message id, address, attempts,
// mail_from, route, needs_smtputf8, eight_bit, size_bytes, created_at, notify, orcpt, dsn_ret,
// dsn_envid, then the suppression (address, reason, source, message_id, created_at; address
// NULL when the recipient is not suppressed).
extern const char* const kClaimDueSql;

}  // namespace outpost::store::sqlite
