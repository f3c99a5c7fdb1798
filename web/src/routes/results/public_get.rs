//! `GET /r/{sub}/results` and `/r/{sub}/results.md`: the public debrief, no login. Only
//! for a subreddit that turned it on in its console settings (off by default); for any
//! other name, known or not, the site's 404. Aggregate only: `core::readout::debrief`
//! withholds every count of 5 or fewer and what would reveal one; no username and no
//! conversation id is in the rows the page is computed from that it prints.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use askama::Template;

use appealmod_core::readout;
use appealmod_shared::domain::SubredditName;

use super::data::{PeriodChoice, rules, subreddit_rows};
use super::debrief::DebriefView;
use crate::errors::{PageError, render};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "public_results.html")]
pub struct PublicPage {
    pub d: DebriefView,
}

/// Whether `name` publishes its debrief: the subreddit's console setting, resolved over
/// the configured default (off).
pub async fn public_debrief(state: &AppState, name: &SubredditName) -> Result<bool, PageError> {
    Ok(state.settings_in_effect(name).await?.public_debrief)
}

/// The debrief of `sub`, all time, or the 404 when it is not published.
async fn published(state: &AppState, sub: &str) -> Result<DebriefView, PageError> {
    let name = SubredditName::parse(sub).map_err(|_| PageError::NotFound)?;
    let Some(status) = state.store.subreddit_status(&name).await? else {
        return Err(PageError::NotFound);
    };
    if !public_debrief(state, &status.name).await? {
        return Err(PageError::NotFound);
    }
    let now = state.clock.now();
    let rows = subreddit_rows(state, &status.name, PeriodChoice::All, now)
        .await?
        .rows;
    let plan = state.store.analysis_plan(&status.name).await?;
    let rules = rules(state, now);
    let readout = readout::compute(&rows, &rules);
    Ok(DebriefView::of(
        status.name.as_str(),
        &rows,
        &readout,
        &rules,
        plan.as_ref(),
    ))
}

pub async fn page(
    state: web::Data<AppState>,
    sub: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let d = published(&state, &sub).await?;
    Ok(render(StatusCode::OK, &PublicPage { d }))
}

pub async fn markdown(
    state: web::Data<AppState>,
    sub: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let d = published(&state, &sub).await?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/markdown; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(d.markdown))
}
