use actix_session::Session;
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use serde::Deserialize;

use crate::console::{begin_login, safe_next};
use crate::errors::PageError;
use crate::startup::AppState;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Sends the browser to Reddit's consent page with a fresh, single-use `state` bound to
/// this browser's session (checked by the callback). Each client may start
/// `web.login_rate_per_minute` logins a minute.
pub async fn start(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    q: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let console = state.console.as_ref().ok_or(PageError::ConsoleOff)?;
    super::admit(&state.login_limits.starts, &req, &state, "login")?;
    let nonce: [u8; 24] = rand::rng().random();
    let oauth_state = URL_SAFE_NO_PAD.encode(nonce);
    begin_login(&session, &oauth_state, &safe_next(q.next.as_deref()))
        .map_err(PageError::Unexpected)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, console.login.authorize_url(&oauth_state)))
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish())
}
