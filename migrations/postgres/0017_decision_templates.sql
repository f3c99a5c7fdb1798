-- A subreddit's own decision messages (grant, named denials, reduce), edited in the
-- console's settings: JSON of core's DecisionTemplates; NULL = the shipped defaults.
ALTER TABLE subreddits ADD COLUMN decision_templates TEXT;
