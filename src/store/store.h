// The Store: everything outpost keeps — messages with their bodies, recipients and their
// statuses, attempts, events, users, API keys and settings. Only implementations of this
// interface know SQL. All methods are synchronous and thread-safe; callers on I/O threads
// run them on a blocking pool. Writes from concurrent callers are grouped into one commit.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/status.h"

namespace outpost::store {

struct NewRecipient {
  std::string address;  // envelope recipient (RCPT TO), no angle brackets
  std::string field;    // "to" | "cc" | "bcc" | "envelope" (raw submissions)
  // RFC 3461 parameters the submitter gave on RCPT, passed on to the next hop; "" = none given.
  std::string notify;  // "NEVER" or a comma list of SUCCESS, FAILURE, DELAY
  std::string orcpt;   // "rfc822;user@example.org" (xtext decoded)
};

struct Idempotency {
  std::string key;           // Idempotency-Key header, scoped per API key
  std::string request_hash;  // hash of the request body: same key + other body = conflict
};

// An address that mail is no longer sent to (a hard bounce, or put there by a person).
struct Suppression {
  std::string address;     // lowercase
  std::string reason;      // why, for people: "userunknown: 550 5.1.1 no such user"
  std::string source;      // "bounce" | "manual"
  std::string message_id;  // the message whose bounce put it there (outpost id), or ""
  UnixMillis created_at = 0;
};

struct NewMessage {
  std::string id;           // outpost id (core/ids.h newMessageId)
  std::string message_id;   // Message-ID header value, with angle brackets
  std::string mail_from;    // reverse-path; empty for the null reverse-path <>
  std::string from_header;  // decoded From for listing: "Name <addr>" or "addr"
  std::string subject;      // decoded Subject
  std::vector<NewRecipient> recipients;
  std::string raw;  // the RFC 5322 message with CRLF line endings, as it will be sent
  bool needs_smtputf8 = false;
  bool eight_bit = false;  // body has 8-bit octets: needs 8BITMIME
  std::int64_t owner_user_id = 0;
  std::string api_key_name;  // who submitted it
  std::string tags_json = "[]";
  std::string metadata_json = "{}";
  std::string route;  // "" = the default route at delivery time; "relay", "sandbox"
  UnixMillis created_at = 0;
  std::optional<Idempotency> idempotency;
  std::string response_json;  // the 201 body, returned again for a repeated Idempotency-Key
  // RFC 3461 parameters the submitter gave on MAIL; "" = none given.
  std::string dsn_ret;    // "FULL" | "HDRS"
  std::string dsn_envid;  // ENVID, xtext decoded
};

struct InsertOutcome {
  std::string id;             // the stored message's id (the first one on a replay)
  bool replayed = false;      // the Idempotency-Key was seen before with the same body
  std::string response_json;  // on a replay: the first answer's body
};

// A recipient claimed for delivery (its lease is ours until lease_until).
struct DueRecipient {
  std::int64_t recipient_id = 0;
  std::string message_id;  // outpost id
  std::string address;
  std::string mail_from;
  std::string route;
  bool needs_smtputf8 = false;
  bool eight_bit = false;
  std::int64_t size_bytes = 0;
  int attempts = 0;           // attempts made before this one
  UnixMillis created_at = 0;  // of the message: the retry lifetime counts from here
  // The submitter's DSN parameters (NewMessage / NewRecipient), "" when none were given.
  std::string notify;
  std::string orcpt;
  std::string dsn_ret;
  std::string dsn_envid;
  // Set when the address is on the suppression list: the recipient fails without an attempt.
  std::optional<Suppression> suppression;
};

struct AttemptRecord {
  int number = 0;  // 1-based within the message; assigned by the store on insert
  std::int64_t recipient_id = 0;
  std::string recipient;  // address; filled on read
  UnixMillis at = 0;
  std::int64_t duration_ms = 0;
  std::string node;    // which outpost node made the attempt
  std::string server;  // host name, relay name or "sandbox"
  int port = 0;
  std::string ip;
  std::string tls_version;  // "" when the session was in plain text
  std::string tls_cipher;
  int code = 0;               // SMTP reply code; 0 when there was no reply (connection error)
  std::string enhanced_code;  // RFC 3463 "5.1.1", or ""
  std::string text;           // reply text or the connection/TLS error
  std::string remote_queue_id;
  std::string transcript;   // commands and replies, body left out, secrets redacted
  std::string description;  // what it means, in plain language
  std::string hint;         // what to do about it
};

struct RecipientUpdate {
  // Servers tried before `attempt` within the same delivery try (MX fail-over): each becomes an
  // attempt row of its own, but the try counts once for the retry schedule.
  std::vector<AttemptRecord> failovers;
  AttemptRecord attempt;
  ProcessingStatus processing =
      ProcessingStatus::kQueued;  // processed | failure | queued (deferred)
  DeliveryStatus delivery = DeliveryStatus::kUnknown;
  std::optional<UnixMillis> next_attempt_at;  // when deferred
  std::string lease_owner;  // the update applies only while this node still holds the lease
};

// A leased recipient put back in the queue without an attempt: it waits until `until` for a
// reason the Outbox shows ("example.org is throttling us: 421 …").
struct Postponement {
  std::int64_t recipient_id = 0;
  std::string message_id;
  UnixMillis until = 0;
  std::string reason;
  std::string lease_owner;  // applies only while this node still holds the lease
};

// A DSN (RFC 3464) or bounce that came back about one recipient, as the bounce listener parsed
// it; kept and shown with the message.
struct DeliveryReport {
  std::int64_t id = 0;  // assigned by the store
  std::int64_t recipient_id = 0;
  std::string message_id;  // outpost id; filled on read
  std::string recipient;   // the recipient's address; filled on read
  UnixMillis received_at = 0;
  std::string kind;    // "dsn" | "provider" | "vacation" | "feedback"
  std::string action;  // failed | delayed | delivered | relayed | expanded, or "" (no DSN)
  std::string status;  // RFC 3463 "5.1.1", or ""
  std::string reason;  // bounce classifier's reason: userunknown, mailboxfull, delivered, …
  bool hard_bounce = false;
  std::string diagnostic_code;  // "smtp; 550 5.1.1 <x@y>: Recipient address rejected"
  std::string remote_mta;
  std::string reporting_mta;
  std::string raw;  // the report as received (capped by the bounce listener)
};

// What a report does to its recipient.
struct ReportEffect {
  // kDelivered or kFailed change the recipient's delivery status (and the message summary);
  // kUnknown records the report and an event only (delay, relayed, vacation, feedback).
  DeliveryStatus delivery = DeliveryStatus::kUnknown;
  std::string event_type;    // "delivered" | "bounced" | "delayed" | "relayed" | "report"
  std::string event_detail;  // one line for the events list
  std::optional<Suppression> suppress;  // add this address to the suppression list, same commit
};

struct SuppressionQuery {
  std::string text;    // address contains this (case-insensitive); "" = all
  int limit = 50;      // 1..500
  std::string cursor;  // opaque; from a previous page
};

struct SuppressionPage {
  std::vector<Suppression> items;  // newest first
  std::optional<std::string> next_cursor;
};

// A DKIM key of a domain (RFC 6376), as stored. The private key is sealed (SecretBox) by the
// caller; the store keeps opaque text.
struct DkimKey {
  std::string domain;     // lowercase
  std::string selector;   // lowercase
  std::string algorithm;  // "rsa-sha256" | "ed25519-sha256"
  int bits = 0;
  std::string state = "pending";  // pending | active | retired
  std::string sealed_private_key;
  std::string public_record;  // "v=DKIM1; k=rsa; p=…"
  UnixMillis created_at = 0;
  std::optional<UnixMillis> activated_at;
  std::optional<UnixMillis> retired_at;
  std::optional<UnixMillis> validated_at;
  std::string last_validation;  // what the last validation said, for people
};

enum class View { kSent, kOutbox, kFailed };

struct ListQuery {
  View view = View::kSent;
  // One status value: a processing status, a delivery status, or "deferred".
  std::optional<std::string> status;
  std::string text;  // full-text search on from, to, subject and Message-ID
  std::optional<UnixMillis> since;
  std::optional<UnixMillis> until;
  std::optional<std::string> server;          // only messages with an attempt at this server
  int limit = 50;                             // 1..500
  std::string cursor;                         // opaque; from a previous page's next_cursor
  std::optional<std::int64_t> owner_user_id;  // set for users who see only their own
  std::optional<std::string> api_key_name;    // set for send-scoped keys
};

struct MessageSummary {
  std::string id;
  std::string message_id;
  UnixMillis created_at = 0;
  std::string mail_from;
  std::string from_header;
  std::vector<std::string> to;  // every recipient address
  std::string subject;
  ProcessingStatus processing = ProcessingStatus::kQueued;
  DeliveryStatus delivery = DeliveryStatus::kUnknown;
  std::string server;        // the last server that took it (2xx), or the last one tried
  bool has_warning = false;  // some attempt had an error
  int attempts = 0;
  std::optional<UnixMillis> next_attempt_at;  // earliest among queued recipients
  std::string last_error;                     // text of the latest failed attempt
  std::string waiting_reason;  // why a queued message waits without an attempt (shaping), or ""
  std::int64_t size_bytes = 0;
  std::string api_key_name;
};

struct ListPage {
  std::vector<MessageSummary> items;
  std::optional<std::string> next_cursor;
};

struct RecipientDetail {
  std::int64_t id = 0;
  std::string address;
  std::string field;
  ProcessingStatus processing = ProcessingStatus::kQueued;
  DeliveryStatus delivery = DeliveryStatus::kUnknown;
  int attempts = 0;
  std::optional<UnixMillis> next_attempt_at;
  std::string last_error;
  std::string waiting_reason;  // see Postponement; cleared by the next attempt
};

// A recipient found by id (VERP token).
struct RecipientRef {
  std::int64_t recipient_id = 0;
  std::string message_id;  // outpost id
  std::string address;
  ProcessingStatus processing = ProcessingStatus::kQueued;
  DeliveryStatus delivery = DeliveryStatus::kUnknown;
};

struct Event {
  UnixMillis at = 0;
  std::string type;       // accepted, processing, deferred, processed, failure, cancelled, retry
  std::string recipient;  // "" for message-level events
  std::string detail;
};

struct MessageDetail {
  MessageSummary summary;
  std::string tags_json;
  std::string metadata_json;
  std::int64_t owner_user_id = 0;
  std::string route;
  std::vector<RecipientDetail> recipients;
  std::vector<AttemptRecord> attempts;  // transcript left empty; read it with transcript()
  std::vector<Event> events;
  std::vector<DeliveryReport> reports;  // DSNs and bounces, oldest first; raw left empty
};

enum class Role { kSuperAdmin, kAdmin, kUser, kAuditor };
std::string_view toString(Role role);
std::optional<Role> parseRole(std::string_view text);

struct User {
  std::int64_t id = 0;
  std::string email;
  Role role = Role::kUser;
  std::string password_hash;  // argon2id, libsodium's crypto_pwhash_str format
  UnixMillis created_at = 0;
};

struct ApiKey {
  std::int64_t id = 0;
  std::string name;  // unique; also the SMTP AUTH user name
  std::int64_t user_id = 0;
  std::string scope;                 // "send" | "full"
  std::vector<std::string> domains;  // sender domains it may use; empty = any
  std::string prefix;                // public part of the key, used to find it
  std::string secret_hash;
  UnixMillis created_at = 0;
};

// A console login (design.md: 12 hours idle, 7 days in all). The store keeps only a hash of
// the session token, so a copy of the database cannot be used to log in.
struct Session {
  std::string token_hash;  // hashSessionToken() of the cookie's token (core/credentials.h)
  std::int64_t user_id = 0;
  std::string csrf_token;  // sent back in X-CSRF-Token on every state-changing request
  UnixMillis created_at = 0;
  UnixMillis last_seen_at = 0;
  std::string remote;  // client address at login, for the audit log
};

// One settings change or account action: who, when, what. Secrets never appear in `detail`.
struct AuditEntry {
  std::int64_t id = 0;  // assigned by the store
  UnixMillis at = 0;
  std::int64_t user_id = 0;
  std::string actor;   // the user's email, or "cli" / "system"
  std::string action;  // "smtp.update", "user.create", "apikey.delete", "session.login", …
  std::string target;  // what it acted on: a domain, a user's email, a key's name, …
  std::string detail;  // a short description of the change, for people
};

struct AuditQuery {
  int limit = 50;      // 1..500
  std::string cursor;  // opaque; from a previous page
};

struct AuditPage {
  std::vector<AuditEntry> items;  // newest first
  std::optional<std::string> next_cursor;
};

// The Overview charts: what happened to recipients in each bucket [at, at + bucket_ms).
struct VolumeQuery {
  UnixMillis since = 0;  // the first bucket starts here
  UnixMillis until = 0;  // exclusive
  std::int64_t bucket_ms = 3'600'000;
  std::optional<std::int64_t> owner_user_id;  // set for users who see only their own
  std::optional<std::string> api_key_name;    // set for send-scoped keys
};

// Recipient counts (a message to three recipients accepts three). Deferrals count every
// deferred attempt; "failed" is processing failures and bounces; "delivered" is confirmed
// delivery (a DSN, the recipient's MX or the sandbox), unless a later bounce overturned it.
struct VolumeBucket {
  UnixMillis at = 0;
  std::int64_t accepted = 0;
  std::int64_t processed = 0;
  std::int64_t delivered = 0;
  std::int64_t failed = 0;
  std::int64_t deferred = 0;
};

inline constexpr std::int64_t kMaxVolumeBuckets = 1000;

// What a bulk retry or cancel changed: messages with at least one changed recipient.
struct BulkOutcome {
  int messages = 0;
  int recipients = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies pending migrations. Called once at start.
  virtual Result<void> migrate() = 0;
  // Cheap check that the database answers (health endpoint).
  virtual Result<void> ping() = 0;

  // --- intake -----------------------------------------------------------------------------
  // Stores the message and its recipients (queued, due now) in one durable commit; returns
  // only once committed. With an Idempotency key already seen: the first outcome (replayed)
  // or, when the request hash differs, Error code "idempotency_conflict".
  virtual Result<InsertOutcome> insertMessage(const NewMessage& message) = 0;

  // --- delivery ---------------------------------------------------------------------------
  // Leases up to `limit` recipients that are queued and due (or whose lease expired) to
  // `lease_owner` until `lease_until`, marking them processing. Oldest due first.
  virtual Result<std::vector<DueRecipient>> claimDue(UnixMillis now, std::string_view lease_owner,
                                                     UnixMillis lease_until, int limit) = 0;
  // The stored message body (CRLF), exactly as it is sent.
  virtual Result<std::string> loadRaw(std::string_view message_id) = 0;
  // Records attempts and new recipient statuses, and refreshes the messages' summaries,
  // in one commit. Updates whose lease was lost are ignored (another node owns them now).
  virtual Result<void> recordOutcomes(const std::vector<RecipientUpdate>& updates) = 0;
  // Puts recipients back in the queue without counting an attempt (a throttled destination):
  // due again at `until`, with `reason` shown until their next attempt. One commit.
  virtual Result<void> postpone(const std::vector<Postponement>& postponements) = 0;
  // Releases leases held by `lease_owner` without an attempt (shutdown): back to queued.
  virtual Result<void> releaseLeases(std::string_view lease_owner) = 0;

  // --- read side --------------------------------------------------------------------------
  virtual Result<ListPage> listMessages(const ListQuery& query) = 0;
  // Error code "not_found" when there is no such message.
  virtual Result<MessageDetail> getMessage(std::string_view id) = 0;
  // The transcript of attempt `number` (1-based) of message `id`; "not_found" otherwise.
  virtual Result<std::string> transcript(std::string_view id, int number) = 0;
  // Queued (deferred) and failed recipients become due now; returns how many. Cancelled and
  // processed recipients are left alone.
  virtual Result<int> retryMessage(std::string_view id, UnixMillis now) = 0;
  // Queued recipients (not those being delivered right now) become cancelled; returns how
  // many. "not_found" when there is no such message.
  virtual Result<int> cancelMessage(std::string_view id, UnixMillis now) = 0;
  // retryMessage / cancelMessage for each id in one commit; unknown ids are skipped.
  virtual Result<BulkOutcome> retryMessages(const std::vector<std::string>& ids,
                                            UnixMillis now) = 0;
  virtual Result<BulkOutcome> cancelMessages(const std::vector<std::string>& ids,
                                             UnixMillis now) = 0;

  // --- users, keys, settings ----------------------------------------------------------------
  // "conflict" when the email is taken.
  virtual Result<User> createUser(const User& user) = 0;
  virtual Result<std::optional<User>> findUserByEmail(std::string_view email) = 0;
  virtual Result<std::optional<User>> findUserById(std::int64_t id) = 0;
  virtual Result<std::optional<User>> firstSuperAdmin() = 0;
  // "conflict" when the name is taken.
  virtual Result<ApiKey> createApiKey(const ApiKey& key) = 0;
  virtual Result<std::optional<ApiKey>> findApiKeyByPrefix(std::string_view prefix) = 0;
  virtual Result<std::optional<ApiKey>> findApiKeyByName(std::string_view name) = 0;
  virtual Result<std::vector<User>> listUsers() = 0;
  // Changes the role and password hash of user `user.id`; false when there is no such user.
  virtual Result<bool> updateUser(const User& user) = 0;
  // Deletes the user with its API keys and sessions; false when there was no such user.
  virtual Result<bool> deleteUser(std::int64_t id) = 0;
  // Every key (user_id nullopt) or one user's keys, by name.
  virtual Result<std::vector<ApiKey>> listApiKeys(std::optional<std::int64_t> user_id) = 0;
  // False when there was no such key.
  virtual Result<bool> deleteApiKey(std::int64_t id) = 0;

  // --- console sessions and the audit log ---------------------------------------------------
  virtual Result<void> createSession(const Session& session) = 0;
  virtual Result<std::optional<Session>> findSession(std::string_view token_hash) = 0;
  virtual Result<void> touchSession(std::string_view token_hash, UnixMillis at) = 0;
  virtual Result<void> deleteSession(std::string_view token_hash) = 0;
  // Ends every session of the user (password or role changed); returns how many.
  virtual Result<int> deleteUserSessions(std::int64_t user_id) = 0;
  // Removes sessions idle since `idle_before` or created before `created_before`.
  virtual Result<int> deleteExpiredSessions(UnixMillis idle_before, UnixMillis created_before) = 0;
  virtual Result<void> appendAudit(const AuditEntry& entry) = 0;
  virtual Result<AuditPage> listAudit(const AuditQuery& query) = 0;

  // --- console statistics -------------------------------------------------------------------
  // Every bucket of [since, until) in order, zeros included. "invalid_request" when `since` is
  // not before `until`, `bucket_ms` is not positive, or there would be more than
  // kMaxVolumeBuckets buckets.
  virtual Result<std::vector<VolumeBucket>> volume(const VolumeQuery& query) = 0;
  // Grows with every commit that inserts messages or changes messages or recipients (not
  // necessarily by one), so that watchers can poll it cheaply. Not persistent: it starts at 0.
  virtual std::uint64_t changeSequence() const = 0;

  // Settings are opaque JSON documents by key ("smtp", …); secrets inside are already sealed.
  virtual Result<std::optional<std::string>> getSetting(std::string_view key) = 0;
  virtual Result<void> putSetting(std::string_view key, std::string_view value) = 0;
  // The settings whose key starts with `prefix` ("relay:"), as (key, value), sorted by key.
  virtual Result<std::vector<std::pair<std::string, std::string>>> listSettings(
      std::string_view prefix) = 0;
  // False when there was no such setting.
  virtual Result<bool> deleteSetting(std::string_view key) = 0;

  // --- bounces and suppressions -------------------------------------------------------------
  // The recipient a VERP token names (its message id and address), or nullopt.
  virtual Result<std::optional<RecipientRef>> findRecipient(std::int64_t recipient_id) = 0;
  // Stores the report, applies `effect` to its recipient (delivery status, event, suppression)
  // and refreshes the message summary, in one durable commit. A delivery status already final
  // (delivered or failed) is changed only from delivered to failed (a late bounce wins over a
  // relay's success DSN), never back. "not_found" when the recipient does not exist.
  virtual Result<std::int64_t> recordReport(const DeliveryReport& report,
                                            const ReportEffect& effect) = 0;
  // The raw text of report `report_id` of message `id`; "not_found" otherwise.
  virtual Result<std::string> reportRaw(std::string_view id, std::int64_t report_id) = 0;
  // Adds or replaces (same address) a suppression.
  virtual Result<void> addSuppression(const Suppression& suppression) = 0;
  // False when the address was not suppressed.
  virtual Result<bool> removeSuppression(std::string_view address) = 0;
  virtual Result<std::optional<Suppression>> findSuppression(std::string_view address) = 0;
  virtual Result<SuppressionPage> listSuppressions(const SuppressionQuery& query) = 0;

  // --- DKIM keys ----------------------------------------------------------------------------
  // "conflict" when the domain already has a key with this selector.
  virtual Result<void> insertDkimKey(const DkimKey& key) = 0;
  // The keys of `domain` ("" = every domain), by domain, then newest first.
  virtual Result<std::vector<DkimKey>> listDkimKeys(std::string_view domain) = 0;
  virtual Result<std::optional<DkimKey>> findDkimKey(std::string_view domain,
                                                     std::string_view selector) = 0;
  // Makes the key active and retires the domain's active key of the same algorithm, in one
  // commit (the replaced key signs until this moment). "not_found" when there is no such key;
  // a retired key may be activated again (rolling back a rotation).
  virtual Result<void> activateDkimKey(std::string_view domain, std::string_view selector,
                                       UnixMillis now) = 0;
  // Records what a validation said; `valid` sets validated_at to `at`.
  virtual Result<void> recordDkimValidation(std::string_view domain, std::string_view selector,
                                            UnixMillis at, bool valid,
                                            std::string_view summary) = 0;
  // False when there was no such key.
  virtual Result<bool> deleteDkimKey(std::string_view domain, std::string_view selector) = 0;
};

}  // namespace outpost::store
