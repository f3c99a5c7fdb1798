use std::time::Instant;

use actix_session::Session;
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use appealmod_reddit::web_login::LoginError;

use crate::console::{safe_next, start_session, take_login};
use crate::errors::{LoginFailure, PageError};
use crate::startup::AppState;

#[derive(Deserialize)]
pub struct Callback {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

fn failure(e: &LoginError) -> LoginFailure {
    match e {
        LoginError::CodeRefused(_) => LoginFailure::CodeRefused,
        LoginError::BadClient => LoginFailure::Misconfigured,
        // The moderator unticked what the console needs.
        LoginError::Scope(_) => LoginFailure::Denied,
        LoginError::Unavailable(_) | LoginError::Decode(_) => LoginFailure::RedditDown,
    }
}

/// Reddit sends the moderator back here. The client's rate limit comes first; then the
/// `state` must be the one this browser's login started with (it is used up either way) —
/// nothing reaches Reddit before both hold. Then, within the site's ceiling of code
/// exchanges, the code becomes a token, the token tells who they are and what they
/// moderate, and the token is dropped.
pub async fn finish(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    q: web::Query<Callback>,
) -> Result<HttpResponse, PageError> {
    let console = state.console.as_ref().ok_or(PageError::ConsoleOff)?;
    super::admit(&state.login_limits.callbacks, &req, &state, "callback")?;
    let (expected, next) = take_login(&session);
    let matches = matches!((&expected, &q.state), (Some(e), Some(s)) if e == s);
    if !matches {
        return Err(PageError::LoginFailed(LoginFailure::BadState));
    }
    if q.error.is_some() {
        return Err(PageError::LoginFailed(LoginFailure::Denied));
    }
    let code = q.code.as_deref().filter(|c| !c.is_empty());
    let code = code.ok_or(PageError::LoginFailed(LoginFailure::BadState))?;
    let fail = |e: LoginError| {
        tracing::warn!(error = %e, "a console login failed");
        PageError::LoginFailed(failure(&e))
    };
    state
        .login_limits
        .exchanges
        .take((), Instant::now())
        .map_err(|retry_after| {
            tracing::warn!("token exchange ceiling reached; a login was refused");
            PageError::LoginRateLimited { retry_after }
        })?;
    let token = console.login.exchange(code).await.map_err(fail)?;
    let user = console.login.me(&token).await.map_err(fail)?;
    let moderated = console.login.moderated(&token).await.map_err(fail)?;
    drop(token);
    let now = state.clock.now();
    state.store.record_login(&user, &moderated, now).await?;
    start_session(&state.store, console, &session, &user, now).await?;
    tracing::info!(moderator = %user, subreddits = moderated.len(), "a moderator logged in to the console");
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, safe_next(next.as_deref())))
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish())
}
