//! Subreddits the bot serves and their settings.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

use super::column::{Flag, Millis, Text, read};
use super::{Result, Store, StoreError};
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

/// One row of [`COLUMNS`], read by column name.
#[derive(sqlx::FromRow)]
struct SettingsRow {
    display_name: Text<SubredditName>,
    enabled: Flag,
    treatment_fraction: Option<f64>,
    messages: Option<Text<Messages>>,
    form_questions: Option<Text<FormQuestions>>,
}

impl From<SettingsRow> for SubredditSettings {
    fn from(r: SettingsRow) -> Self {
        Self {
            name: r.display_name.0,
            enabled: r.enabled.0,
            treatment_fraction: r.treatment_fraction,
            messages: r.messages.map(|m| m.0),
            form_questions: r.form_questions.map(|q| q.0),
        }
    }
}

fn settings_from_row(row: &AnyRow) -> Result<SubredditSettings> {
    read::<SettingsRow>(row, "subreddits").map(SubredditSettings::from)
}

/// The bot lacks a permission it needs in a subreddit (a 401/403 on a write).
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionProblem {
    pub subreddit: SubredditName,
    pub since: DateTime<Utc>,
    pub error: String,
}

#[derive(sqlx::FromRow)]
struct PermissionRow {
    display_name: Text<SubredditName>,
    permission_lost_at: Millis,
    permission_error: Option<String>,
}

impl Store {
    /// Records that the bot lacks a permission in `name`. True when this is news (the
    /// caller alerts once, not on every held entry).
    pub async fn set_permission_lost(
        &self,
        name: &SubredditName,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE subreddits SET permission_lost_at = $2, permission_error = $3, updated_at = $2 \
             WHERE name = $1 AND permission_lost_at IS NULL",
        )
        .bind(name.key())
        .bind(Millis(now))
        .bind(error)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A write went through: the permission is back. True when it had been lost.
    pub async fn clear_permission_lost(
        &self,
        name: &SubredditName,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE subreddits SET permission_lost_at = NULL, permission_error = NULL, updated_at = $2 \
             WHERE name = $1 AND permission_lost_at IS NOT NULL",
        )
        .bind(name.key())
        .bind(Millis(now))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Subreddits where the bot lacks a permission ("bot lacks permission" in the console).
    pub async fn permission_problems(&self) -> Result<Vec<PermissionProblem>> {
        let rows = sqlx::query(
            "SELECT display_name, permission_lost_at, permission_error FROM subreddits \
             WHERE permission_lost_at IS NOT NULL ORDER BY name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                read::<PermissionRow>(r, "subreddits").map(|p| PermissionProblem {
                    subreddit: p.display_name.0,
                    since: p.permission_lost_at.0,
                    error: p.permission_error.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Adds a subreddit (enabled) if it is not there yet; leaves existing settings alone.
    pub async fn ensure_subreddit(&self, name: &SubredditName, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO subreddits (name, display_name, enabled, created_at, updated_at) \
             VALUES ($1, $2, 1, $3, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name.key())
        .bind(name.as_str())
        .bind(Millis(now))
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
        .bind(Flag(s.enabled))
        .bind(s.treatment_fraction)
        .bind(messages)
        .bind(questions)
        .bind(Millis(now))
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
                .bind(Flag(enabled))
                .bind(Millis(now))
                .bind(name.key())
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected() == 1)
    }
}
