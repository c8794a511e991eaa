-- Why a queued recipient waits without an attempt (a throttled destination domain), shown in
-- the Outbox until its next attempt; the message keeps the first of its recipients' reasons.
ALTER TABLE recipients ADD COLUMN waiting_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN waiting_reason TEXT NOT NULL DEFAULT '';
