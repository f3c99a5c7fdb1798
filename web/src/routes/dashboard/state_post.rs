use actix_session::Session;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use appealmod_shared::domain::SubredditState;

use crate::console::access::{clear_for, require_login};
use crate::console::form_id;
use crate::csrf::check_origin;
use crate::errors::PageError;
use crate::form::FormData;
use crate::startup::AppState;

/// Pause, resume, or "check now" (the bot re-checks its standing at its next pass).
pub async fn change(
    req: HttpRequest,
    payload: web::Payload,
    session: Session,
    state: web::Data<AppState>,
    sub: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    check_origin(&req, &state.public_origin)?;
    let form = FormData::read(&req, payload, state.body_timeout).await?;
    let now = Utc::now();
    let here = format!("/dashboard/r/{sub}");
    let who = require_login(&state, &session, &here, now)?;
    let cleared = clear_for(&state, who, &sub, &here, now).await?;
    let name = &cleared.subreddit.name;
    let user = &cleared.user.user;
    state.csrf.verify(
        &form_id(&format!("state:{}", name.key()), user),
        form.get("csrf"),
        now,
    )?;
    match form.get("action") {
        Some("pause") => {
            if state
                .store
                .set_subreddit_state(name, SubredditState::Paused, user.as_str(), now)
                .await?
            {
                tracing::info!(slack = "main", subreddit = %name, moderator = %user, "r/{name} paused by u/{user}");
            }
        }
        Some("resume") => {
            if state
                .store
                .set_subreddit_state(name, SubredditState::Active, user.as_str(), now)
                .await?
            {
                tracing::info!(slack = "main", subreddit = %name, moderator = %user, "r/{name} resumed by u/{user}");
            }
        }
        Some("check") => state.store.request_check(name, now).await?,
        _ => return Err(PageError::BadBody),
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/dashboard/r/{}", name.as_str())))
        .finish())
}
