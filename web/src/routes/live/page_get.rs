use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::view::{LiveView, Scope, access};
use crate::console::when;
use crate::errors::{PageError, render};
use crate::middleware::with_own_script;
use crate::routes::dashboard::ConsoleNav;
use crate::routes::results::{AlarmView, rules};
use crate::routes::static_files::LIVE_JS;
use crate::startup::AppState;

#[derive(Deserialize)]
pub struct LiveQuery {
    pub r: Option<String>,
}

/// A subreddit the page offers to narrow the view to.
pub struct Choice {
    pub name: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "console_live.html")]
pub struct LivePage {
    pub nav: ConsoleNav,
    pub view: LiveView,
    /// The subreddit of `?r=`.
    pub one: Option<String>,
    pub choices: Vec<Choice>,
    pub operator: bool,
    /// Where the script listens.
    pub events_url: String,
    /// When these numbers were read.
    pub as_of: String,
    /// `/static/live.js?v=…`: a new script is a new URL, so it can be cached for long.
    pub script_version: String,
    /// Split alarms the bot raised for the subreddits in view (shown as of the page's load).
    pub alarms: Vec<AlarmView>,
}

/// The live view: totals, the last 30 days and recent activity of every subreddit the
/// user may watch, or of `?r=`. Rendered complete; the script only keeps it current.
pub async fn page(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    q: web::Query<LiveQuery>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let here = req.uri().to_string();
    let a = access(&state, &session, &here, q.r.as_deref(), now).await?;
    let view = LiveView::load(
        &state.store,
        &a.scope,
        &rules(&state, now),
        state.live.settings.activity,
        &state.modmail,
    )
    .await?;
    let alarms = state
        .store
        .split_alarms()
        .await?
        .iter()
        .filter(|alarm| match &a.scope {
            Scope::All => true,
            Scope::Only(list) => list.contains(&alarm.subreddit),
        })
        .map(AlarmView::of)
        .collect();
    let one = a.one.as_ref().map(ToString::to_string);
    let events_url = match &a.one {
        Some(s) => format!("/dashboard/live/events?r={s}"),
        None => "/dashboard/live/events".to_owned(),
    };
    let page = LivePage {
        nav: ConsoleNav::new(&state, &a.user, now),
        view,
        choices: a
            .choices
            .iter()
            .map(|c| Choice {
                name: c.to_string(),
                current: a.one.as_ref() == Some(c),
            })
            .collect(),
        one,
        operator: matches!(a.scope, Scope::All),
        events_url,
        as_of: when(Some(now)),
        script_version: LIVE_JS.version(),
        alarms,
    };
    Ok(with_own_script(render(StatusCode::OK, &page)))
}
