use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use super::{AppealDone, AppealPage, find_appeal, form_id, questions, questions_for};
use crate::errors::{PageError, render};
use crate::startup::AppState;

pub async fn form(
    req: HttpRequest,
    token: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let now = Utc::now();
    let appeal = find_appeal(&state, &token, now).await?;
    if appeal.submitted_at.is_some() {
        let page = AppealDone {
            subreddit: appeal.subreddit.to_string(),
            just_now: false,
        };
        return Ok(render(StatusCode::OK, &page));
    }
    // Only the first open counts; skipping the write afterwards keeps reloads read-only.
    // A HEAD shows nobody the form (link checkers, monitoring), so it is no open either.
    if appeal.opened_at.is_none() && req.method() != Method::HEAD {
        state.store.mark_appeal_opened(appeal.id, now).await?;
    }
    let qs = questions_for(&state, &appeal).await?;
    let views = questions::blank(&qs);
    let csrf = state.csrf.issue(&form_id(&appeal), now);
    Ok(render(
        StatusCode::OK,
        &AppealPage::new(&appeal, csrf, views),
    ))
}
