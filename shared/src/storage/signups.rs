//! Sign-ups from the console: a logged-in moderator signs a subreddit up, which starts it
//! pending until the bot confirms it moderates there with what it needs.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::accounts::{AccountLoad, ServingAccount, account_loads_on, set_account};
use super::audit::FieldChange;
use super::column::{Millis, Text, read};
use super::{Backend, Result, Store};

/// The advisory lock sign-ups take on PostgreSQL (any fixed number no other lock uses).
const SIGNUP_LOCK: i64 = 0x5167_4e55_7000_0001;
use crate::domain::{Email, RedditUsername, SubredditName, SubredditState};

#[derive(Debug, Clone)]
pub struct NewSignup {
    /// How the moderator wants to be addressed (their Reddit name when they give none).
    pub name: String,
    /// Optional: the moderator logged in with Reddit, which is a way to reach them.
    pub email: Option<Email>,
    /// Verified: the account that logged in.
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
    pub email: Option<Email>,
    pub reddit_username: RedditUsername,
    pub subreddit: SubredditName,
    pub created_at: DateTime<Utc>,
}

/// One row of `signups` joined with its subreddit's display name, read by column name.
#[derive(sqlx::FromRow)]
struct SignupRow {
    name: String,
    email: Option<Text<Email>>,
    reddit_username: Text<RedditUsername>,
    subreddit: Text<SubredditName>,
    created_at: Millis,
}

impl From<SignupRow> for Signup {
    fn from(r: SignupRow) -> Self {
        Self {
            name: r.name,
            email: r.email.map(|e| e.0),
            reddit_username: r.reddit_username.0,
            subreddit: r.subreddit.0,
            created_at: r.created_at.0,
        }
    }
}

impl Store {
    /// Stores a sign-up and, if the subreddit is new, adds it pending with its first check
    /// due now; one transaction, recorded in the audit log.
    /// A sign-up, its subreddit served by the default account (see
    /// [`Store::create_signup_assigned`] for a choice among several).
    pub async fn create_signup(&self, s: &NewSignup, now: DateTime<Utc>) -> Result<SignupOutcome> {
        self.create_signup_assigned(s, now, now, |_| ServingAccount::Default)
            .await
    }

    /// A sign-up and the account that serves its subreddit, chosen by `choose` from every
    /// account's load (appeals since `appeals_since`; before this sign-up counts) in the
    /// same transaction. Sign-ups choose one after the other (SQLite's write lock, an
    /// advisory lock on PostgreSQL): two at once never both see the same headroom and
    /// pile onto one account.
    pub async fn create_signup_assigned(
        &self,
        s: &NewSignup,
        now: DateTime<Utc>,
        appeals_since: DateTime<Utc>,
        choose: impl FnOnce(&HashMap<ServingAccount, AccountLoad>) -> ServingAccount,
    ) -> Result<SignupOutcome> {
        let mut tx = self.begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(SIGNUP_LOCK)
                .execute(tx.conn())
                .await?;
        }
        let account = choose(&account_loads_on(tx.conn(), appeals_since).await?);
        let added = sqlx::query(
            "INSERT INTO subreddits (name, display_name, state, next_check_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4, $4) ON CONFLICT (name) DO NOTHING",
        )
        .bind(s.subreddit.key())
        .bind(s.subreddit.as_str())
        .bind(Text(SubredditState::Pending))
        .bind(Millis(now))
        .execute(tx.conn())
        .await?;
        let done = sqlx::query(
            "INSERT INTO signups (name, email, reddit_username, subreddit, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subreddit) DO NOTHING",
        )
        .bind(&s.name)
        .bind(s.email.as_ref().map(|e| e.as_str().to_owned()))
        .bind(s.reddit_username.as_str())
        .bind(s.subreddit.key())
        .bind(Millis(now))
        .execute(tx.conn())
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(SignupOutcome::AlreadySignedUp);
        }
        let change = FieldChange {
            field: "signed_up".to_owned(),
            old: None,
            new: Some(if added.rows_affected() == 1 {
                "pending".to_owned()
            } else {
                "already known to the bot".to_owned()
            }),
        };
        tx.audit(&s.subreddit, s.reddit_username.as_str(), &change, now)
            .await?;
        set_account(tx.conn(), &s.subreddit, &account, now).await?;
        tx.commit().await?;
        Ok(SignupOutcome::Created)
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
