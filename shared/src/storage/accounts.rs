//! The pool of bot accounts: which account serves each subreddit, how loaded each is, and
//! the operator's move of a subreddit to another account (audited).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::column::{FromText, Millis, Text, get};
use super::journal::EffectState;
use super::{Result, Store, StoreError};
use crate::domain::{RedditUsername, SubredditName};

/// The bot account that serves a subreddit. `Default` is the `reddit` section of the
/// configuration (stored as `''`, so that renaming the default account moves nothing);
/// `Extra` one of `reddit.accounts`, by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ServingAccount {
    Default,
    Extra(RedditUsername),
}

impl ServingAccount {
    /// The stored spelling: `''` for the default account, else the lowercase name.
    pub fn stored(&self) -> String {
        match self {
            Self::Default => String::new(),
            Self::Extra(name) => name.key(),
        }
    }

    pub fn from_stored(s: &str) -> Result<Self> {
        if s.is_empty() {
            return Ok(Self::Default);
        }
        RedditUsername::parse(s)
            .map(Self::Extra)
            .map_err(|e| StoreError::corrupt(format!("subreddits.bot_account {s:?}: {e}")))
    }

    /// A name for lease scopes, cursors, the audit log and logs: `(default)` (no Reddit
    /// username has parentheses) or the account's lowercase name.
    pub fn label(&self) -> String {
        match self {
            Self::Default => "(default)".to_owned(),
            Self::Extra(name) => name.key(),
        }
    }
}

/// Which subreddits a query covers: every one, or those one bot account serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountFilter<'a> {
    Any,
    Of(&'a ServingAccount),
}

impl AccountFilter<'_> {
    /// The bound value: `'*'` (no account is stored so: not a username) or the account.
    pub(crate) fn bound(self) -> String {
        match self {
            Self::Any => "*".to_owned(),
            Self::Of(a) => a.stored(),
        }
    }
}

impl FromText for ServingAccount {
    fn from_text(s: &str) -> std::result::Result<Self, String> {
        Self::from_stored(s).map_err(|e| e.to_string())
    }
}

/// How much an account carries: the basis of sign-up's choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountLoad {
    /// Subreddits it serves, whatever their state.
    pub subreddits: i64,
    /// Appeals opened in its subreddits since the time asked about.
    pub appeals: i64,
}

/// What a move did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveReport {
    pub from: ServingAccount,
    pub to: ServingAccount,
    /// Journal entries of the subreddit that the old account attempted and that are not
    /// finished: it finishes them (sends again or reads back), so it must stay a moderator
    /// until this is 0.
    pub left_with_old: i64,
}

/// The scope prefix of a subreddit's catch-up start after a move (`modmail/moved/<name>`).
pub const MOVED_CURSOR_PREFIX: &str = "modmail/moved/";

/// Scope prefix of the per-subreddit modmail cursors (`modmail/r/<name>`). A served
/// subreddit with one has been caught up and is served by the account-wide listing; one
/// without is caught up with a listing of its own first.
pub const SUBREDDIT_CURSOR_PREFIX: &str = "modmail/r/";

/// The default account's account-wide cursor: the listing of every subreddit it moderates
/// is read up to it. Each other account has its own ([`account_cursor_scope`]).
const ACCOUNT_CURSOR_SCOPE: &str = "modmail/all";

/// The cursor of an account's listing of every subreddit it moderates (`modmail/all` for
/// the default account, as before there were several; `modmail/all/<name>` for the others).
pub fn account_cursor_scope(account: &ServingAccount) -> String {
    match account {
        ServingAccount::Default => ACCOUNT_CURSOR_SCOPE.to_owned(),
        ServingAccount::Extra(name) => format!("{ACCOUNT_CURSOR_SCOPE}/{}", name.key()),
    }
}

impl Store {
    /// The account serving `sub`; `None` for a subreddit the bot does not know.
    pub async fn account_of(&self, sub: &SubredditName) -> Result<Option<ServingAccount>> {
        let row = sqlx::query("SELECT bot_account FROM subreddits WHERE name = $1")
            .bind(sub.key())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| {
            get::<String>(&r, "subreddits", "bot_account")
                .and_then(|a| ServingAccount::from_stored(&a))
        })
        .transpose()
    }

    /// The load of every account that serves something (an account serving nothing is
    /// absent: its load is zero).
    pub async fn account_loads(
        &self,
        appeals_since: DateTime<Utc>,
    ) -> Result<HashMap<ServingAccount, AccountLoad>> {
        let mut conn = self.pool().acquire().await?;
        account_loads_on(&mut conn, appeals_since).await
    }

    /// Sets the account of a subreddit that has none yet in practice (a sign-up): no audit,
    /// nothing in flight. A move between accounts is [`Store::move_subreddit`].
    pub async fn assign_account(
        &self,
        sub: &SubredditName,
        account: &ServingAccount,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut conn = self.pool().acquire().await?;
        set_account(&mut conn, sub, account, now).await
    }

    /// Moves `sub` to the account `to`, in one transaction with its audit entry (`actor`,
    /// field `bot_account`). The new account catches the subreddit up from where the old
    /// account's listing stood (its account-wide cursor), so nothing written meanwhile is
    /// missed; what both read is decided once (the journal's markers). Entries the old
    /// account attempted stay its own (`journal.account`): never sent twice by two
    /// accounts. `None` when the subreddit is unknown.
    pub async fn move_subreddit(
        &self,
        sub: &SubredditName,
        to: &ServingAccount,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<MoveReport>> {
        let Some(from) = self.account_of(sub).await? else {
            return Ok(None);
        };
        let old_cursor = self.cursor(&account_cursor_scope(&from)).await?;
        let mut tx = self.begin().await?;
        set_account(tx.conn(), sub, to, now).await?;
        if &from != to {
            // Without a cursor of its own the subreddit is caught up by the new account's
            // runner (a listing of its own), from where the old one stood.
            sqlx::query("DELETE FROM sync_cursors WHERE scope = $1")
                .bind(format!("{SUBREDDIT_CURSOR_PREFIX}{}", sub.key()))
                .execute(tx.conn())
                .await?;
            if let Some(at) = old_cursor {
                sqlx::query(
                    "INSERT INTO sync_cursors (scope, last_updated, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (scope) DO UPDATE SET last_updated = excluded.last_updated, \
                       updated_at = excluded.updated_at",
                )
                .bind(format!("{MOVED_CURSOR_PREFIX}{}", sub.key()))
                .bind(Millis(at))
                .bind(Millis(now))
                .execute(tx.conn())
                .await?;
            }
            let change = super::FieldChange {
                field: "bot_account".to_owned(),
                old: Some(from.label()),
                new: Some(to.label()),
            };
            tx.audit(sub, actor, &change, now).await?;
        }
        tx.commit().await?;
        let left_with_old = self.attempted_unfinished(sub, &from).await?;
        Ok(Some(MoveReport {
            from,
            to: to.clone(),
            left_with_old,
        }))
    }

    /// Unfinished journal entries of `sub` that `account` attempted (and so finishes).
    pub async fn attempted_unfinished(
        &self,
        sub: &SubredditName,
        account: &ServingAccount,
    ) -> Result<i64> {
        let row = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM journal WHERE account = $1 AND state IN ($2, $3) \
               AND {} = $4",
            super::journal::subreddit_of_entry("journal")
        ))
        .bind(account.stored())
        .bind(Text(EffectState::Pending))
        .bind(Text(EffectState::InFlight))
        .bind(sub.key())
        .fetch_one(self.pool())
        .await?;
        get(&row, "journal", "n")
    }
}

/// [`Store::account_loads`] on one connection (a sign-up's transaction reads them there).
pub(crate) async fn account_loads_on(
    conn: &mut sqlx::AnyConnection,
    appeals_since: DateTime<Utc>,
) -> Result<HashMap<ServingAccount, AccountLoad>> {
    let mut out: HashMap<ServingAccount, AccountLoad> = HashMap::new();
    let subs =
        sqlx::query("SELECT bot_account, COUNT(*) AS n FROM subreddits GROUP BY bot_account")
            .fetch_all(&mut *conn)
            .await?;
    for r in &subs {
        let account: String = get(r, "subreddits", "bot_account")?;
        let n: i64 = get(r, "subreddits", "n")?;
        out.entry(ServingAccount::from_stored(&account)?)
            .or_default()
            .subreddits = n;
    }
    let appeals = sqlx::query(
        "SELECT s.bot_account, COUNT(*) AS n FROM appeals p \
         JOIN appellants a ON a.id = p.appellant_id JOIN subreddits s ON s.name = a.subreddit \
         WHERE p.created_at >= $1 GROUP BY s.bot_account",
    )
    .bind(Millis(appeals_since))
    .fetch_all(&mut *conn)
    .await?;
    for r in &appeals {
        let account: String = get(r, "subreddits", "bot_account")?;
        let n: i64 = get(r, "subreddits", "n")?;
        out.entry(ServingAccount::from_stored(&account)?)
            .or_default()
            .appeals = n;
    }
    Ok(out)
}

/// Sets the account serving `sub` (a sign-up's, a move's, or a test's assignment).
pub(crate) async fn set_account(
    conn: &mut sqlx::AnyConnection,
    sub: &SubredditName,
    account: &ServingAccount,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE subreddits SET bot_account = $2, updated_at = $3 WHERE name = $1")
        .bind(sub.key())
        .bind(account.stored())
        .bind(Millis(now))
        .execute(conn)
        .await?;
    Ok(())
}
