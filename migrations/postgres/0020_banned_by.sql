-- The moderator who issued the ban, where Reddit says: a ban done from a modmail
-- conversation is in its `modActions` (actionTypeId 7) with the moderator's name; a ban
-- from the ban list is not (its notice is signed by the subreddit), and then this stays
-- NULL: unknown. One per conversation, written when the bot reads it. With the
-- subreddit's recusal rule on, that moderator may not decide the appeal.
ALTER TABLE appellant_conversations ADD COLUMN banned_by TEXT;
