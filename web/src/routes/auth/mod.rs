//! The console's Reddit login: `/login`, `/auth/reddit/callback`, `POST /logout`.

pub mod callback_get;
pub mod login_get;
pub mod logout_post;

use std::net::IpAddr;
use std::time::Instant;

use actix_web::HttpRequest;

use crate::errors::PageError;
use crate::rate_limit::{RateLimiter, client_of};
use crate::startup::AppState;

/// Takes a token of `bucket` for the client of `req`: a 429 with `Retry-After` when its
/// bucket is empty. `what` names the limit in the log.
fn admit(
    bucket: &RateLimiter<IpAddr>,
    req: &HttpRequest,
    state: &AppState,
    what: &'static str,
) -> Result<(), PageError> {
    let Some(client) = client_of(req, &state.trusted_proxies) else {
        return Ok(());
    };
    bucket.take(client, Instant::now()).map_err(|retry_after| {
        tracing::warn!(limit = what, "login rate limit exceeded");
        PageError::LoginRateLimited { retry_after }
    })
}
