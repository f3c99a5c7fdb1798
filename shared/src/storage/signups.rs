//! Sign-ups from the website.

use chrono::{DateTime, Utc};

use super::column::{Millis, Text, read};
use super::{Result, Store};
use crate::domain::{Email, RedditUsername, SubredditName};

#[derive(Debug, Clone)]
pub struct NewSignup {
    pub name: String,
    pub email: Email,
    pub reddit_username: RedditUsername,
    pub subreddit: SubredditName,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupOutcome {
    Created,
    /// Someone signed this subreddit up before; nothing was changed.
    AlreadySignedUp,
}

#[derive(Debug, Clone)]
pub struct Signup {
    pub name: String,
    pub email: Email,
    pub reddit_username: RedditUsername,
    pub subreddit: SubredditName,
    pub created_at: DateTime<Utc>,
}

/// One row of `signups` joined with its subreddit's display name, read by column name.
#[derive(sqlx::FromRow)]
struct SignupRow {
    name: String,
    email: Text<Email>,
    reddit_username: Text<RedditUsername>,
    subreddit: Text<SubredditName>,
    created_at: Millis,
}

impl From<SignupRow> for Signup {
    fn from(r: SignupRow) -> Self {
        Self {
            name: r.name,
            email: r.email.0,
            reddit_username: r.reddit_username.0,
            subreddit: r.subreddit.0,
            created_at: r.created_at.0,
        }
    }
}

impl Store {
    /// Stores a sign-up and enables its subreddit, in one transaction.
    pub async fn create_signup(&self, s: &NewSignup, now: DateTime<Utc>) -> Result<SignupOutcome> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO subreddits (name, display_name, enabled, created_at, updated_at) \
             VALUES ($1, $2, 1, $3, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(s.subreddit.key())
        .bind(s.subreddit.as_str())
        .bind(Millis(now))
        .execute(tx.conn())
        .await?;
        let done = sqlx::query(
            "INSERT INTO signups (name, email, reddit_username, subreddit, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subreddit) DO NOTHING",
        )
        .bind(&s.name)
        .bind(s.email.as_str())
        .bind(s.reddit_username.as_str())
        .bind(s.subreddit.key())
        .bind(Millis(now))
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(if done.rows_affected() == 1 {
            SignupOutcome::Created
        } else {
            SignupOutcome::AlreadySignedUp
        })
    }

    pub async fn signups(&self) -> Result<Vec<Signup>> {
        let rows = sqlx::query(
            "SELECT s.id, s.name, s.email, s.reddit_username, r.display_name AS subreddit, s.created_at \
             FROM signups s JOIN subreddits r ON r.name = s.subreddit ORDER BY s.id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| read::<SignupRow>(r, "signups").map(Signup::from))
            .collect()
    }
}
