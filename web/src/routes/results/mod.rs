//! The experiment's readout for moderators (their subreddit) and operators (all):
//! `/dashboard/results`, `/dashboard/r/{sub}/results` and the exports, the analysis plan's
//! form (`plan`, `plan_post`), and the public debrief at `/r/{sub}/results` (`debrief`,
//! `public_get`).
//!
//! `data` picks the rows (subreddit, period) through the store, `core::readout` computes,
//! `view` formats and `charts` draws; the handlers only glue them together. Access is the
//! console's: a subreddit's pages need its moderator or an operator, the overview an
//! operator, and everyone else gets the same 404.

pub mod charts;
mod data;
mod debrief;
mod export_get;
mod plan;
mod plan_post;
mod public_get;
mod results_get;
mod view;

use actix_web::web;
use chrono::{DateTime, Utc};

use appealmod_shared::domain::{RedditUsername, SubredditName};

pub(crate) use data::rules;
pub(crate) use view::{AlarmView, AnswerView};

use super::get_or_head;
use crate::console::LoggedIn;
use crate::console::access::fresh_and_allowed;
use crate::errors::PageError;
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/dashboard/results").route(get_or_head().to(results_get::overall)))
        .service(
            web::resource("/dashboard/export.{ext}").route(get_or_head().to(export_get::overall)),
        )
        .service(
            web::resource("/dashboard/r/{sub}/results")
                .route(get_or_head().to(results_get::subreddit)),
        )
        .service(
            web::resource("/dashboard/r/{sub}/export.{ext}")
                .route(get_or_head().to(export_get::subreddit)),
        )
        .service(
            web::resource("/dashboard/r/{sub}/results/plan").route(web::post().to(plan_post::post)),
        )
        .service(web::resource("/r/{sub}/results").route(get_or_head().to(public_get::page)))
        .service(
            web::resource("/r/{sub}/results.md").route(get_or_head().to(public_get::markdown)),
        );
}

/// The plan form's name in its CSRF token.
pub(crate) const PLAN_FORM: &str = "plan";

/// The overview is the operators'; anyone else gets the console's 404.
fn require_operator(state: &AppState, who: &LoggedIn) -> Result<(), PageError> {
    let console = state.console.as_ref().ok_or(PageError::ConsoleOff)?;
    if console.is_operator(&who.user) {
        Ok(())
    } else {
        Err(PageError::NotFound)
    }
}

/// Real usernames leave the site only for a moderator of that subreddit (seen with Mail or
/// full permissions within the hour), never because someone is an operator.
async fn may_see_real_names(
    state: &AppState,
    user: &RedditUsername,
    sub: &SubredditName,
    now: DateTime<Utc>,
) -> Result<bool, PageError> {
    let row = state.store.moderator_of(user, sub).await?;
    Ok(row.is_some_and(|r| fresh_and_allowed(&r, now) == Some(true)))
}
