//! Sign-ups from the website.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Result, Store, StoreError, from_millis, to_millis};
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
        .bind(to_millis(now))
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
        .bind(to_millis(now))
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
            "SELECT s.name, s.email, s.reddit_username, r.display_name, s.created_at \
             FROM signups s JOIN subreddits r ON r.name = s.subreddit ORDER BY s.id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let bad =
                    |e: crate::domain::ParseError| StoreError::corrupt(format!("signup: {e}"));
                Ok(Signup {
                    name: r.try_get(0)?,
                    email: Email::parse(&r.try_get::<String, _>(1)?).map_err(bad)?,
                    reddit_username: RedditUsername::parse(&r.try_get::<String, _>(2)?)
                        .map_err(bad)?,
                    subreddit: SubredditName::parse(&r.try_get::<String, _>(3)?).map_err(bad)?,
                    created_at: from_millis(r.try_get(4)?),
                })
            })
            .collect()
    }
}
