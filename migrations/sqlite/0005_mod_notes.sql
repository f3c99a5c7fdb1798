-- Reddit Mod Notes go through the journal like every other write: a new effect kind.
-- SQLite cannot alter a CHECK constraint, so the table is rebuilt with the same rows.
CREATE TABLE journal_new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    appeal_id          INTEGER REFERENCES appeals (id),
    conversation_id    TEXT NOT NULL,
    kind               TEXT NOT NULL
                       CHECK (kind IN ('reply', 'note', 'archive', 'unarchive', 'mod_note')),
    body               TEXT,
    marker             TEXT NOT NULL UNIQUE,      -- idempotency key; also found in sent bodies
    state              TEXT NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending', 'in_flight', 'done', 'failed')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT,
    not_before         INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    attempt_started_at BIGINT,
    lease_until        BIGINT,
    unsure             BIGINT NOT NULL DEFAULT 0 CHECK (unsure IN (0, 1)),
    held_since         BIGINT
);
INSERT INTO journal_new (id, appeal_id, conversation_id, kind, body, marker, state, attempts,
                         last_error, not_before, created_at, updated_at, attempt_started_at,
                         lease_until, unsure, held_since)
    SELECT id, appeal_id, conversation_id, kind, body, marker, state, attempts, last_error,
           not_before, created_at, updated_at, attempt_started_at, lease_until, unsure, held_since
    FROM journal;
DROP TABLE journal;
ALTER TABLE journal_new RENAME TO journal;
CREATE INDEX journal_by_state ON journal (state, not_before);
CREATE INDEX journal_by_conversation ON journal (conversation_id);
CREATE INDEX journal_by_lease ON journal (state, lease_until);
