-- 0003: DSN and bounce processing. The submitter's RFC 3461 parameters (RET and ENVID on the
-- message, NOTIFY and ORCPT per recipient) are kept to pass them on; the reports that came
-- back are kept with their message; and addresses that hard-bounced (or that a person chose)
-- are suppressed. "" means "not given", as in store.h.
ALTER TABLE messages ADD COLUMN dsn_ret TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN dsn_envid TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN notify TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN orcpt TEXT NOT NULL DEFAULT '';

CREATE TABLE delivery_reports (
  id              INTEGER PRIMARY KEY,
  message_id      TEXT    NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  recipient_id    INTEGER NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
  received_at     INTEGER NOT NULL,
  kind            TEXT    NOT NULL DEFAULT '',
  action          TEXT    NOT NULL DEFAULT '',
  status          TEXT    NOT NULL DEFAULT '',
  reason          TEXT    NOT NULL DEFAULT '',
  hard_bounce     INTEGER NOT NULL DEFAULT 0,
  diagnostic_code TEXT    NOT NULL DEFAULT '',
  remote_mta      TEXT    NOT NULL DEFAULT '',
  reporting_mta   TEXT    NOT NULL DEFAULT '',
  raw             BLOB    NOT NULL DEFAULT ''
);
CREATE INDEX delivery_reports_by_message ON delivery_reports(message_id);
-- Deleting a recipient (ON DELETE CASCADE) looks reports up by it.
CREATE INDEX delivery_reports_by_recipient ON delivery_reports(recipient_id);

-- Addresses are stored lowercased (ASCII, as SQLite's lower() does), so that the claim query
-- finds them with lower(recipients.address) through the primary key.
CREATE TABLE suppressions (
  address    TEXT    PRIMARY KEY,
  reason     TEXT    NOT NULL DEFAULT '',
  source     TEXT    NOT NULL DEFAULT '',
  message_id TEXT    NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
-- Listing order (created_at DESC, address DESC) for keyset pages.
CREATE INDEX suppressions_by_time ON suppressions(created_at, address);
