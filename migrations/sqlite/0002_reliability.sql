-- Reliability under real-world faults: settle before read-back, leases, permission holds,
-- parked conversations, per-subreddit cursors, one open appeal per appellant.

-- When the attempt in flight began (the settle time counts from here), until when its
-- sender holds it (after that another sender may reclaim it), whether its outcome is unknown
-- (then Reddit is read back before any resend), and since when it waits for a permission.
ALTER TABLE journal ADD COLUMN attempt_started_at BIGINT;
ALTER TABLE journal ADD COLUMN lease_until BIGINT;
ALTER TABLE journal ADD COLUMN unsure BIGINT NOT NULL DEFAULT 0 CHECK (unsure IN (0, 1));
ALTER TABLE journal ADD COLUMN held_since BIGINT;
CREATE INDEX journal_by_lease ON journal (state, lease_until);

-- Set while the bot lacks a permission it needs in this subreddit (401/403 on a write).
ALTER TABLE subreddits ADD COLUMN permission_lost_at BIGINT;
ALTER TABLE subreddits ADD COLUMN permission_error TEXT;

-- Conversations the bot could not decode or handle: retried with backoff, reported once,
-- never blocking the cursor or other conversations.
CREATE TABLE parked_conversations (
    conversation_id TEXT PRIMARY KEY,
    subreddit       TEXT,                -- NULL when even that could not be read
    last_updated    BIGINT NOT NULL,     -- Reddit's lastUpdated when it was parked
    error           TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_try_at     BIGINT NOT NULL,
    reported        BIGINT NOT NULL DEFAULT 0 CHECK (reported IN (0, 1)),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX parked_by_next_try ON parked_conversations (next_try_at);

-- Two runners of the same kind (a mistake, or a rolling restart) must not both open an
-- appeal for one appellant: at most one appeal is open (prompted or submitted) at a time.
CREATE UNIQUE INDEX appeals_one_open_per_appellant ON appeals (appellant_id)
    WHERE status IN ('prompted', 'submitted');
