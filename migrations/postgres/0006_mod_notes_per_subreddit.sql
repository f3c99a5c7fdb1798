-- Reddit Mod Notes become a per-subreddit console setting. NULL = the configured default
-- (`bot.reddit_mod_notes`), so subreddits that never chose keep today's behaviour.
-- Keep in step with migrations/sqlite/0006_mod_notes_per_subreddit.sql.
ALTER TABLE subreddits ADD COLUMN reddit_mod_notes BIGINT
    CHECK (reddit_mod_notes IS NULL OR reddit_mod_notes IN (0, 1));
