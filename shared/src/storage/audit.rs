//! The audit log: every change made in a console, and every change of a subreddit's state
//! the bot made, with who, when, and the value before and after.

use chrono::{DateTime, Utc};

use super::column::{Millis, read};
use super::{Result, Store, Tx};
use crate::domain::SubredditName;

/// The audit diff is part of the settings capability in core.
pub use appealmod_core::settings::{FRACTION_FIELD, FieldChange};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor: String,
    pub at: DateTime<Utc>,
    pub change: FieldChange,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    actor: String,
    field: String,
    old_value: Option<String>,
    new_value: Option<String>,
    at: Millis,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        Self {
            actor: r.actor,
            at: r.at.0,
            change: FieldChange {
                field: r.field,
                old: r.old_value,
                new: r.new_value,
            },
        }
    }
}

impl Store {
    /// The newest `limit` entries of a subreddit's log, newest first.
    pub async fn audit_log(&self, sub: &SubredditName, limit: u32) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT actor, field, old_value, new_value, at FROM audit_log WHERE subreddit = $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(sub.key())
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| read::<AuditRow>(r, "audit_log").map(AuditEntry::from))
            .collect()
    }

    /// Every change of the treatment fraction, oldest first: the periods of the experiment.
    pub async fn fraction_changes(&self, sub: &SubredditName) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT actor, field, old_value, new_value, at FROM audit_log \
             WHERE subreddit = $1 AND field = $2 ORDER BY id",
        )
        .bind(sub.key())
        .bind(FRACTION_FIELD)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| read::<AuditRow>(r, "audit_log").map(AuditEntry::from))
            .collect()
    }
}

impl Tx {
    pub(crate) async fn audit(
        &mut self,
        sub: &SubredditName,
        actor: &str,
        c: &FieldChange,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (subreddit, actor, field, old_value, new_value, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(sub.key())
        .bind(actor)
        .bind(&c.field)
        .bind(c.old.clone())
        .bind(c.new.clone())
        .bind(Millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
