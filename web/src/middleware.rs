//! Middleware on every request: security headers, the per-IP POST rate limit and a request
//! log that never records appeal-link tokens.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{Error, ResponseError, web};

use crate::errors::PageError;
use crate::startup::AppState;

/// No script at all, styles and images only from this site, no framing, forms only to
/// this site.
pub const CSP: &str = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CSP))
        // Appeal links are secrets; no other site may learn them from a Referer.
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ));
    if https {
        // Only over https: sent over plain http it would be ignored at best and would lock
        // a misconfigured development host out at worst.
        headers.add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        headers
    }
}

/// Takes one token from the client's bucket for every POST; GETs are free.
pub async fn rate_limit_posts(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.method() == Method::POST {
        let limited = match (req.app_data::<web::Data<AppState>>(), req.peer_addr()) {
            (Some(state), Some(peer)) => !state.limiter.check(peer.ip(), Instant::now()),
            _ => false,
        };
        if limited {
            tracing::warn!(path = %redact_path(req.path()), "POST rate limit exceeded");
            let resp = PageError::RateLimited.error_response();
            return Ok(req.into_response(resp));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// One line per request, with the path redacted and no query string.
pub async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let start = Instant::now();
    let method = req.method().clone();
    let path = redact_path(req.path()).into_owned();
    let res = next.call(req).await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    match &res {
        Ok(r) => tracing::info!(
            method = %method,
            path = %path,
            status = r.status().as_u16(),
            ms = format_args!("{ms:.1}"),
            "request"
        ),
        Err(e) => tracing::info!(method = %method, path = %path, error = %e, "request failed"),
    }
    res
}

/// `/appeal/<token>` becomes `/appeal/[redacted]`: the token is as good as a password.
pub fn redact_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix("/appeal/") {
        Some(rest) if !rest.is_empty() => "/appeal/[redacted]".into(),
        _ => path.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appeal_paths_are_redacted() {
        assert_eq!(redact_path("/appeal/AbC-123_x"), "/appeal/[redacted]");
        assert_eq!(redact_path("/appeal/AbC/extra"), "/appeal/[redacted]");
        assert_eq!(redact_path("/signup"), "/signup");
        assert_eq!(redact_path("/appeal/"), "/appeal/");
    }
}
