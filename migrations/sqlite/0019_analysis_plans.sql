-- Analysis plans: every frozen version of each subreddit's plan (core::readout::plan).
-- A version is never updated or deleted: a change is the next version, and the audit log
-- (field analysis_plan) says who froze it. canonical is the plan's text and fingerprint
-- its SHA-256 (hex); the other columns are the same plan, read back and checked against
-- the text. Shares are in tenths of a per cent, as typed.
-- Keep in step with migrations/postgres/0019_analysis_plans.sql.
CREATE TABLE analysis_plans (
    subreddit       TEXT NOT NULL REFERENCES subreddits (name),  -- lowercase key
    version         BIGINT NOT NULL,        -- 1, 2, …
    metric          TEXT NOT NULL,          -- the primary comparison (Metric::key)
    baseline        BIGINT NOT NULL,        -- control share expected, tenths of a per cent
    effect          BIGINT NOT NULL,        -- smallest effect, tenths of a point
    power           BIGINT NOT NULL,        -- 80 or 90 (per cent)
    fraction        REAL NOT NULL,             -- treatment fraction when frozen
    planned_appeals BIGINT NOT NULL,
    ends_on         TEXT NOT NULL,          -- YYYY-MM-DD (UTC)
    counts_from     BIGINT NOT NULL,        -- appeals begun from then are the plan's
    frozen_at       BIGINT NOT NULL,
    frozen_by       TEXT NOT NULL,          -- Reddit username
    canonical       TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    PRIMARY KEY (subreddit, version)
);
