//! `POST /dashboard/r/{sub}/results/plan`: *Calculate* shows the number of appeals the
//! choices need; *Freeze* stores them as the next version of the subreddit's analysis plan
//! (audited), or shows what is wrong with them. A frozen version is never changed.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};

use appealmod_core::readout::plan::Plan;

use appealmod_shared::fingerprint::Fingerprint;

use super::PLAN_FORM;
use super::data::{PeriodChoice, fraction_now};
use super::plan::{PlanInput, plan_error};
use super::results_get::subreddit_page;
use crate::console::access::Cleared;
use crate::errors::{PageError, render};
use crate::routes::dashboard::subreddit_post;
use crate::startup::AppState;

/// The results page again, with the form as posted and `errors` beside its fields.
async fn again(
    state: &AppState,
    cleared: &Cleared,
    now: chrono::DateTime<chrono::Utc>,
    status: StatusCode,
    input: PlanInput,
    errors: Vec<(&'static str, String)>,
) -> Result<HttpResponse, PageError> {
    let page = subreddit_page(
        state,
        cleared,
        PeriodChoice::All,
        now,
        Some((input, errors)),
    )
    .await?;
    Ok(render(status, &page))
}

pub async fn post(
    req: HttpRequest,
    payload: web::Payload,
    session: Session,
    state: web::Data<AppState>,
    sub: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let here = format!("/dashboard/r/{sub}/results");
    let (form, cleared, now) =
        subreddit_post(&req, payload, &session, &state, &sub, &here, PLAN_FORM).await?;
    let input = PlanInput::from_form(&form);
    match form.get("action") {
        Some("calculate") => again(&state, &cleared, now, StatusCode::OK, input, Vec::new()).await,
        Some("freeze") => freeze(&state, &cleared, now, input).await,
        _ => Err(PageError::BadBody),
    }
}

async fn freeze(
    state: &AppState,
    cleared: &Cleared,
    now: chrono::DateTime<chrono::Utc>,
    input: PlanInput,
) -> Result<HttpResponse, PageError> {
    let bad = StatusCode::BAD_REQUEST;
    let choice = match input.parse() {
        Ok(c) => c,
        Err(errors) => return again(state, cleared, now, bad, input, errors).await,
    };
    let name = &cleared.subreddit.name;
    let user = &cleared.user.user;
    let history = state
        .store
        .fraction_history(name, state.defaults.treatment_fraction)
        .await?;
    let fraction = fraction_now(state, &history.segments());
    let previous = state.store.analysis_plan(name).await?;
    let plan = match Plan::freeze(name, choice, fraction, previous.as_ref(), user, now) {
        Ok(plan) => plan,
        Err(e) => return again(state, cleared, now, bad, input, vec![plan_error(&e)]).await,
    };
    if let Some(plan) = plan {
        if !state.store.freeze_plan(&plan, previous.as_ref()).await? {
            let taken = (
                "form",
                "Someone froze another version of the plan while you were choosing: look at it below before you freeze yours.".to_owned(),
            );
            return again(
                state,
                cleared,
                now,
                StatusCode::CONFLICT,
                input,
                vec![taken],
            )
            .await;
        }
        tracing::info!(slack = "main", subreddit = %name, moderator = %user,
            "r/{name}: analysis plan version {} frozen by u/{user} ({})", plan.version, plan.fingerprint());
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((
            LOCATION,
            format!("/dashboard/r/{}/results#plan", name.as_str()),
        ))
        .finish())
}
