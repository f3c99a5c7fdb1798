//! New conversations the bot left alone because their subreddit was paused. They stay
//! alone after a resume: the moderators have seen them untouched in their inbox.

use chrono::{DateTime, Utc};

use super::column::Millis;
use super::{Result, Store};
use crate::domain::{ConversationId, RedditUsername, SubredditName};

impl Store {
    /// Records that `conversation` was left alone (once; later calls change nothing).
    pub async fn leave_alone(
        &self,
        conversation: &ConversationId,
        sub: &SubredditName,
        user: Option<&RedditUsername>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO left_alone (conversation_id, subreddit, username, reason, at) \
             VALUES ($1, $2, $3, 'paused', $4) ON CONFLICT (conversation_id) DO NOTHING",
        )
        .bind(conversation.as_str())
        .bind(sub.key())
        .bind(user.map(RedditUsername::key))
        .bind(Millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn is_left_alone(&self, conversation: &ConversationId) -> Result<bool> {
        let row = sqlx::query("SELECT conversation_id FROM left_alone WHERE conversation_id = $1")
            .bind(conversation.as_str())
            .fetch_optional(self.pool())
            .await?;
        Ok(row.is_some())
    }
}
