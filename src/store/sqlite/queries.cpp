// Builds the listing SQL and encodes its cursors (see queries.h). Untrusted input: the
// ListQuery's and SuppressionQuery's status, text and cursor, from API users.
#include "store/sqlite/queries.h"

#include <algorithm>
#include <charconv>

namespace outpost::store::sqlite {
namespace {

// The WHERE expressions of the partial indexes messages_outbox and messages_failed, word for
// word: SQLite uses a partial index only when the query repeats its expression.
constexpr const char* kOutboxCondition = "m.processing_status IN ('queued', 'processing')";
constexpr const char* kFailedCondition =
    "(m.processing_status = 'failure' OR m.delivery_status = 'failed')";

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64UrlEncode(std::string_view bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64Url[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kBase64Url[(buffer << (6 - bits)) & 0x3f];
  return out;
}

bool base64UrlDecode(std::string_view text, std::string& out) {
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    auto value = kBase64Url.find(c);
    if (value == std::string_view::npos) return false;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return bits < 6;  // a whole number of bytes, as encodeCursor writes them
}

bool isIdChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
         c == '_';
}

bool isWordByte(unsigned char c) {
  // Bytes of multi-byte UTF-8 characters count as word characters: they are letters in most
  // scripts and unicode61 decides the rest.
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0x80;
}

}  // namespace

const char* const kSummaryColumns =
    "m.id, m.message_id, m.created_at, m.mail_from, m.from_header, m.to_list, m.subject,"
    " m.processing_status, m.delivery_status, m.server, m.has_warning, m.attempts,"
    " m.next_attempt_at, m.last_error, m.waiting_reason, m.size_bytes, m.api_key_name";

const char* const kClaimDueSql =
    "SELECT r.id, r.message_id, r.address, r.attempts, m.mail_from, m.route,"
    " m.needs_smtputf8, m.eight_bit, m.size_bytes, m.created_at, r.notify, r.orcpt,"
    " m.dsn_ret, m.dsn_envid, s.address, s.reason, s.source, s.message_id, s.created_at"
    " FROM recipients AS r JOIN messages AS m ON m.id = r.message_id"
    // Suppressions are stored lowercased: one primary-key probe per claimed recipient.
    " LEFT JOIN suppressions AS s ON s.address = lower(r.address)"
    // The first term repeats the partial index recipients_due; a leased recipient's
    // next_attempt_at is the time it was due, so expired leases are inside the range too.
    " WHERE r.processing_status IN ('queued', 'processing') AND r.next_attempt_at <= ?1"
    " AND (r.processing_status = 'queued' OR r.lease_until < ?1)"
    " ORDER BY r.next_attempt_at, r.id LIMIT ?2";

std::string encodeCursor(std::int64_t created_at, std::string_view id) {
  return base64UrlEncode(std::to_string(created_at) + "." + std::string(id));
}

bool decodeCursor(std::string_view cursor, std::int64_t& created_at, std::string& id) {
  if (cursor.empty() || cursor.size() > 200) return false;
  std::string decoded;
  if (!base64UrlDecode(cursor, decoded)) return false;
  auto dot = decoded.find('.');
  if (dot == std::string::npos || dot == 0) return false;
  const char* begin = decoded.data();
  auto [end, ec] = std::from_chars(begin, begin + dot, created_at);
  if (ec != std::errc() || end != begin + dot) return false;
  id = decoded.substr(dot + 1);
  return !id.empty() && std::all_of(id.begin(), id.end(), isIdChar);
}

std::string encodeSuppressionCursor(std::int64_t created_at, std::string_view address) {
  return base64UrlEncode(std::to_string(created_at) + "." + std::string(address));
}

bool decodeSuppressionCursor(std::string_view cursor, std::int64_t& created_at,
                             std::string& address) {
  // Addresses are at most 254 octets (RFC 5321 §4.5.3.1.3), with room for the time.
  if (cursor.empty() || cursor.size() > 400) return false;
  std::string decoded;
  if (!base64UrlDecode(cursor, decoded)) return false;
  auto dot = decoded.find('.');
  if (dot == std::string::npos || dot == 0) return false;
  const char* begin = decoded.data();
  auto [end, ec] = std::from_chars(begin, begin + dot, created_at);
  if (ec != std::errc() || end != begin + dot) return false;
  address = decoded.substr(dot + 1);
  return !address.empty();
}

std::string lowercaseAddress(std::string_view address) {
  std::string lower(address);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

Result<BuiltQuery> buildSuppressionQuery(const SuppressionQuery& query) {
  BuiltQuery built;
  std::vector<std::string> conditions;
  if (!query.text.empty()) {
    // instr, not LIKE: the text is matched literally, '%' and '_' included.
    conditions.emplace_back("instr(address, ?) > 0");
    built.binds.emplace_back(lowercaseAddress(query.text));
  }
  if (!query.cursor.empty()) {
    std::int64_t created_at = 0;
    std::string address;
    if (!decodeSuppressionCursor(query.cursor, created_at, address)) {
      return Error::permanentFailure("invalid_request",
                                     "invalid cursor: pass next_cursor of the previous page");
    }
    conditions.emplace_back("(created_at, address) < (?, ?)");
    built.binds.emplace_back(created_at);
    built.binds.emplace_back(std::move(address));
  }
  built.limit = std::clamp(query.limit, 1, kMaxPageSize);
  built.sql = "SELECT address, reason, source, message_id, created_at FROM suppressions";
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    built.sql += i == 0 ? " WHERE " : " AND ";
    built.sql += conditions[i];
  }
  built.sql += " ORDER BY created_at DESC, address DESC LIMIT ?";
  built.binds.emplace_back(static_cast<std::int64_t>(built.limit) + 1);
  return built;
}

std::string ftsMatchExpression(std::string_view text) {
  std::string expression;
  std::size_t position = 0;
  while (position < text.size()) {
    auto start = text.find_first_not_of(" \t\r\n\f\v", position);
    if (start == std::string_view::npos) break;
    auto end = text.find_first_of(" \t\r\n\f\v", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view term = text.substr(start, end - start);
    position = end;
    if (std::none_of(term.begin(), term.end(),
                     [](char c) { return isWordByte(static_cast<unsigned char>(c)); })) {
      continue;
    }
    if (!expression.empty()) expression += ' ';
    expression += '"';
    for (char c : term) {
      if (c == '"') expression += '"';  // FTS5 strings escape a quote by doubling it
      expression += c;
    }
    expression += "\"*";
  }
  return expression;
}

Result<BuiltQuery> buildListQuery(const ListQuery& query) {
  BuiltQuery built;
  std::vector<std::string> conditions;
  bool outbox_index = false;
  bool failed_index = false;
  switch (query.view) {
    case View::kSent:
      break;
    case View::kOutbox:
      outbox_index = true;
      break;
    case View::kFailed:
      failed_index = true;
      break;
  }
  if (query.status) {
    const std::string& status = *query.status;
    if (status == "deferred") {
      // A deferred message waits in the queue after a failed attempt of one of its recipients.
      conditions.emplace_back(
          "m.processing_status = 'queued' AND EXISTS (SELECT 1 FROM recipients AS r"
          " WHERE r.message_id = m.id AND r.processing_status = 'queued' AND r.attempts > 0)");
      outbox_index = true;
    } else if (auto processing = parseProcessingStatus(status)) {
      conditions.emplace_back("m.processing_status = ?");
      built.binds.emplace_back(std::string(toString(*processing)));
      // The redundant condition lets SQLite walk the small partial index instead of every
      // message when the status is a rare one.
      if (*processing == ProcessingStatus::kQueued ||
          *processing == ProcessingStatus::kProcessing) {
        outbox_index = true;
      }
      if (*processing == ProcessingStatus::kFailure) failed_index = true;
    } else if (auto delivery = parseDeliveryStatus(status)) {
      conditions.emplace_back("m.delivery_status = ?");
      built.binds.emplace_back(std::string(toString(*delivery)));
      if (*delivery == DeliveryStatus::kFailed) failed_index = true;
    } else {
      return Error::permanentFailure(
          "invalid_request", "unknown status \"" + status +
                                 "\": use queued, processing, processed, failure, cancelled, "
                                 "deferred, unknown, delivered or failed");
    }
  }
  if (outbox_index) conditions.emplace_back(kOutboxCondition);
  if (failed_index) conditions.emplace_back(kFailedCondition);
  if (!query.text.empty()) {
    std::string match = ftsMatchExpression(query.text);
    if (!match.empty()) {
      conditions.emplace_back(
          "m.seq IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)");
      built.binds.emplace_back(std::move(match));
    }
  }
  if (query.since) {
    conditions.emplace_back("m.created_at >= ?");
    built.binds.emplace_back(*query.since);
  }
  if (query.until) {
    conditions.emplace_back("m.created_at < ?");
    built.binds.emplace_back(*query.until);
  }
  if (query.server) {
    conditions.emplace_back(
        "EXISTS (SELECT 1 FROM attempts AS a WHERE a.message_id = m.id AND a.server = ?)");
    built.binds.emplace_back(*query.server);
  }
  if (query.owner_user_id) {
    conditions.emplace_back("m.owner_user_id = ?");
    built.binds.emplace_back(*query.owner_user_id);
  }
  if (query.api_key_name) {
    conditions.emplace_back("m.api_key_name = ?");
    built.binds.emplace_back(*query.api_key_name);
  }
  if (!query.cursor.empty()) {
    std::int64_t created_at = 0;
    std::string id;
    if (!decodeCursor(query.cursor, created_at, id)) {
      return Error::permanentFailure("invalid_request",
                                     "invalid cursor: pass next_cursor of the previous page");
    }
    conditions.emplace_back("(m.created_at, m.id) < (?, ?)");
    built.binds.emplace_back(created_at);
    built.binds.emplace_back(std::move(id));
  }
  built.limit = std::clamp(query.limit, 1, kMaxPageSize);
  built.sql = std::string("SELECT ") + kSummaryColumns + " FROM messages AS m";
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    built.sql += i == 0 ? " WHERE " : " AND ";
    built.sql += conditions[i];
  }
  built.sql += " ORDER BY m.created_at DESC, m.id DESC LIMIT ?";
  built.binds.emplace_back(static_cast<std::int64_t>(built.limit) + 1);
  return built;
}

}  // namespace outpost::store::sqlite
