//! `/signup`: a logged-in moderator signs up a subreddit they moderate (Mail or full
//! permissions, as Reddit showed it within the hour). The page offers only those, and a
//! refusal reads the same whether or not someone else signed the subreddit up.

pub mod get;
pub mod post;

use std::collections::HashMap;

use askama::Template;
use chrono::{DateTime, Utc};

use appealmod_core::share::{Load, most_headroom};
use appealmod_shared::domain::{SubredditName, may_use_console};
use appealmod_shared::storage::{AccountLoad, ServingAccount};

use crate::console::{FRESH, LoggedIn};
use crate::errors::PageError;
use crate::routes::dashboard::ConsoleNav;
use crate::startup::AppState;

/// One subreddit the moderator may sign up.
pub struct Offer {
    pub name: String,
    pub signed_up: bool,
}

#[derive(Template)]
#[template(path = "signup.html")]
pub struct SignupPage {
    pub nav: ConsoleNav,
    pub csrf: String,
    pub offers: Vec<Offer>,
    pub chosen: String,
    pub email: String,
    pub error: Option<String>,
    pub bot_username: String,
    pub permissions: String,
}

/// How far back an account's appeals count for its load.
const LOAD_WINDOW: chrono::Duration = chrono::Duration::days(7);

/// The account a subreddit signed up now is assigned: the one with the most headroom
/// (`core::share::most_headroom`: fewest appeals in the last week, then fewest
/// subreddits, then the first configured). What the sign-up page names; the sign-up
/// itself chooses again in its transaction ([`choose_account`]).
pub async fn next_account(
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<ServingAccount, PageError> {
    let loads = state.store.account_loads(now - LOAD_WINDOW).await?;
    Ok(choose_account(state, &loads))
}

/// The configured account with the most headroom, given every account's load.
pub fn choose_account(
    state: &AppState,
    loads: &HashMap<ServingAccount, AccountLoad>,
) -> ServingAccount {
    let pool: Vec<(ServingAccount, Load)> = state
        .bot_names
        .accounts()
        .into_iter()
        .map(|a| {
            let l = loads.get(&a).copied().unwrap_or_default();
            let load = Load {
                appeals: l.appeals,
                subreddits: l.subreddits,
            };
            (a, load)
        })
        .collect();
    most_headroom(&pool)
        .cloned()
        .unwrap_or(ServingAccount::Default)
}

/// Form id the CSRF token is bound to (with the moderator it was issued to).
pub const FORM_ID: &str = "signup";

/// The subreddits `who` may sign up, by name: moderated with Mail or full permissions,
/// seen within the hour. `None` when all of it is too old (log in again).
pub async fn eligible(
    state: &AppState,
    who: &LoggedIn,
    now: DateTime<Utc>,
) -> Result<Option<Vec<SubredditName>>, PageError> {
    let rows = state.store.moderated_by(&who.user).await?;
    let fresh: Vec<_> = rows.iter().filter(|r| now - r.seen_at <= FRESH).collect();
    if !rows.is_empty() && fresh.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        fresh
            .into_iter()
            .filter(|r| may_use_console(&r.permissions))
            .map(|r| r.subreddit.clone())
            .collect(),
    ))
}
