//! Appeals (one per ban episode the bot engaged in), their forms and submissions.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{
    AppellantId, Result, Store, StoreError, Tx, flag, from_millis, opt_from_millis, to_millis,
};
use crate::domain::{ConversationId, FormAnswers, RedditUsername, SubredditName};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct AppealId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealStatus {
    /// The form link was sent; waiting for the form.
    Prompted,
    /// The form was submitted; the bot has not answered yet.
    Submitted,
    /// Final reply, mod note and unarchive are queued or done.
    Completed,
    /// The appellant was no longer followed before submitting.
    Abandoned,
}

impl AppealStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prompted => "prompted",
            Self::Submitted => "submitted",
            Self::Completed => "completed",
            Self::Abandoned => "abandoned",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "prompted" => Self::Prompted,
            "submitted" => Self::Submitted,
            "completed" => Self::Completed,
            "abandoned" => Self::Abandoned,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Granted,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Denied => "denied",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAppeal {
    pub appellant_id: AppellantId,
    pub conversation_id: ConversationId,
    pub token_expires_at: DateTime<Utc>,
    pub ban_note: String,
    pub ban_reason: String,
    pub ban_date: Option<DateTime<Utc>>,
    pub ban_permanent: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Appeal {
    pub id: AppealId,
    pub appellant_id: AppellantId,
    pub subreddit: SubredditName,
    pub username: RedditUsername,
    pub conversation_id: ConversationId,
    pub token_expires_at: DateTime<Utc>,
    pub ban_note: String,
    pub ban_reason: String,
    pub ban_date: Option<DateTime<Utc>>,
    pub ban_permanent: bool,
    pub status: AppealStatus,
    pub reminders: i64,
    pub outcome: Option<Outcome>,
    pub created_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    Accepted,
    /// A form for this appeal was already stored; the new one was not.
    AlreadyReceived,
}

const COLUMNS: &str = "p.id, p.appellant_id, r.display_name, a.display_name, p.conversation_id, p.token_expires_at, \
     p.ban_note, p.ban_reason, p.ban_date, p.ban_permanent, p.status, p.reminders, p.outcome, \
     p.created_at, p.opened_at, p.completed_at, f.submitted_at";

fn select(where_clause: &str) -> String {
    format!(
        "SELECT {COLUMNS} FROM appeals p JOIN appellants a ON a.id = p.appellant_id \
         JOIN subreddits r ON r.name = a.subreddit LEFT JOIN form_submissions f ON f.appeal_id = p.id {where_clause}"
    )
}

fn appeal_from_row(row: &AnyRow) -> Result<Appeal> {
    let corrupt =
        |what: &str, e: &dyn std::fmt::Display| StoreError::corrupt(format!("appeal {what}: {e}"));
    let sub: String = row.try_get(2)?;
    let user: String = row.try_get(3)?;
    let conv: String = row.try_get(4)?;
    let status: String = row.try_get(10)?;
    let outcome: Option<String> = row.try_get(12)?;
    Ok(Appeal {
        id: AppealId(row.try_get(0)?),
        appellant_id: AppellantId(row.try_get(1)?),
        subreddit: SubredditName::parse(&sub).map_err(|e| corrupt("subreddit", &e))?,
        username: RedditUsername::parse(&user).map_err(|e| corrupt("user", &e))?,
        conversation_id: ConversationId::parse(&conv).map_err(|e| corrupt("conversation", &e))?,
        token_expires_at: from_millis(row.try_get(5)?),
        ban_note: row.try_get(6)?,
        ban_reason: row.try_get(7)?,
        ban_date: opt_from_millis(row.try_get(8)?),
        ban_permanent: row.try_get::<i64, _>(9)? != 0,
        status: AppealStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        reminders: row.try_get(11)?,
        outcome: match outcome.as_deref() {
            None => None,
            Some("granted") => Some(Outcome::Granted),
            Some("denied") => Some(Outcome::Denied),
            Some(other) => return Err(corrupt("outcome", &other)),
        },
        created_at: from_millis(row.try_get(13)?),
        opened_at: opt_from_millis(row.try_get(14)?),
        completed_at: opt_from_millis(row.try_get(15)?),
        submitted_at: opt_from_millis(row.try_get(16)?),
    })
}

impl Store {
    pub async fn appeal(&self, id: AppealId) -> Result<Option<Appeal>> {
        let row = sqlx::query(&select("WHERE p.id = $1"))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(appeal_from_row).transpose()
    }

    /// The appeal a link token belongs to, by the token's hash (the token is never stored).
    pub async fn appeal_by_token_hash(&self, token_hash: &str) -> Result<Option<Appeal>> {
        let row = sqlx::query(&select("WHERE p.token_hash = $1"))
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(appeal_from_row).transpose()
    }

    /// Every appeal of one appellant, oldest first.
    pub async fn appeals_of(&self, appellant: AppellantId) -> Result<Vec<Appeal>> {
        let rows = sqlx::query(&select("WHERE p.appellant_id = $1 ORDER BY p.id"))
            .bind(appellant.0)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(appeal_from_row).collect()
    }

    /// Records the first time the appellant opened the form; later opens change nothing.
    pub async fn mark_appeal_opened(&self, id: AppealId, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE appeals SET opened_at = $2, updated_at = $2 WHERE id = $1 AND opened_at IS NULL")
            .bind(id.0)
            .bind(to_millis(now))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Stores a submitted form. Exactly one submission per appeal is ever accepted, however
    /// many arrive at once: the submission table's primary key is the appeal. The bot finds
    /// it with [`Store::unprocessed_submissions`] on its next pass.
    pub async fn submit_form(&self, id: AppealId, answers: &FormAnswers) -> Result<SubmitOutcome> {
        let json =
            serde_json::to_string(answers).map_err(|e| StoreError::corrupt(e.to_string()))?;
        let now = to_millis(answers.submitted_at);
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "INSERT INTO form_submissions (appeal_id, answers, submitted_at) VALUES ($1, $2, $3) \
             ON CONFLICT (appeal_id) DO NOTHING",
        )
        .bind(id.0)
        .bind(json)
        .bind(now)
        .execute(tx.conn())
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(SubmitOutcome::AlreadyReceived);
        }
        sqlx::query("UPDATE appeals SET status = 'submitted', updated_at = $2 WHERE id = $1 AND status = 'prompted'")
            .bind(id.0)
            .bind(now)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(SubmitOutcome::Accepted)
    }

    pub async fn form_answers(&self, id: AppealId) -> Result<Option<FormAnswers>> {
        let row = sqlx::query("SELECT answers FROM form_submissions WHERE appeal_id = $1")
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let text: String = r.try_get(0)?;
                serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| StoreError::corrupt(format!("answers of appeal {}: {e}", id.0)))
            }
        }
    }

    /// Submitted forms the bot has not acted on yet, oldest first.
    pub async fn unprocessed_submissions(&self, limit: u32) -> Result<Vec<Appeal>> {
        let rows = sqlx::query(&select("WHERE f.submitted_at IS NOT NULL AND f.processed_at IS NULL ORDER BY f.submitted_at LIMIT $1"))
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(appeal_from_row).collect()
    }

    pub async fn set_appeal_outcome(
        &self,
        id: AppealId,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("UPDATE appeals SET outcome = $2, updated_at = $3 WHERE id = $1")
            .bind(id.0)
            .bind(outcome.as_str())
            .bind(to_millis(now))
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

impl Tx {
    /// Creates an appeal; the caller then derives the link token from the id and stores its
    /// hash with [`Tx::set_appeal_token_hash`] in the same transaction.
    pub async fn create_appeal(&mut self, a: &NewAppeal, now: DateTime<Utc>) -> Result<AppealId> {
        let row = sqlx::query(
            "INSERT INTO appeals (appellant_id, conversation_id, token_expires_at, ban_note, ban_reason, ban_date, \
               ban_permanent, status, reminders, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'prompted', 0, $8, $8) RETURNING id",
        )
        .bind(a.appellant_id.0)
        .bind(a.conversation_id.as_str())
        .bind(to_millis(a.token_expires_at))
        .bind(&a.ban_note)
        .bind(&a.ban_reason)
        .bind(a.ban_date.map(to_millis))
        .bind(flag(a.ban_permanent))
        .bind(to_millis(now))
        .fetch_one(self.conn())
        .await?;
        Ok(AppealId(row.try_get(0)?))
    }

    pub async fn set_appeal_token_hash(&mut self, id: AppealId, token_hash: &str) -> Result<()> {
        sqlx::query("UPDATE appeals SET token_hash = $2 WHERE id = $1")
            .bind(id.0)
            .bind(token_hash)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn set_appeal_status(
        &mut self,
        id: AppealId,
        status: AppealStatus,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let completed = (status == AppealStatus::Completed).then(|| to_millis(now));
        sqlx::query(
            "UPDATE appeals SET status = $2, completed_at = COALESCE(completed_at, $3), updated_at = $4 WHERE id = $1",
        )
        .bind(id.0)
        .bind(status.as_str())
        .bind(completed)
        .bind(to_millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn count_reminder(&mut self, id: AppealId, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE appeals SET reminders = reminders + 1, updated_at = $2 WHERE id = $1")
            .bind(id.0)
            .bind(to_millis(now))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn mark_submission_processed(
        &mut self,
        id: AppealId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("UPDATE form_submissions SET processed_at = $2 WHERE appeal_id = $1 AND processed_at IS NULL")
            .bind(id.0)
            .bind(to_millis(now))
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
