-- The step of the dialogue a journal entry belongs to, written by the bot from the core's
-- typed step marker, so that what reads the journal (the live view) never matches marker
-- text; and whether the entry, once on Reddit, completes its appeal (the plan says so: the
-- moderators' note of a completion), instead of a rule on the entry's kind in storage.
ALTER TABLE journal ADD COLUMN step TEXT
    CHECK (step IN ('missing_reason', 'start', 'remind', 'complete', 'hand_over'));
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
UPDATE journal SET completes_appeal = 1 WHERE step = 'complete' AND kind = 'note';

CREATE INDEX journal_by_step ON journal (step, state);
