use actix_session::Session;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};

use appealmod_shared::domain::SubredditState;

use super::subreddit_post;
use crate::errors::PageError;
use crate::startup::AppState;

/// Pause, resume, or "check now" (the bot re-checks its standing at its next pass).
pub async fn change(
    req: HttpRequest,
    payload: web::Payload,
    session: Session,
    state: web::Data<AppState>,
    sub: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let here = format!("/dashboard/r/{sub}");
    let (form, cleared, now) =
        subreddit_post(&req, payload, &session, &state, &sub, &here, "state").await?;
    let name = &cleared.subreddit.name;
    let user = &cleared.user.user;
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
