-- A pool of bot accounts and runner replicas. Keep in step with
-- migrations/sqlite/0021_accounts_and_replicas.sql.

-- The bot account that serves a subreddit: '' is the default account (the `reddit`
-- section of the configuration), else the lowercase username of one of `reddit.accounts`.
ALTER TABLE subreddits ADD COLUMN bot_account TEXT NOT NULL DEFAULT '';

-- A journal entry's subreddit when the decision knew it (NULL: found through the
-- appellant's conversation), and the account that made its first attempt: from then on
-- only that account sends it again or reads it back (its marker is in that account's
-- message), even after the subreddit moved to another account.
ALTER TABLE journal ADD COLUMN subreddit TEXT;
ALTER TABLE journal ADD COLUMN account TEXT;

-- Leases of the runners' work (`recent/<account>`, `started/<account>`) and the replicas'
-- heartbeats (`replica/<kind>/<id>`): a row is held by `holder` until `expires_at`.
CREATE TABLE runner_leases (
    scope       TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    acquired_at BIGINT NOT NULL
);
