use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};

use super::{AppealPage, find_appeal, form_id, language_of, questions, questions_for, status_page};
use crate::errors::{PageError, render};
use crate::i18n::requested;
use crate::startup::AppState;

/// The form while the appeal waits for it; where the appeal stands once it was submitted,
/// whether or not the link's time is up. A link that opens neither gets its page in the
/// appeal's language, or the browser's when the link names no appeal.
pub async fn form(
    req: HttpRequest,
    token: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    show(&req, &token, &state)
        .await
        .unwrap_or_else(|e| e.response_in(requested(req.headers())))
}

async fn show(req: &HttpRequest, token: &str, state: &AppState) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let linked = find_appeal(state, token, now).await?;
    let appeal = &linked.appeal;
    if appeal.submitted_at.is_some() {
        let lang = language_of(state, appeal).await?;
        return Ok(render(
            StatusCode::OK,
            &status_page(state, appeal, lang).await?,
        ));
    }
    if linked.expired {
        return Err(linked.expired_error(state).await?);
    }
    // Only the first open counts; skipping the write afterwards keeps reloads read-only.
    // A HEAD shows nobody the form (link checkers, monitoring), so it is no open either.
    if appeal.opened_at.is_none() && req.method() != Method::HEAD {
        state.store.mark_appeal_opened(appeal.id, now).await?;
    }
    let (qs, lang) = questions_for(state, appeal).await?;
    let views = questions::blank(&qs, lang);
    let csrf = state.csrf.issue(&form_id(appeal.id), now);
    Ok(render(
        StatusCode::OK,
        &AppealPage::new(appeal, csrf, views, lang),
    ))
}
