use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::settings_get::{page_for, stored};
use super::subreddit_post;
use crate::console::form_preview;
use crate::console::settings_form::parse;
use crate::errors::{PageError, render};
use crate::startup::AppState;
use appealmod_core::domain::Language;

/// The settings form's "See the form as appellants will": the questions as posted (saved or
/// not, in the posted order) as the appeal form shows them; nothing is saved. Questions that
/// cannot be asked as posted get the settings page again with their problems named.
pub async fn preview(
    req: HttpRequest,
    payload: web::Payload,
    session: Session,
    state: web::Data<AppState>,
    sub: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let here = format!("/dashboard/r/{sub}/settings");
    let (form, cleared, now) =
        subreddit_post(&req, payload, &session, &state, &sub, &here, "settings").await?;
    let current = stored(&state, &cleared).await?;
    let parsed = parse(&form, &current, &state.defaults);
    if let Some(qs) = parsed.questions {
        // In the language chosen on the page (saved or not), else the one in effect.
        let language = match Language::ALL
            .into_iter()
            .find(|l| l.code() == parsed.view.language)
        {
            Some(l) => l,
            None => {
                state
                    .settings_in_effect(&cleared.subreddit.name)
                    .await?
                    .language
            }
        };
        return form_preview::page(&cleared.subreddit.name, &qs, language, now);
    }
    let errors = parsed
        .errors
        .into_iter()
        .filter(|e| {
            e.anchor.starts_with('q') && e.anchor[1..].starts_with(|c: char| c.is_ascii_digit())
        })
        .collect();
    let page = page_for(&state, &cleared, parsed.view, errors, None, true, now).await?;
    Ok(render(StatusCode::BAD_REQUEST, &page))
}
