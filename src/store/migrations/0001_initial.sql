-- 0001: the initial schema of the SQLite store (messages, recipients, attempts, events,
-- idempotency keys, users, API keys, settings and the full-text index for the console).
-- Statuses are the strings of store/status.h; times are Unix milliseconds (UTC).

-- seq is an explicit INTEGER PRIMARY KEY so that rowids survive VACUUM: the full-text
-- index refers to messages by it.
CREATE TABLE messages (
  seq               INTEGER PRIMARY KEY,
  id                TEXT    NOT NULL UNIQUE,
  message_id        TEXT    NOT NULL,
  mail_from         TEXT    NOT NULL,
  from_header       TEXT    NOT NULL,
  subject           TEXT    NOT NULL,
  size_bytes        INTEGER NOT NULL,
  needs_smtputf8    INTEGER NOT NULL DEFAULT 0,
  eight_bit         INTEGER NOT NULL DEFAULT 0,
  owner_user_id     INTEGER NOT NULL DEFAULT 0,
  api_key_name      TEXT    NOT NULL DEFAULT '',
  tags_json         TEXT    NOT NULL DEFAULT '[]',
  metadata_json     TEXT    NOT NULL DEFAULT '{}',
  route             TEXT    NOT NULL DEFAULT '',
  created_at        INTEGER NOT NULL,
  -- Summary of the recipients, kept up to date by every write that changes them, so that
  -- listing pages read one row per message.
  processing_status TEXT    NOT NULL DEFAULT 'queued',
  delivery_status   TEXT    NOT NULL DEFAULT 'unknown',
  server            TEXT    NOT NULL DEFAULT '',
  has_warning       INTEGER NOT NULL DEFAULT 0,
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER,
  last_error        TEXT    NOT NULL DEFAULT '',
  to_list           TEXT    NOT NULL DEFAULT ''  -- recipient addresses, one per line
);

-- Listing order (created_at DESC, id DESC) for the sent view and keyset pages.
CREATE INDEX messages_by_time ON messages(created_at, id);
-- The outbox and failed views: small partial indexes in listing order. Queries repeat the
-- WHERE expression exactly so that SQLite can prove the index applies.
CREATE INDEX messages_outbox ON messages(created_at, id)
  WHERE processing_status IN ('queued', 'processing');
CREATE INDEX messages_failed ON messages(created_at, id)
  WHERE processing_status = 'failure' OR delivery_status = 'failed';
-- Users see their own messages; send-scoped keys see what they sent.
CREATE INDEX messages_by_owner ON messages(owner_user_id, created_at, id);
CREATE INDEX messages_by_api_key ON messages(api_key_name, created_at, id);

-- Bodies apart, so that listing and summary updates never touch the big blobs.
CREATE TABLE message_bodies (
  message_id TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
  raw        BLOB NOT NULL
);

CREATE TABLE recipients (
  id                INTEGER PRIMARY KEY,
  message_id        TEXT    NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  address           TEXT    NOT NULL,
  field             TEXT    NOT NULL,
  processing_status TEXT    NOT NULL DEFAULT 'queued',
  delivery_status   TEXT    NOT NULL DEFAULT 'unknown',
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER,
  last_error        TEXT    NOT NULL DEFAULT '',
  lease_owner       TEXT,
  lease_until       INTEGER
);
CREATE INDEX recipients_by_message ON recipients(message_id);
-- The scheduler's queue: only recipients still to deliver, so it stays small however many
-- have been delivered.
CREATE INDEX recipients_due ON recipients(next_attempt_at)
  WHERE processing_status IN ('queued', 'processing');

CREATE TABLE attempts (
  id              INTEGER PRIMARY KEY,
  message_id      TEXT    NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  number          INTEGER NOT NULL,
  recipient_id    INTEGER NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
  at              INTEGER NOT NULL,
  duration_ms     INTEGER NOT NULL DEFAULT 0,
  node            TEXT    NOT NULL DEFAULT '',
  server          TEXT    NOT NULL DEFAULT '',
  port            INTEGER NOT NULL DEFAULT 0,
  ip              TEXT    NOT NULL DEFAULT '',
  tls_version     TEXT    NOT NULL DEFAULT '',
  tls_cipher      TEXT    NOT NULL DEFAULT '',
  code            INTEGER NOT NULL DEFAULT 0,
  enhanced_code   TEXT    NOT NULL DEFAULT '',
  text            TEXT    NOT NULL DEFAULT '',
  remote_queue_id TEXT    NOT NULL DEFAULT '',
  transcript      TEXT    NOT NULL DEFAULT '',
  description     TEXT    NOT NULL DEFAULT '',
  hint            TEXT    NOT NULL DEFAULT '',
  UNIQUE (message_id, number)
);
CREATE INDEX attempts_by_recipient ON attempts(recipient_id);

CREATE TABLE events (
  id         INTEGER PRIMARY KEY,
  message_id TEXT    NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  recipient  TEXT    NOT NULL DEFAULT '',
  at         INTEGER NOT NULL,
  type       TEXT    NOT NULL,
  detail     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX events_by_message ON events(message_id);

CREATE TABLE idempotency_keys (
  api_key_name  TEXT    NOT NULL,
  key           TEXT    NOT NULL,
  request_hash  TEXT    NOT NULL,
  message_id    TEXT    NOT NULL,
  response_json TEXT    NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (api_key_name, key)
);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  email         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
  role          TEXT    NOT NULL,
  password_hash TEXT    NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id           INTEGER PRIMARY KEY,
  name         TEXT    NOT NULL UNIQUE,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  scope        TEXT    NOT NULL,
  domains_json TEXT    NOT NULL DEFAULT '[]',
  prefix       TEXT    NOT NULL UNIQUE,
  secret_hash  TEXT    NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX api_keys_by_user ON api_keys(user_id);

CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  value      TEXT    NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Full-text search for the console's search box (ListQuery::text), over the message's own
-- columns (external content), kept in sync by triggers.
CREATE VIRTUAL TABLE messages_fts USING fts5(
  from_header, mail_from, to_list, subject, message_id,
  content = 'messages', content_rowid = 'seq',
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, from_header, mail_from, to_list, subject, message_id)
  VALUES (new.seq, new.from_header, new.mail_from, new.to_list, new.subject, new.message_id);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, from_header, mail_from, to_list, subject,
                           message_id)
  VALUES ('delete', old.seq, old.from_header, old.mail_from, old.to_list, old.subject,
          old.message_id);
END;

CREATE TRIGGER messages_fts_update
AFTER UPDATE OF from_header, mail_from, to_list, subject, message_id ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, from_header, mail_from, to_list, subject,
                           message_id)
  VALUES ('delete', old.seq, old.from_header, old.mail_from, old.to_list, old.subject,
          old.message_id);
  INSERT INTO messages_fts(rowid, from_header, mail_from, to_list, subject, message_id)
  VALUES (new.seq, new.from_header, new.mail_from, new.to_list, new.subject, new.message_id);
END;
