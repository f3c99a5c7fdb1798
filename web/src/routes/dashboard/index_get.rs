use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use appealmod_shared::domain::may_use_console;

use super::{ConsoleNav, StatusView, bot_name};
use crate::console::FRESH;
use crate::console::access::require_login;
use crate::errors::{PageError, render};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub nav: ConsoleNav,
    pub signed_up: Vec<StatusView>,
    /// Subreddits the moderator could sign up.
    pub others: Vec<String>,
    /// Moderated without Mail or full permissions.
    pub not_eligible: Vec<String>,
    pub operator: bool,
}

/// The subreddits you moderate: their state, and a sign-up button for the others.
/// Operators see every subreddit the bot knows.
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
    let bot = bot_name(&state);
    let mut signed_up = Vec::new();
    let mut others = Vec::new();
    let mut not_eligible = Vec::new();
    if operator {
        for s in state.store.subreddit_statuses().await? {
            signed_up.push(StatusView::of(&s, &bot));
        }
    }
    for r in &rows {
        if !may_use_console(&r.permissions) {
            not_eligible.push(r.subreddit.to_string());
            continue;
        }
        match state.store.subreddit_status(&r.subreddit).await? {
            Some(_) if operator => {}
            Some(s) => signed_up.push(StatusView::of(&s, &bot)),
            None => others.push(r.subreddit.to_string()),
        }
    }
    let page = DashboardPage {
        nav: ConsoleNav::new(&state, &who, now),
        signed_up,
        others,
        not_eligible,
        operator,
    };
    Ok(render(StatusCode::OK, &page))
}
