//! Who may see and change a subreddit's console: its moderators with Mail or full
//! permissions, as Reddit showed them within the last hour, and the operators. Everyone
//! else gets the same 404, whether or not the subreddit is signed up.

use actix_session::Session;
use chrono::{DateTime, Utc};

use appealmod_shared::domain::{RedditUsername, SubredditName, may_use_console};
use appealmod_shared::storage::{ModeratorSeen, SubredditStatus};

use super::{FRESH, LoggedIn, logged_in, login_path};
use crate::errors::PageError;
use crate::startup::AppState;

/// A moderator (or operator) cleared for one subreddit's console.
#[derive(Debug, Clone)]
pub struct Cleared {
    pub user: LoggedIn,
    pub subreddit: SubredditStatus,
    pub is_operator: bool,
}

/// The logged-in moderator (a live session), or a redirect to the login (back to `here`
/// afterwards).
pub async fn require_login(
    state: &AppState,
    session: &Session,
    here: &str,
    now: DateTime<Utc>,
) -> Result<LoggedIn, PageError> {
    let console = state.console.as_ref().ok_or(PageError::ConsoleOff)?;
    logged_in(&state.store, console, session, now)
        .await?
        .ok_or_else(|| PageError::LoginRequired(login_path(here)))
}

/// Whether a moderator row still says "may use the console": fresh, Mail or full.
pub fn fresh_and_allowed(row: &ModeratorSeen, now: DateTime<Utc>) -> Option<bool> {
    (now - row.seen_at <= FRESH).then(|| may_use_console(&row.permissions))
}

/// A page or form post of `sub`'s console: the logged-in user (else to the login, back to
/// `here` afterwards), cleared for `sub` (else the console's 404).
pub async fn clear_page(
    state: &AppState,
    session: &Session,
    sub: &str,
    here: &str,
    now: DateTime<Utc>,
) -> Result<Cleared, PageError> {
    let who = require_login(state, session, here, now).await?;
    clear_for(state, who, sub, here, now).await
}

/// Clears `user` for `sub`'s console or answers 404 (or, when the record of their
/// moderator status is stale, sends them to log in again).
pub async fn clear_for(
    state: &AppState,
    user: LoggedIn,
    sub: &str,
    here: &str,
    now: DateTime<Utc>,
) -> Result<Cleared, PageError> {
    let console = state.console.as_ref().ok_or(PageError::ConsoleOff)?;
    let name = SubredditName::parse(sub).map_err(|_| PageError::NotFound)?;
    let status = state.store.subreddit_status(&name).await?;
    let is_operator = console.is_operator(&user.user);
    let allowed = if is_operator {
        true
    } else {
        moderator_allowed(state, &user.user, &name, here, now).await?
    };
    match (allowed, status) {
        (true, Some(subreddit)) => {
            state.store.note_console_use(&subreddit.name, now).await?;
            Ok(Cleared {
                user,
                subreddit,
                is_operator,
            })
        }
        _ => Err(PageError::NotFound),
    }
}

async fn moderator_allowed(
    state: &AppState,
    user: &RedditUsername,
    sub: &SubredditName,
    here: &str,
    now: DateTime<Utc>,
) -> Result<bool, PageError> {
    match state.store.moderator_of(user, sub).await? {
        None => Ok(false),
        Some(row) => match fresh_and_allowed(&row, now) {
            Some(allowed) => Ok(allowed),
            // Seen, but too long ago: Reddit is asked again (a login is one click).
            None => Err(PageError::LoginRequired(login_path(here))),
        },
    }
}
