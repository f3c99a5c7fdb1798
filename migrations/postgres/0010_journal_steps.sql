-- The step of the dialogue a journal entry belongs to, written by the bot from the core's
-- typed step marker, so that what reads the journal (the live view) never matches marker
-- text; whether the entry, once on Reddit, completes its appeal (the plan says so: the
-- moderators' note of a completion), instead of a rule on the entry's kind in storage; and
-- two new kinds of write, the moderators' decisions carried out by the bot (unban, a
-- temporary ban). Keep in step with migrations/sqlite/0010_journal_steps.sql.
ALTER TABLE journal DROP CONSTRAINT journal_kind_check;
ALTER TABLE journal ADD CONSTRAINT journal_kind_check
    CHECK (kind IN ('reply', 'note', 'archive', 'unarchive', 'mod_note', 'unban', 'temp_ban'));
ALTER TABLE journal ADD COLUMN step TEXT
    CHECK (step IN ('missing_reason', 'start', 'remind', 'complete', 'hand_over', 'decision'));
ALTER TABLE journal ADD COLUMN completes_appeal BIGINT NOT NULL DEFAULT 0
    CHECK (completes_appeal IN (0, 1));

-- Entries written before: their markers were made by the bot as
-- `appeal-{id}-{start|remindN|complete|handover}-{action}` and `missing-reason-{id}-note`.
UPDATE journal SET step = CASE
    WHEN marker LIKE 'missing-reason-%' THEN 'missing_reason'
    WHEN marker LIKE 'appeal-%-start-%' THEN 'start'
    WHEN marker LIKE 'appeal-%-remind%' THEN 'remind'
    WHEN marker LIKE 'appeal-%-complete-%' THEN 'complete'
    WHEN marker LIKE 'appeal-%-handover-%' THEN 'hand_over'
END;
UPDATE journal SET completes_appeal = 1 WHERE marker LIKE 'appeal-%-complete-note' AND kind = 'note';

CREATE INDEX journal_by_step ON journal (step, state);
