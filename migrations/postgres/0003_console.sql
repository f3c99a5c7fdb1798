-- The moderator console: verified sign-ups (pending → active ⇄ paused), per-subreddit
-- settings moderators edit themselves, the audit log of those edits, who moderates what (seen
-- at login and by the bot), and conversations left alone while a subreddit was paused.
-- Keep in step with migrations/sqlite/0003_console.sql.

-- `state` replaces `enabled`. Subreddits that came from a sign-up were never verified: they
-- start pending and the bot activates each one it finds itself a moderator of, with Mail and
-- Access, within minutes. Subreddits from the configuration stay as they were.
ALTER TABLE subreddits ADD COLUMN state TEXT NOT NULL DEFAULT 'active'
    CHECK (state IN ('pending', 'active', 'paused'));
UPDATE subreddits SET state = CASE
    WHEN name IN (SELECT subreddit FROM signups) THEN 'pending'
    WHEN enabled = 1 THEN 'active'
    ELSE 'paused' END;
ALTER TABLE subreddits DROP COLUMN enabled;

-- Settings; NULL = the configured default.
ALTER TABLE subreddits ADD COLUMN appeal_cooldown_days BIGINT;
ALTER TABLE subreddits ADD COLUMN max_reminders BIGINT;
ALTER TABLE subreddits ADD COLUMN link_ttl_days BIGINT;
ALTER TABLE subreddits ADD COLUMN unappealable_marker TEXT;
ALTER TABLE subreddits ADD COLUMN blocklist TEXT;             -- JSON array of usernames

-- The bot's own check: what it found, when, and when it looks again.
ALTER TABLE subreddits ADD COLUMN bot_standing TEXT
    CHECK (bot_standing IS NULL OR bot_standing IN ('ready', 'missing', 'not_moderator', 'not_found'));
ALTER TABLE subreddits ADD COLUMN bot_missing TEXT;           -- permission names, comma-separated
ALTER TABLE subreddits ADD COLUMN checked_at BIGINT;
ALTER TABLE subreddits ADD COLUMN next_check_at BIGINT;
ALTER TABLE subreddits ADD COLUMN failed_checks BIGINT NOT NULL DEFAULT 0;
-- Last time a moderator opened its console (the bot then re-checks who moderates hourly).
ALTER TABLE subreddits ADD COLUMN console_used_at BIGINT;
UPDATE subreddits SET next_check_at = updated_at WHERE state = 'pending';
CREATE INDEX subreddits_next_check ON subreddits (next_check_at);

-- A console sign-up needs no e-mail address (the moderator logged in with Reddit).
ALTER TABLE signups ALTER COLUMN email DROP NOT NULL;

-- Who moderates which subreddit with which permissions, as last seen: at a moderator's
-- login (their own list) or by the bot (the subreddit's list). Not limited to signed-up
-- subreddits: the sign-up page offers what a moderator moderates.
CREATE TABLE subreddit_moderators (
    subreddit    TEXT NOT NULL,            -- lowercase key
    username     TEXT NOT NULL,            -- lowercase key
    display_name TEXT NOT NULL,
    permissions  TEXT NOT NULL,            -- Reddit's names, comma-separated
    seen_at      BIGINT NOT NULL,
    PRIMARY KEY (subreddit, username)
);
CREATE INDEX subreddit_moderators_by_user ON subreddit_moderators (username);

-- Every change made in a console (and by the bot to a subreddit's state): who, when, what.
CREATE TABLE audit_log (
    id        BIGSERIAL PRIMARY KEY,
    subreddit TEXT NOT NULL REFERENCES subreddits (name),
    actor     TEXT NOT NULL,               -- Reddit username as written
    field     TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    at        BIGINT NOT NULL
);
CREATE INDEX audit_log_by_subreddit ON audit_log (subreddit, id);

-- New conversations the bot left alone (while their subreddit was paused): never engaged
-- later, even after a resume — the moderators have seen them untouched.
CREATE TABLE left_alone (
    conversation_id TEXT PRIMARY KEY,
    subreddit       TEXT NOT NULL,
    username        TEXT,
    reason          TEXT NOT NULL CHECK (reason IN ('paused')),
    at              BIGINT NOT NULL
);
CREATE INDEX left_alone_by_subreddit ON left_alone (subreddit, at);
