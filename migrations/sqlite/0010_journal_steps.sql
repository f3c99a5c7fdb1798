-- The step of the dialogue a journal entry belongs to, written by the bot from the core's
-- typed step marker, so that what reads the journal (the live view) never matches marker
-- text; whether the entry, once on Reddit, completes its appeal (the plan says so: the
-- moderators' note of a completion), instead of a rule on the entry's kind in storage; and
-- two new kinds of write, the moderators' decisions carried out by the bot (unban, a
-- temporary ban). SQLite cannot alter a CHECK constraint: the table is rebuilt with its rows.
-- Keep in step with migrations/postgres/0010_journal_steps.sql.
CREATE TABLE journal_new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    appeal_id          INTEGER REFERENCES appeals (id),
    conversation_id    TEXT NOT NULL,
    kind               TEXT NOT NULL
                       CHECK (kind IN ('reply', 'note', 'archive', 'unarchive', 'mod_note',
                                       'unban', 'temp_ban')),
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
    held_since         BIGINT,
    step               TEXT CHECK (step IN ('missing_reason', 'start', 'remind', 'complete',
                                            'hand_over', 'decision')),
    completes_appeal   BIGINT NOT NULL DEFAULT 0 CHECK (completes_appeal IN (0, 1))
);
-- Entries written before: their markers were made by the bot as
-- `appeal-{id}-{start|remindN|complete|handover}-{action}` and `missing-reason-{id}-note`.
INSERT INTO journal_new (id, appeal_id, conversation_id, kind, body, marker, state, attempts,
                         last_error, not_before, created_at, updated_at, attempt_started_at,
                         lease_until, unsure, held_since, step, completes_appeal)
    SELECT id, appeal_id, conversation_id, kind, body, marker, state, attempts, last_error,
           not_before, created_at, updated_at, attempt_started_at, lease_until, unsure, held_since,
           CASE
               WHEN marker LIKE 'missing-reason-%' THEN 'missing_reason'
               WHEN marker LIKE 'appeal-%-start-%' THEN 'start'
               WHEN marker LIKE 'appeal-%-remind%' THEN 'remind'
               WHEN marker LIKE 'appeal-%-complete-%' THEN 'complete'
               WHEN marker LIKE 'appeal-%-handover-%' THEN 'hand_over'
           END,
           CASE WHEN marker LIKE 'appeal-%-complete-note' AND kind = 'note' THEN 1 ELSE 0 END
    FROM journal;
DROP TABLE journal;
ALTER TABLE journal_new RENAME TO journal;
CREATE INDEX journal_by_state ON journal (state, not_before);
CREATE INDEX journal_by_conversation ON journal (conversation_id);
CREATE INDEX journal_by_lease ON journal (state, lease_until);
CREATE INDEX journal_by_appeal ON journal (appeal_id, kind, state);
CREATE INDEX journal_by_step ON journal (step, state);
