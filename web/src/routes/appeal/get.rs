use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};

use super::{AppealPage, AppealStatusPage, find_appeal, form_id, questions, questions_for};
use crate::errors::{PageError, render};
use crate::startup::AppState;

/// The form while the appeal waits for it; where the appeal stands once it was submitted,
/// whether or not the link's time is up.
pub async fn form(
    req: HttpRequest,
    token: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let linked = find_appeal(&state, &token, now).await?;
    let appeal = &linked.appeal;
    if appeal.submitted_at.is_some() {
        return Ok(render(
            StatusCode::OK,
            &AppealStatusPage::new(appeal, false, &state.modmail)
                .with_decision(state.store.decision_record(appeal.id).await?),
        ));
    }
    if linked.expired {
        return Err(linked.expired_error(&state).await?);
    }
    // Only the first open counts; skipping the write afterwards keeps reloads read-only.
    // A HEAD shows nobody the form (link checkers, monitoring), so it is no open either.
    if appeal.opened_at.is_none() && req.method() != Method::HEAD {
        state.store.mark_appeal_opened(appeal.id, now).await?;
    }
    let qs = questions_for(&state, appeal).await?;
    let views = questions::blank(&qs);
    let csrf = state.csrf.issue(&form_id(appeal.id), now);
    Ok(render(
        StatusCode::OK,
        &AppealPage::new(appeal, csrf, views),
    ))
}
