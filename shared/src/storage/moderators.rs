//! Who moderates which subreddit with which permissions, as last seen: at a moderator's
//! login (their own list, with their own token) or by the bot (a subreddit's list, with its
//! token). The console decides access from these rows and their age; a moderator the bot
//! finds removed loses their console sessions in the same transaction.

use chrono::{DateTime, Utc};

use super::column::{Millis, Text, read};
use super::{Result, Store, Tx};
use crate::domain::{
    ModPermissions, ModeratedSubreddit, RedditUsername, SubredditModerator, SubredditName,
};

/// One moderator of one subreddit, as last seen.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeratorSeen {
    pub subreddit: SubredditName,
    pub username: RedditUsername,
    pub permissions: ModPermissions,
    pub seen_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SeenRow {
    subreddit: Text<SubredditName>,
    display_name: Text<RedditUsername>,
    permissions: String,
    seen_at: Millis,
}

impl From<SeenRow> for ModeratorSeen {
    fn from(r: SeenRow) -> Self {
        Self {
            subreddit: r.subreddit.0,
            username: r.display_name.0,
            permissions: ModPermissions::parse_names(&r.permissions),
            seen_at: r.seen_at.0,
        }
    }
}

// `subreddit` holds the key; a signed-up subreddit's display name comes from its own row.
const SEEN: &str = "SELECT COALESCE(r.display_name, m.subreddit) AS subreddit, m.display_name, \
     m.permissions, m.seen_at FROM subreddit_moderators m LEFT JOIN subreddits r ON r.name = m.subreddit";

impl Store {
    /// What a moderator's login showed: exactly these subreddits, now. Rows of this user
    /// for other subreddits are removed (they no longer moderate there).
    pub async fn record_login(
        &self,
        user: &RedditUsername,
        subs: &[ModeratedSubreddit],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let keep: Vec<String> = subs.iter().map(|s| s.name.key()).collect();
        let rows = sqlx::query("SELECT subreddit FROM subreddit_moderators WHERE username = $1")
            .bind(user.key())
            .fetch_all(tx.conn())
            .await?;
        for r in &rows {
            let sub: String = super::column::get(r, "subreddit_moderators", "subreddit")?;
            if !keep.contains(&sub) {
                sqlx::query(
                    "DELETE FROM subreddit_moderators WHERE subreddit = $1 AND username = $2",
                )
                .bind(&sub)
                .bind(user.key())
                .execute(tx.conn())
                .await?;
            }
        }
        for s in subs {
            tx.put_moderator(&s.name.key(), user, &s.permissions, now)
                .await?;
        }
        tx.commit().await
    }

    /// The row of `user` for `sub`, if any.
    pub async fn moderator_of(
        &self,
        user: &RedditUsername,
        sub: &SubredditName,
    ) -> Result<Option<ModeratorSeen>> {
        let row = sqlx::query(&format!(
            "{SEEN} WHERE m.subreddit = $1 AND m.username = $2"
        ))
        .bind(sub.key())
        .bind(user.key())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| read::<SeenRow>(&r, "subreddit_moderators").map(ModeratorSeen::from))
            .transpose()
    }

    /// Every subreddit `user` was last seen moderating, by name.
    pub async fn moderated_by(&self, user: &RedditUsername) -> Result<Vec<ModeratorSeen>> {
        let rows = sqlx::query(&format!(
            "{SEEN} WHERE m.username = $1 ORDER BY m.subreddit"
        ))
        .bind(user.key())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| read::<SeenRow>(r, "subreddit_moderators").map(ModeratorSeen::from))
            .collect()
    }
}

impl Tx {
    async fn put_moderator(
        &mut self,
        sub_key: &str,
        user: &RedditUsername,
        perms: &ModPermissions,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO subreddit_moderators (subreddit, username, display_name, permissions, seen_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subreddit, username) DO UPDATE SET \
               display_name = excluded.display_name, permissions = excluded.permissions, \
               seen_at = excluded.seen_at",
        )
        .bind(sub_key)
        .bind(user.key())
        .bind(user.as_str())
        .bind(perms.to_names())
        .bind(Millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The subreddit's moderator list as the bot just read it: exactly these, now. Whoever
    /// was listed before and is not any more is logged out of the console everywhere (their
    /// sessions are revoked in this transaction), whatever else they moderate.
    pub(crate) async fn replace_moderators(
        &mut self,
        sub: &SubredditName,
        mods: &[SubredditModerator],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let rows = sqlx::query("SELECT username FROM subreddit_moderators WHERE subreddit = $1")
            .bind(sub.key())
            .fetch_all(self.conn())
            .await?;
        let listed: Vec<String> = mods.iter().map(|m| m.name.key()).collect();
        for r in &rows {
            let user: String = super::column::get(r, "subreddit_moderators", "username")?;
            if !listed.contains(&user) {
                self.revoke_sessions_of(&user, now).await?;
            }
        }
        sqlx::query("DELETE FROM subreddit_moderators WHERE subreddit = $1")
            .bind(sub.key())
            .execute(self.conn())
            .await?;
        for m in mods {
            self.put_moderator(&sub.key(), &m.name, &m.permissions, now)
                .await?;
        }
        Ok(())
    }
}
