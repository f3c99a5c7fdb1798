//! Sync cursors: how far the recent runner has read the modmail list, per scope.

use chrono::{DateTime, Utc};

use super::column::{Millis, get};
use super::{Result, Store};

impl Store {
    pub async fn cursor(&self, scope: &str) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query("SELECT last_updated FROM sync_cursors WHERE scope = $1")
            .bind(scope)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| get::<Millis>(&r, "sync_cursors", "last_updated").map(|t| t.0))
            .transpose()
    }

    /// Moves the cursor forward only: an older value never replaces a newer one.
    pub async fn advance_cursor(
        &self,
        scope: &str,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sync_cursors (scope, last_updated, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (scope) DO UPDATE SET \
               last_updated = CASE WHEN excluded.last_updated > sync_cursors.last_updated \
                                   THEN excluded.last_updated ELSE sync_cursors.last_updated END, \
               updated_at = excluded.updated_at",
        )
        .bind(scope)
        .bind(Millis(to))
        .bind(Millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
