-- 0004: DKIM keys per domain and selector (RFC 6376). The private key is sealed with the master
-- key before it reaches the store; the store never sees it in the clear. A key is pending until
-- its DNS record validates or a super admin activates it; activating retires the active key of
-- the same algorithm for the domain, which is kept for verification until deleted by hand.
CREATE TABLE dkim_keys (
  domain             TEXT    NOT NULL,  -- lowercase
  selector           TEXT    NOT NULL,  -- lowercase
  algorithm          TEXT    NOT NULL,  -- rsa-sha256 | ed25519-sha256
  bits               INTEGER NOT NULL,
  state              TEXT    NOT NULL,  -- pending | active | retired
  sealed_private_key TEXT    NOT NULL,
  public_record      TEXT    NOT NULL,  -- the TXT record value to publish
  created_at         INTEGER NOT NULL,
  activated_at       INTEGER,
  retired_at         INTEGER,
  validated_at       INTEGER,           -- the last validation that found the record right
  last_validation    TEXT    NOT NULL DEFAULT '',  -- what the last validation said, for people
  PRIMARY KEY (domain, selector)
);
-- Signing looks up the active keys of a domain.
CREATE INDEX dkim_keys_by_state ON dkim_keys(domain, state);
