use actix_session::Session;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::console::{end_session, form_id, logged_in};
use crate::csrf::check_origin;
use crate::errors::PageError;
use crate::form::FormData;
use crate::startup::AppState;

/// Ends the session on the server, so that no copy of the cookie works any more, removes
/// the cookie and goes to the home page.
pub async fn logout(
    req: HttpRequest,
    payload: web::Payload,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    check_origin(&req, &state.public_origin)?;
    let form = FormData::read(&req, payload, state.body_timeout).await?;
    let console = state.console.as_ref().ok_or(PageError::ConsoleOff)?;
    let now = state.clock.now();
    if let Some(who) = logged_in(&state.store, console, &session, now).await? {
        state
            .csrf
            .verify(&form_id("logout", &who.user), form.get("csrf"), now)?;
    }
    end_session(&state.store, &session, now).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/"))
        .finish())
}
