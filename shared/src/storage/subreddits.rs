//! Subreddits the bot serves and their settings.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Result, Store, StoreError, flag, to_millis};
use crate::domain::{FormQuestions, Messages, SubredditName};

/// A subreddit's stored settings; `None` means "use the configured default".
#[derive(Debug, Clone, PartialEq)]
pub struct SubredditSettings {
    pub name: SubredditName,
    pub enabled: bool,
    pub treatment_fraction: Option<f64>,
    pub messages: Option<Messages>,
    pub form_questions: Option<FormQuestions>,
}

impl SubredditSettings {
    pub fn new(name: SubredditName) -> Self {
        Self {
            name,
            enabled: true,
            treatment_fraction: None,
            messages: None,
            form_questions: None,
        }
    }
}

const COLUMNS: &str = "display_name, enabled, treatment_fraction, messages, form_questions";

fn settings_from_row(row: &AnyRow) -> Result<SubredditSettings> {
    let display: String = row.try_get("display_name")?;
    let name = SubredditName::parse(&display)
        .map_err(|e| StoreError::corrupt(format!("subreddit {display:?}: {e}")))?;
    let messages: Option<String> = row.try_get("messages")?;
    let questions: Option<String> = row.try_get("form_questions")?;
    Ok(SubredditSettings {
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        treatment_fraction: row.try_get("treatment_fraction")?,
        messages: messages
            .map(|m| serde_json::from_str(&m))
            .transpose()
            .map_err(|e| StoreError::corrupt(format!("r/{name} messages: {e}")))?,
        form_questions: questions
            .map(|q| serde_json::from_str(&q))
            .transpose()
            .map_err(|e| StoreError::corrupt(format!("r/{name} form questions: {e}")))?,
        name,
    })
}

impl Store {
    /// Adds a subreddit (enabled) if it is not there yet; leaves existing settings alone.
    pub async fn ensure_subreddit(&self, name: &SubredditName, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO subreddits (name, display_name, enabled, created_at, updated_at) \
             VALUES ($1, $2, 1, $3, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name.key())
        .bind(name.as_str())
        .bind(to_millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Creates or replaces a subreddit's settings.
    pub async fn save_subreddit(&self, s: &SubredditSettings, now: DateTime<Utc>) -> Result<()> {
        let messages = s
            .messages
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::corrupt(e.to_string()))?;
        let questions = s
            .form_questions
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO subreddits (name, display_name, enabled, treatment_fraction, messages, form_questions, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             ON CONFLICT (name) DO UPDATE SET display_name = excluded.display_name, enabled = excluded.enabled, \
               treatment_fraction = excluded.treatment_fraction, messages = excluded.messages, \
               form_questions = excluded.form_questions, updated_at = excluded.updated_at",
        )
        .bind(s.name.key())
        .bind(s.name.as_str())
        .bind(flag(s.enabled))
        .bind(s.treatment_fraction)
        .bind(messages)
        .bind(questions)
        .bind(to_millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn subreddit(&self, name: &SubredditName) -> Result<Option<SubredditSettings>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM subreddits WHERE name = $1"))
            .bind(name.key())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(settings_from_row).transpose()
    }

    /// The subreddits the runners serve, in name order.
    pub async fn enabled_subreddits(&self) -> Result<Vec<SubredditSettings>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM subreddits WHERE enabled = 1 ORDER BY name"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(settings_from_row).collect()
    }

    pub async fn set_subreddit_enabled(
        &self,
        name: &SubredditName,
        enabled: bool,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE subreddits SET enabled = $1, updated_at = $2 WHERE name = $3")
                .bind(flag(enabled))
                .bind(to_millis(now))
                .bind(name.key())
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected() == 1)
    }
}
