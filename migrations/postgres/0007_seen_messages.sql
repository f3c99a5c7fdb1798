-- How many messages the conversation had when the bot last read it or wrote to it (Reddit's
-- numMessages). With it, the modmail listing alone can prove that exactly one message is
-- new — the appellant's — and the reminder is decided without reading the conversation.
-- NULL = not known yet: the conversation is read, as before.
-- Keep in step with migrations/sqlite/0007_seen_messages.sql.
ALTER TABLE appellant_conversations ADD COLUMN seen_messages BIGINT;
