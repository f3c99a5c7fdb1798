use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use appealmod_shared::domain::{SubredditName, may_use_console};
use appealmod_shared::storage::Queue;
use chrono::{DateTime, Utc};

use super::moment::Moment;
use super::{ConsoleNav, StatusView};
use crate::console::FRESH;
use crate::console::access::require_login;
use crate::errors::{PageError, render};
use crate::startup::AppState;

/// What waits for a subreddit's moderators: the appeals whose answers are in modmail and
/// have no decision yet, and since when the longest-waiting one waits.
pub struct QueueView {
    pub awaiting: i64,
    pub oldest: Option<Moment>,
}

impl QueueView {
    fn of(q: Queue, now: DateTime<Utc>) -> Self {
        Self {
            awaiting: q.awaiting,
            oldest: Moment::of(q.oldest, now),
        }
    }
}

/// A signed-up subreddit on the dashboard.
pub struct SubredditCard {
    pub status: StatusView,
    pub queue: QueueView,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub nav: ConsoleNav,
    pub signed_up: Vec<SubredditCard>,
    /// Subreddits the moderator could sign up.
    pub others: Vec<String>,
    /// Moderated without Mail or full permissions.
    pub not_eligible: Vec<String>,
    pub operator: bool,
}

/// The subreddits you moderate: their state and what waits for a decision, and a sign-up
/// button for the others. Operators see every subreddit the bot knows.
pub async fn page(session: Session, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let who = require_login(&state, &session, "/dashboard", now).await?;
    let operator = state
        .console
        .as_ref()
        .is_some_and(|c| c.is_operator(&who.user));
    let rows = state.store.moderated_by(&who.user).await?;
    // What Reddit said at the login, or the bot since, must be recent.
    if !rows.is_empty() && rows.iter().all(|r| now - r.seen_at > FRESH) && !operator {
        return Err(PageError::LoginRequired(crate::console::login_path(
            "/dashboard",
        )));
    }
    let bot = &state.bot_names;
    let mut signed_up: Vec<StatusView> = Vec::new();
    let mut others = Vec::new();
    let mut not_eligible = Vec::new();
    if operator {
        for s in state.store.subreddit_statuses().await? {
            signed_up.push(StatusView::of(&s, bot));
        }
    }
    for r in &rows {
        if !may_use_console(&r.permissions) {
            not_eligible.push(r.subreddit.to_string());
            continue;
        }
        match state.store.subreddit_status(&r.subreddit).await? {
            Some(_) if operator => {}
            Some(s) => signed_up.push(StatusView::of(&s, bot)),
            None => others.push(r.subreddit.to_string()),
        }
    }
    let names: Vec<SubredditName> = signed_up
        .iter()
        .filter_map(|s| SubredditName::parse(&s.name).ok())
        .collect();
    let mut queues = state.store.attention_queues(&names).await?;
    let signed_up = signed_up
        .into_iter()
        .map(|status| {
            let q = queues.remove(&status.name.to_ascii_lowercase());
            SubredditCard {
                queue: QueueView::of(q.unwrap_or_default(), now),
                status,
            }
        })
        .collect();
    let page = DashboardPage {
        nav: ConsoleNav::new(&state, &who, now),
        signed_up,
        others,
        not_eligible,
        operator,
    };
    Ok(render(StatusCode::OK, &page))
}
