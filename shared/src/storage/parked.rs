//! Parked conversations: ones the bot could not decode or handle. Each is retried with
//! backoff and reported once; none blocks the cursor or the other conversations.

use chrono::{DateTime, Utc};

use super::column::{Flag, Millis, Text, get, read};
use super::{Result, Store};
use crate::domain::{ConversationId, SubredditName};

#[derive(Debug, Clone, PartialEq)]
pub struct ParkedConversation {
    pub conversation_id: ConversationId,
    pub subreddit: Option<SubredditName>,
    pub last_updated: DateTime<Utc>,
    pub error: String,
    pub attempts: i64,
    pub next_try_at: DateTime<Utc>,
    pub reported: bool,
}

#[derive(sqlx::FromRow)]
struct ParkedRow {
    conversation_id: Text<ConversationId>,
    subreddit: Option<Text<SubredditName>>,
    last_updated: Millis,
    error: String,
    attempts: i64,
    next_try_at: Millis,
    reported: Flag,
}

impl From<ParkedRow> for ParkedConversation {
    fn from(r: ParkedRow) -> Self {
        Self {
            conversation_id: r.conversation_id.0,
            subreddit: r.subreddit.map(|s| s.0),
            last_updated: r.last_updated.0,
            error: r.error,
            attempts: r.attempts,
            next_try_at: r.next_try_at.0,
            reported: r.reported.0,
        }
    }
}

const COLUMNS: &str =
    "conversation_id, subreddit, last_updated, error, attempts, next_try_at, reported";

/// The wait before the next try after `attempts` failures: 1 min, doubling, at most 6 h.
pub fn park_backoff(attempts: i64) -> chrono::Duration {
    let minutes = 1_i64 << attempts.clamp(1, 10).saturating_sub(1);
    chrono::Duration::minutes(minutes.min(360))
}

impl Store {
    /// Parks a conversation (or counts one more failure of a parked one). Returns it as
    /// stored, so the caller knows whether it was reported already.
    pub async fn park_conversation(
        &self,
        id: &ConversationId,
        subreddit: Option<&SubredditName>,
        last_updated: DateTime<Utc>,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<ParkedConversation> {
        let attempts = self
            .parked_conversation(id)
            .await?
            .map_or(1, |p| p.attempts + 1);
        sqlx::query(
            "INSERT INTO parked_conversations \
               (conversation_id, subreddit, last_updated, error, attempts, next_try_at, reported, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7) \
             ON CONFLICT (conversation_id) DO UPDATE SET \
               last_updated = excluded.last_updated, error = excluded.error, attempts = excluded.attempts, \
               next_try_at = excluded.next_try_at, updated_at = excluded.updated_at",
        )
        .bind(id.as_str())
        .bind(subreddit.map(SubredditName::as_str))
        .bind(Millis(last_updated))
        .bind(error)
        .bind(attempts)
        .bind(Millis(now + park_backoff(attempts)))
        .bind(Millis(now))
        .execute(self.pool())
        .await?;
        self.parked_conversation(id)
            .await?
            .ok_or_else(|| super::StoreError::corrupt("parked_conversations: row vanished"))
    }

    pub async fn parked_conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<ParkedConversation>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM parked_conversations WHERE conversation_id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| read::<ParkedRow>(&r, "parked_conversations").map(ParkedConversation::from))
            .transpose()
    }

    /// Parked conversations whose next try is due, soonest first.
    pub async fn due_parked(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ParkedConversation>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM parked_conversations WHERE next_try_at <= $1 \
             ORDER BY next_try_at LIMIT $2"
        ))
        .bind(Millis(now))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| read::<ParkedRow>(r, "parked_conversations").map(ParkedConversation::from))
            .collect()
    }

    /// Every parked conversation (for the console and the alerts).
    pub async fn parked_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM parked_conversations")
            .fetch_one(self.pool())
            .await?;
        get(&row, "parked_conversations", "n")
    }

    /// The alert about this conversation went out: it is not sent again.
    pub async fn mark_parked_reported(&self, id: &ConversationId) -> Result<()> {
        sqlx::query("UPDATE parked_conversations SET reported = 1 WHERE conversation_id = $1")
            .bind(id.as_str())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Handled at last: no longer parked.
    pub async fn unpark_conversation(&self, id: &ConversationId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM parked_conversations WHERE conversation_id = $1")
            .bind(id.as_str())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
