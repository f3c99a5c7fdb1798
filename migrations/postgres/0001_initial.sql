-- appealmod schema (PostgreSQL). Keep in step with migrations/sqlite/0001_initial.sql.
-- Times are Unix milliseconds (BIGINT); flags are 0/1 integers: sqlx's Any driver, which
-- lets one storage module serve SQLite and PostgreSQL, has no portable boolean or time type.

CREATE TABLE subreddits (
    name               TEXT PRIMARY KEY,          -- lowercase key
    display_name       TEXT NOT NULL,
    enabled            BIGINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    treatment_fraction DOUBLE PRECISION CHECK (treatment_fraction IS NULL OR (treatment_fraction >= 0 AND treatment_fraction <= 1)),
    messages           TEXT,                      -- JSON; NULL = the configured defaults
    form_questions     TEXT,                      -- JSON; NULL = the original study's form
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

CREATE TABLE signups (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    reddit_username TEXT NOT NULL,
    subreddit       TEXT NOT NULL UNIQUE REFERENCES subreddits (name),
    created_at      BIGINT NOT NULL
);

CREATE TABLE appellants (
    id                BIGSERIAL PRIMARY KEY,
    subreddit         TEXT NOT NULL REFERENCES subreddits (name),
    username          TEXT NOT NULL,              -- lowercase key
    display_name      TEXT NOT NULL,
    grp               TEXT NOT NULL CHECK (grp IN ('treatment', 'control')),
    ignored           BIGINT NOT NULL DEFAULT 0 CHECK (ignored IN (0, 1)),
    user_deleted      BIGINT NOT NULL DEFAULT 0 CHECK (user_deleted IN (0, 1)),
    still_banned      BIGINT CHECK (still_banned IN (0, 1)),  -- NULL = not checked yet
    last_update       BIGINT,                    -- last change seen, mod actions included
    next_ban_check_at BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (subreddit, username)
);
CREATE INDEX appellants_in_play ON appellants (grp, ignored, user_deleted);
CREATE INDEX appellants_ban_check ON appellants (next_ban_check_at);

CREATE TABLE appellant_conversations (
    conversation_id  TEXT PRIMARY KEY,
    appellant_id     BIGINT NOT NULL REFERENCES appellants (id),
    last_seen_update BIGINT,                     -- Reddit's lastUpdated when last processed
    needs_visit      BIGINT NOT NULL DEFAULT 1 CHECK (needs_visit IN (0, 1)),
    created_at       BIGINT NOT NULL
);
CREATE INDEX appellant_conversations_by_appellant ON appellant_conversations (appellant_id);
CREATE INDEX appellant_conversations_to_visit ON appellant_conversations (needs_visit);

CREATE TABLE appeals (
    id               BIGSERIAL PRIMARY KEY,
    appellant_id     BIGINT NOT NULL REFERENCES appellants (id),
    conversation_id  TEXT NOT NULL,
    token_hash       TEXT UNIQUE,                 -- SHA-256 of the link token; never the token
    token_expires_at BIGINT NOT NULL,
    ban_note         TEXT NOT NULL DEFAULT '',
    ban_reason       TEXT NOT NULL DEFAULT '',
    ban_date         BIGINT,
    ban_permanent    BIGINT NOT NULL DEFAULT 1 CHECK (ban_permanent IN (0, 1)),
    status           TEXT NOT NULL DEFAULT 'prompted'
                     CHECK (status IN ('prompted', 'submitted', 'completed', 'abandoned')),
    reminders        BIGINT NOT NULL DEFAULT 0,
    outcome          TEXT CHECK (outcome IN ('granted', 'denied')),
    created_at       BIGINT NOT NULL,
    opened_at        BIGINT,
    completed_at     BIGINT,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX appeals_by_appellant ON appeals (appellant_id);
CREATE INDEX appeals_by_conversation ON appeals (conversation_id);

-- One submitted form per appeal: the primary key is the appeal.
CREATE TABLE form_submissions (
    appeal_id    BIGINT PRIMARY KEY REFERENCES appeals (id),
    answers      TEXT NOT NULL,                   -- JSON
    submitted_at BIGINT NOT NULL,
    processed_at BIGINT                          -- set when the bot has queued its effects
);
CREATE INDEX form_submissions_unprocessed ON form_submissions (processed_at);

-- Side-effect journal: every Reddit write is recorded here, in the transaction that decides
-- it, before anything is sent.
CREATE TABLE journal (
    id              BIGSERIAL PRIMARY KEY,
    appeal_id       BIGINT REFERENCES appeals (id),
    conversation_id TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('reply', 'note', 'archive', 'unarchive')),
    body            TEXT,
    marker          TEXT NOT NULL UNIQUE,         -- idempotency key; also found in sent bodies
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'in_flight', 'done', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    not_before      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX journal_by_state ON journal (state, not_before);
CREATE INDEX journal_by_conversation ON journal (conversation_id);

CREATE TABLE sync_cursors (
    scope        TEXT PRIMARY KEY,
    last_updated BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
