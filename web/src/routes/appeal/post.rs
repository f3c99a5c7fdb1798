use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};

use appealmod_core::toxicity::AssessedForm;
use appealmod_shared::domain::{FormAnswers, Language};
use appealmod_shared::storage::SubmitOutcome;

use super::{
    AppealPage, AppealStatusPage, find_appeal, form_id, language_of, questions, questions_for,
    status_page, unsaved, user_url,
};
use crate::csrf::check_origin;
use crate::errors::{PageError, render};
use crate::form::FormData;
use crate::i18n::requested;
use crate::startup::AppState;

/// A failure's page is in the appeal's language, or the browser's when the post names no
/// appeal (see `get::form`).
pub async fn submit(
    req: HttpRequest,
    token: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let browser = requested(req.headers());
    receive(&req, &token, payload, &state, browser)
        .await
        .unwrap_or_else(|e| e.response_in(browser))
}

async fn receive(
    req: &HttpRequest,
    token: &str,
    payload: web::Payload,
    state: &AppState,
    browser: Language,
) -> Result<HttpResponse, PageError> {
    check_origin(req, &state.public_origin)?;
    let form = FormData::read(req, payload, state.body_timeout).await?;
    let now = state.clock.now();
    // Without the database the answers go back to the appellant, never into the void.
    match store(state, token, &form, now).await {
        Err(PageError::Unavailable) => unsaved::answer(state, token, &form, now, browser),
        other => other,
    }
}

/// Checks the link, the form token and the answers, and stores them.
async fn store(
    state: &AppState,
    token: &str,
    form: &FormData,
    now: DateTime<Utc>,
) -> Result<HttpResponse, PageError> {
    let linked = find_appeal(state, token, now).await?;
    let appeal = &linked.appeal;
    if linked.expired && appeal.submitted_at.is_none() {
        return Err(linked.expired_error(state).await?);
    }
    state
        .csrf
        .verify(&form_id(appeal.id), form.get("csrf"), now)?;
    if appeal.submitted_at.is_some() {
        let lang = language_of(state, appeal).await?;
        let page = status_page(state, appeal, lang).await?;
        return Ok(render(StatusCode::CONFLICT, &page));
    }
    let (qs, lang) = questions_for(state, appeal).await?;
    let answers = match questions::evaluate(&qs, form, lang) {
        Ok(answers) => answers,
        Err(views) => {
            let csrf = state.csrf.issue(&form_id(appeal.id), now);
            let page = AppealPage::new(appeal, csrf, views, lang);
            return Ok(render(StatusCode::BAD_REQUEST, &page));
        }
    };
    // Assessed before it is stored: the store records the findings with the submission.
    let form = AssessedForm::of(FormAnswers {
        answers,
        opened_at: appeal.opened_at,
        submitted_at: now,
    });
    // The store accepts exactly one submission per appeal, even when two race; it is one
    // transaction, so a database lost on the way stores nothing.
    match state.store.submit_form(appeal.id, &form).await? {
        SubmitOutcome::Accepted => {
            tracing::info!(
                subreddit = %appeal.subreddit,
                conversation_id = %appeal.conversation_id,
                appeal_id = appeal.id.0,
                "appeal form submitted"
            );
            // The page shows the appeal as stored now: received today, not yet passed on.
            let mut stored = appeal.clone();
            stored.submitted_at = Some(now);
            Ok(render(
                StatusCode::OK,
                &AppealStatusPage::new(&stored, true, user_url(state, appeal).await?, lang),
            ))
        }
        SubmitOutcome::AlreadyReceived => {
            // Another request won the race: show what is stored, not what this one sent.
            let current = state
                .store
                .appeal(appeal.id)
                .await?
                .unwrap_or_else(|| appeal.clone());
            // `current` is this appeal as stored: its conversation, and so its link, is the same.
            let page = status_page(state, &current, lang).await?;
            Ok(render(StatusCode::CONFLICT, &page))
        }
    }
}
