-- The split alarm: a subreddit whose observed treatment share in a period of its treatment
-- fraction is further from the configured fraction than chance explains (exact binomial
-- test, p < 0.001). The row is the memory that the alerts channel was told, so it is told
-- once, not at every pass; the row goes when the deviation no longer holds. The console
-- shows a banner on the subreddit while it is here.
-- Keep in step with migrations/postgres/0013_split_alarms.sql.
CREATE TABLE split_alarms (
    subreddit   TEXT PRIMARY KEY REFERENCES subreddits (name),  -- lowercase key
    period_from BIGINT,                    -- start of the period; NULL: the first period
    fraction    REAL NOT NULL,             -- configured in that period
    appellants  BIGINT NOT NULL,           -- drawn in that period
    treatment   BIGINT NOT NULL,           -- of them put in the treatment group
    p_value     REAL NOT NULL,
    raised_at   BIGINT NOT NULL
);
