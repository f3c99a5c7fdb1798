-- The console's attention queue: per subreddit, the appeals whose answers are in modmail
-- and that have no outcome yet (status 'completed', outcome NULL), counted on every
-- dashboard view and listed first on the appeal list. Without this index each view read
-- every appeal.
-- Keep in step with migrations/postgres/0015_attention_queue.sql.
CREATE INDEX appeals_by_status ON appeals (status, outcome, completed_at);
