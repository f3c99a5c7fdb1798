use actix_session::Session;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use crate::console::{form_id, logged_in};
use crate::csrf::check_origin;
use crate::errors::PageError;
use crate::form::FormData;
use crate::startup::AppState;

/// Ends the session (the cookie is removed) and goes to the home page.
pub async fn logout(
    req: HttpRequest,
    payload: web::Payload,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    check_origin(&req, &state.public_origin)?;
    let form = FormData::read(&req, payload, state.body_timeout).await?;
    let console = state.console.as_ref().ok_or(PageError::ConsoleOff)?;
    let now = Utc::now();
    if let Some(who) = logged_in(&session, console.session_ttl, now) {
        state
            .csrf
            .verify(&form_id("logout", &who.user), form.get("csrf"), now)?;
    }
    session.purge();
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/"))
        .finish())
}
