//! Appeals (one per ban episode the bot engaged in), their forms and submissions.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

use super::column::{Flag, Millis, Text, get, read, stored_enum};
use super::{Result, Store, StoreError, Tx};
use crate::domain::{
    Appeal, AppealId, AppealStatus, AppellantId, ConversationId, FormAnswers, Outcome,
    RedditUsername, SubredditName,
};
use appealmod_core::toxicity::AssessedForm;

stored_enum!(AppealStatus {
    Prompted => "prompted",
    Submitted => "submitted",
    Completed => "completed",
    Abandoned => "abandoned",
});

stored_enum!(Outcome {
    Granted => "granted",
    Denied => "denied",
});

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    Accepted,
    /// A form for this appeal was already stored; the new one was not.
    AlreadyReceived,
}

// Joined columns are aliased so that every column of the row has its own name.
const COLUMNS: &str = "p.id, p.appellant_id, r.display_name AS subreddit, a.display_name AS username, \
     p.conversation_id, p.token_expires_at, p.ban_note, p.ban_reason, p.ban_date, p.ban_permanent, \
     p.status, p.reminders, p.outcome, p.created_at, p.opened_at, p.completed_at, f.submitted_at";

fn select(where_clause: &str) -> String {
    format!(
        "SELECT {COLUMNS} FROM appeals p JOIN appellants a ON a.id = p.appellant_id \
         JOIN subreddits r ON r.name = a.subreddit LEFT JOIN form_submissions f ON f.appeal_id = p.id {where_clause}"
    )
}

/// One row of [`select`], read by column name.
#[derive(sqlx::FromRow)]
struct AppealRow {
    id: i64,
    appellant_id: i64,
    subreddit: Text<SubredditName>,
    username: Text<RedditUsername>,
    conversation_id: Text<ConversationId>,
    token_expires_at: Millis,
    ban_note: String,
    ban_reason: String,
    ban_date: Option<Millis>,
    ban_permanent: Flag,
    status: Text<AppealStatus>,
    reminders: i64,
    outcome: Option<Text<Outcome>>,
    created_at: Millis,
    opened_at: Option<Millis>,
    completed_at: Option<Millis>,
    submitted_at: Option<Millis>,
}

impl From<AppealRow> for Appeal {
    fn from(r: AppealRow) -> Self {
        Self {
            id: AppealId(r.id),
            appellant_id: AppellantId(r.appellant_id),
            subreddit: r.subreddit.0,
            username: r.username.0,
            conversation_id: r.conversation_id.0,
            token_expires_at: r.token_expires_at.0,
            ban_note: r.ban_note,
            ban_reason: r.ban_reason,
            ban_date: r.ban_date.map(|t| t.0),
            ban_permanent: r.ban_permanent.0,
            status: r.status.0,
            reminders: r.reminders,
            outcome: r.outcome.map(|o| o.0),
            created_at: r.created_at.0,
            opened_at: r.opened_at.map(|t| t.0),
            completed_at: r.completed_at.map(|t| t.0),
            submitted_at: r.submitted_at.map(|t| t.0),
        }
    }
}

fn appeal_from_row(row: &AnyRow) -> Result<Appeal> {
    read::<AppealRow>(row, "appeals").map(Appeal::from)
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
            .bind(Millis(now))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Stores a submitted form. Exactly one submission per appeal is ever accepted, however
    /// many arrive at once: the submission table's primary key is the appeal. The bot finds
    /// it with [`Store::unprocessed_submissions`] on its next pass. The form's findings are
    /// stored in the same transaction.
    pub async fn submit_form(&self, id: AppealId, form: &AssessedForm) -> Result<SubmitOutcome> {
        let answers = &form.answers;
        let json =
            serde_json::to_string(answers).map_err(|e| StoreError::corrupt(e.to_string()))?;
        let now = Millis(answers.submitted_at);
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
        // With the submission, so that every stored form has its findings before the bot
        // writes the moderators' note.
        tx.record_answers(id, &form.findings).await?;
        sqlx::query(
            "UPDATE appeals SET status = $3, updated_at = $2 WHERE id = $1 AND status = $4",
        )
        .bind(id.0)
        .bind(now)
        .bind(Text(AppealStatus::Submitted))
        .bind(Text(AppealStatus::Prompted))
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
        row.map(|r| get::<Text<FormAnswers>>(&r, "form_submissions", "answers").map(|a| a.0))
            .transpose()
    }

    /// Submitted forms the bot has not acted on yet, oldest first.
    pub async fn unprocessed_submissions(&self, limit: u32) -> Result<Vec<Appeal>> {
        self.unprocessed_submissions_in(super::AccountFilter::Any, limit)
            .await
    }

    /// [`Store::unprocessed_submissions`] of the subreddits one bot account serves.
    pub async fn unprocessed_submissions_in(
        &self,
        account: super::AccountFilter<'_>,
        limit: u32,
    ) -> Result<Vec<Appeal>> {
        let rows = sqlx::query(&select(
            "WHERE f.submitted_at IS NOT NULL AND f.processed_at IS NULL \
               AND ($2 = '*' OR r.bot_account = $2) ORDER BY f.submitted_at LIMIT $1",
        ))
        .bind(i64::from(limit))
        .bind(account.bound())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(appeal_from_row).collect()
    }
}

impl Tx {
    /// Records what the moderators decided, and when (the readout's time to a decision);
    /// an outcome already recorded is kept.
    pub async fn set_appeal_outcome(
        &mut self,
        id: AppealId,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE appeals SET outcome = $2, decided_at = $3, updated_at = $3 WHERE id = $1 AND outcome IS NULL",
        )
        .bind(id.0)
        .bind(Text(outcome))
        .bind(Millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Creates an appeal; the caller then derives the link token from the id and stores its
    /// hash with [`Tx::set_appeal_token_hash`] in the same transaction.
    pub async fn create_appeal(&mut self, a: &NewAppeal, now: DateTime<Utc>) -> Result<AppealId> {
        let row = sqlx::query(
            "INSERT INTO appeals (appellant_id, conversation_id, token_expires_at, ban_note, ban_reason, ban_date, \
               ban_permanent, status, reminders, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $9, 0, $8, $8) RETURNING id",
        )
        .bind(a.appellant_id.0)
        .bind(a.conversation_id.as_str())
        .bind(Millis(a.token_expires_at))
        .bind(&a.ban_note)
        .bind(&a.ban_reason)
        .bind(a.ban_date.map(Millis))
        .bind(Flag(a.ban_permanent))
        .bind(Millis(now))
        .bind(Text(AppealStatus::Prompted))
        .fetch_one(self.conn())
        .await?;
        get(&row, "appeals", "id").map(AppealId)
    }

    /// A fresh personal link: the new hash replaces the old one, so the old link stops
    /// working, and the expiry moves with it.
    pub async fn renew_appeal_link(
        &mut self,
        id: AppealId,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("UPDATE appeals SET token_hash = $2, token_expires_at = $3 WHERE id = $1")
            .bind(id.0)
            .bind(token_hash)
            .bind(Millis(expires_at))
            .execute(self.conn())
            .await?;
        Ok(())
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
        let completed = (status == AppealStatus::Completed).then_some(Millis(now));
        sqlx::query(
            "UPDATE appeals SET status = $2, completed_at = COALESCE(completed_at, $3), updated_at = $4 WHERE id = $1",
        )
        .bind(id.0)
        .bind(Text(status))
        .bind(completed)
        .bind(Millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn count_reminder(&mut self, id: AppealId, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE appeals SET reminders = reminders + 1, updated_at = $2 WHERE id = $1")
            .bind(id.0)
            .bind(Millis(now))
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
            .bind(Millis(now))
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
