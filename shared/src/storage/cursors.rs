//! Sync cursors: how far the recent runner has read the modmail list, per scope.

use chrono::{DateTime, Utc};

use super::column::{Millis, Text, get};
use super::{Result, Store};
use crate::domain::{SubredditName, SubredditState};

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

impl Store {
    /// Every cursor whose scope starts with `prefix`, by the rest of its scope: one query
    /// however many subreddits there are, read row by row (every row at once took about
    /// 15 MiB at 50,000 subreddits). The runners no longer read every cursor; the scale
    /// benchmark does, to see every subreddit caught up.
    pub async fn cursors_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<std::collections::HashMap<String, DateTime<Utc>>> {
        use futures_util::TryStreamExt as _;
        let mut rows = sqlx::query(
            "SELECT scope, last_updated FROM sync_cursors WHERE substr(scope, 1, CAST($2 AS INTEGER)) = $1",
        )
        .bind(prefix)
        .bind(i64::try_from(prefix.len()).unwrap_or(i64::MAX))
        .fetch(self.pool());
        let mut out = std::collections::HashMap::new();
        while let Some(r) = rows.try_next().await? {
            let r = &r;
            let scope: String = get(r, "sync_cursors", "scope")?;
            let at: Millis = get(r, "sync_cursors", "last_updated")?;
            if let Some(rest) = scope.strip_prefix(prefix) {
                out.insert(rest.to_owned(), at.0);
            }
        }
        Ok(out)
    }

    /// Moves many cursors forward in one transaction (forward only, as
    /// [`Store::advance_cursor`]).
    pub async fn advance_cursors(
        &self,
        scopes: &[String],
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if scopes.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for scope in scopes {
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
            .execute(tx.conn())
            .await?;
        }
        tx.commit().await
    }
}

/// A served subreddit (active or paused) as one listing sees it: who serves it, and where
/// its own cursor stands (none: not caught up yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedSubreddit {
    pub account: super::ServingAccount,
    pub cursor: Option<DateTime<Utc>>,
}

/// How many names one `IN (…)` lists: far below either backend's limit on parameters.
const IN_CHUNK: usize = 500;

impl Store {
    /// The served subreddits of `account` without a cursor under `prefix` (the recent
    /// runner's `prefix` + key): those its next pass catches up, each with its cursor under
    /// `moved_prefix` when it has one (where the account it was moved from had read). One
    /// query, and only they are read: a pass no longer holds every served subreddit
    /// (50,000 names and cursors were most of a runner's memory), usually none are.
    pub async fn uncursored_served(
        &self,
        account: &super::ServingAccount,
        prefix: &str,
        moved_prefix: &str,
    ) -> Result<Vec<(SubredditName, Option<DateTime<Utc>>)>> {
        let rows = sqlx::query(
            "SELECT s.display_name, m.last_updated FROM subreddits s \
             LEFT JOIN sync_cursors m ON m.scope = ($5 || s.name) \
             WHERE s.state IN ($1, $2) AND s.bot_account = $3 \
               AND NOT EXISTS (SELECT 1 FROM sync_cursors c WHERE c.scope = ($4 || s.name)) \
             ORDER BY s.name",
        )
        .bind(Text(SubredditState::Active))
        .bind(Text(SubredditState::Paused))
        .bind(account.stored())
        .bind(prefix)
        .bind(moved_prefix)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let name = get::<Text<SubredditName>>(r, "subreddits", "display_name")?.0;
                let moved = get::<Option<Millis>>(r, "sync_cursors", "last_updated")?;
                Ok((name, moved.map(|m| m.0)))
            })
            .collect()
    }

    /// The oldest cursor under `prefix` among `account`'s served subreddits; `None` when
    /// none of them has one yet.
    pub async fn oldest_served_cursor(
        &self,
        account: &super::ServingAccount,
        prefix: &str,
    ) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query(
            "SELECT CAST(MIN(c.last_updated) AS BIGINT) AS oldest \
             FROM subreddits s JOIN sync_cursors c ON c.scope = ($4 || s.name) \
             WHERE s.state IN ($1, $2) AND s.bot_account = $3",
        )
        .bind(Text(SubredditState::Active))
        .bind(Text(SubredditState::Paused))
        .bind(account.stored())
        .bind(prefix)
        .fetch_one(self.pool())
        .await?;
        Ok(get::<Option<Millis>>(&row, "sync_cursors", "oldest")?.map(|m| m.0))
    }

    /// Of the subreddits `keys` (lowercase names), the served ones, by key: their account
    /// and their own cursor under `prefix`. What one listing needs of the subreddits it
    /// lists, read for those only (a handful, whatever the number signed up).
    pub async fn served_among(
        &self,
        keys: &[String],
        prefix: &str,
    ) -> Result<std::collections::HashMap<String, ServedSubreddit>> {
        let mut out = std::collections::HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(IN_CHUNK) {
            let list = (0..chunk.len())
                .map(|i| format!("${}", i + 4))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT s.name, s.bot_account, c.last_updated FROM subreddits s \
                 LEFT JOIN sync_cursors c ON c.scope = ($3 || s.name) \
                 WHERE s.state IN ($1, $2) AND s.name IN ({list})"
            );
            let mut q = sqlx::query(&sql)
                .bind(Text(SubredditState::Active))
                .bind(Text(SubredditState::Paused))
                .bind(prefix);
            for k in chunk {
                q = q.bind(k);
            }
            for r in q.fetch_all(self.pool()).await? {
                let name: String = get(&r, "subreddits", "name")?;
                let account: Text<super::ServingAccount> = get(&r, "subreddits", "bot_account")?;
                let cursor: Option<Millis> = get(&r, "sync_cursors", "last_updated")?;
                out.insert(
                    name,
                    ServedSubreddit {
                        account: account.0,
                        cursor: cursor.map(|m| m.0),
                    },
                );
            }
        }
        Ok(out)
    }
}
