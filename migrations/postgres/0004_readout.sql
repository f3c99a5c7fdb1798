-- The experiment readout: toxicity of what appellants wrote, when outcomes were recorded,
-- and the runners' metrics shared with the site's /metrics.
-- Keep in step with migrations/sqlite/0004_readout.sql.

-- One row per assessed modmail message of an appellant (both groups: control appellants'
-- messages are read, never answered). The findings only, never the text.
CREATE TABLE message_toxicity (
    conversation_id TEXT NOT NULL,
    message_id      TEXT NOT NULL,                -- Reddit's message id
    appellant_id    BIGINT NOT NULL REFERENCES appellants (id),
    toxic           BIGINT NOT NULL CHECK (toxic IN (0, 1)),
    category        TEXT CHECK (category IN ('profane', 'sexual', 'mean', 'offensive')),
    severity        TEXT CHECK (severity IN ('mild', 'moderate', 'severe')),
    written_at      BIGINT NOT NULL,              -- the message's date
    assessed_at     BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, message_id)
);
CREATE INDEX message_toxicity_by_appellant ON message_toxicity (appellant_id);

-- One row per free-text answer of a submitted form, written with the submission.
CREATE TABLE answer_toxicity (
    appeal_id   BIGINT NOT NULL REFERENCES appeals (id),
    question_id TEXT NOT NULL,
    toxic       BIGINT NOT NULL CHECK (toxic IN (0, 1)),
    category    TEXT CHECK (category IN ('profane', 'sexual', 'mean', 'offensive')),
    severity    TEXT CHECK (severity IN ('mild', 'moderate', 'severe')),
    written_at  BIGINT NOT NULL,                  -- the form's submission time
    PRIMARY KEY (appeal_id, question_id)
);

-- When the outcome was recorded (time to a decision). Rows decided before this migration get
-- their last update, the best estimate there is.
ALTER TABLE appeals ADD COLUMN decided_at BIGINT;
UPDATE appeals SET decided_at = updated_at WHERE outcome IS NOT NULL;
-- When the appellant was first seen unbanned, and when the bot stopped following them.
ALTER TABLE appellants ADD COLUMN unbanned_at BIGINT;
ALTER TABLE appellants ADD COLUMN ignored_at BIGINT;
UPDATE appellants SET unbanned_at = updated_at WHERE still_banned = 0;
UPDATE appellants SET ignored_at = updated_at WHERE ignored = 1;

-- Each runner process's latest metrics (JSON), written after every pass; the site's
-- /metrics reads them, so one scrape target covers the three processes.
CREATE TABLE runner_metrics (
    process     TEXT PRIMARY KEY,                 -- e.g. 'recent', 'started'
    report      TEXT NOT NULL,                    -- JSON
    reported_at BIGINT NOT NULL
);
