-- 0005: the web console's sessions and the audit log of settings changes.

-- A session is found by a hash (BLAKE2b) of its cookie token, never by the token itself, so that a
-- copy of the database does not hand out logins. Deleting a user ends its sessions.
CREATE TABLE sessions (
  token_hash   TEXT    PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token   TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  remote       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions(user_id);
CREATE INDEX sessions_by_last_seen ON sessions(last_seen_at);

-- Who changed what and when. The actor's email is copied so that the entry outlives the user;
-- details are written by the API without secrets.
CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  user_id INTEGER NOT NULL DEFAULT 0,
  actor   TEXT    NOT NULL,
  action  TEXT    NOT NULL,
  target  TEXT    NOT NULL DEFAULT '',
  detail  TEXT    NOT NULL DEFAULT ''
);
