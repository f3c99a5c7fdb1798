-- Reddit's `legacyFirstMessageId` of a conversation: where its user reads it
-- (reddit.com/message/messages/{id}); the mod.reddit.com address opens for moderators only.
ALTER TABLE appellant_conversations ADD COLUMN user_message_id TEXT;
