use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::settings_get::{page_for, stored};
use super::subreddit_post;
use crate::console::form_preview;
use crate::console::settings_form::{parse, view_of};
use crate::errors::{PageError, render};
use crate::middleware::with_own_script;
use crate::startup::AppState;

/// Preview (`action=preview`: shows the posted messages rendered, saves nothing), a
/// question moved (`move=up:3`: the form again in the new order, saves nothing) or save:
/// every field checked, the error summary when anything is wrong, else stored with one
/// audit line per changed field. The bot reads the new settings at its next pass.
pub async fn save(
    req: HttpRequest,
    payload: web::Payload,
    session: Session,
    state: web::Data<AppState>,
    sub: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let here = format!("/dashboard/r/{sub}/settings");
    let (form, cleared, now) =
        subreddit_post(&req, payload, &session, &state, &sub, &here, "settings").await?;
    let name = &cleared.subreddit.name;
    let user = &cleared.user.user;
    let current = stored(&state, &cleared).await?;
    let parsed = parse(&form, &current, &state.defaults);
    // A move button (even one whose value is no move) only shows the form again.
    let shown_only = form.get("action") == Some("preview") || form.get("move").is_some();
    let settings = match parsed.settings {
        Some(s) if !shown_only => s,
        settings => {
            let status = if parsed.errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            let unsaved = settings.as_ref() != Some(&current);
            let page = page_for(
                &state,
                &cleared,
                parsed.view,
                parsed.errors,
                None,
                unsaved,
                now,
            )
            .await?;
            return Ok(with_own_script(render(status, &page)));
        }
    };
    let changes = state
        .store
        .update_settings(&settings, user.as_str(), now)
        .await?;
    for c in &changes {
        tracing::info!(slack = "main", subreddit = %name, moderator = %user, field = %c.field, "console setting changed");
    }
    let view = view_of(&stored(&state, &cleared).await?, &state.defaults);
    let page = page_for(
        &state,
        &cleared,
        view,
        Vec::new(),
        Some(changes.len()),
        false,
        now,
    )
    .await?;
    Ok(with_own_script(render(StatusCode::OK, &page)))
}

/// The settings form's "See the form as appellants will": the questions as posted (saved or
/// not, in the posted order) as the appeal form shows them; nothing is saved. Questions that
/// cannot be asked as posted get the settings page again with their problems named.
pub async fn form_preview(
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
        // In the language chosen on the page (saved or not), else the one in effect (the
        // stored one, else the configured default, as `Defaults::resolve` has it).
        let language = parsed
            .language
            .unwrap_or(current.language.unwrap_or(state.defaults.language));
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
