use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use appealmod_shared::domain::FormAnswers;
use appealmod_shared::storage::SubmitOutcome;

use super::{AppealDone, AppealPage, find_appeal, form_id, questions, questions_for};
use crate::csrf::check_origin;
use crate::errors::{PageError, render};
use crate::form::FormData;
use crate::startup::AppState;

pub async fn submit(
    req: HttpRequest,
    token: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    check_origin(&req, &state.public_origin)?;
    let form = FormData::read(&req, payload, state.body_timeout).await?;
    let now = Utc::now();
    let appeal = find_appeal(&state, &token, now).await?;
    state
        .csrf
        .verify(&form_id(&appeal), form.get("csrf"), now)?;
    let done = |just_now| AppealDone {
        subreddit: appeal.subreddit.to_string(),
        just_now,
    };
    if appeal.submitted_at.is_some() {
        return Ok(render(StatusCode::CONFLICT, &done(false)));
    }
    let qs = questions_for(&state, &appeal).await?;
    let answers = match questions::evaluate(&qs, &form) {
        Ok(answers) => answers,
        Err(views) => {
            let csrf = state.csrf.issue(&form_id(&appeal), now);
            let page = AppealPage::new(&appeal, csrf, views);
            return Ok(render(StatusCode::BAD_REQUEST, &page));
        }
    };
    let form_answers = FormAnswers {
        answers,
        opened_at: appeal.opened_at,
        submitted_at: now,
    };
    // The store accepts exactly one submission per appeal, even when two race.
    match state.store.submit_form(appeal.id, &form_answers).await? {
        SubmitOutcome::Accepted => {
            tracing::info!(
                subreddit = %appeal.subreddit,
                conversation_id = %appeal.conversation_id,
                appeal_id = appeal.id.0,
                "appeal form submitted"
            );
            Ok(render(StatusCode::OK, &done(true)))
        }
        SubmitOutcome::AlreadyReceived => Ok(render(StatusCode::CONFLICT, &done(false))),
    }
}
