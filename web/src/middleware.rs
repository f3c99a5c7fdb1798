//! Middleware on every request: security headers, the per-IP POST rate limit, keeping appeal
//! pages out of search engines, closing connections whose request body was left unread, a
//! request log that never records appeal-link tokens, and the request counts of `/metrics`
//! (by route pattern, for the same reason).

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage as _, web};
use futures_util::{Stream, StreamExt as _};

use crate::errors::PageError;
use crate::rate_limit::client_ip;
use crate::startup::AppState;

/// No script at all, styles and images only from this site, no framing, forms only to
/// this site.
pub const CSP: &str = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The policy of the pages that run a script: [`CSP`] except that scripts from this site
/// may run (the live view's `/static/live.js`, the settings page's `/static/settings.js`;
/// no inline script, no `eval`). Only those pages' handlers set it, by [`with_own_script`].
pub const LIVE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
                            form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// `resp` of a page that runs its own script from this site, under [`LIVE_CSP`]: the
/// middleware keeps a CSP a handler set and gives every other page `script-src 'none'`.
pub fn with_own_script(mut resp: actix_web::HttpResponse) -> actix_web::HttpResponse {
    resp.headers_mut().insert(
        actix_web::http::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(LIVE_CSP),
    );
    resp
}

/// Every answer's security headers. A header the handler set already is kept (actix's
/// `DefaultHeaders` only fills in what is missing): that is how the live view has its own
/// CSP while every other page, error pages included, gets [`CSP`].
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
            (Some(state), Some(peer)) => {
                let client = client_ip(peer.ip(), &state.trusted_proxies, req.headers());
                !state.limiter.check(client, Instant::now())
            }
            _ => false,
        };
        if limited {
            tracing::warn!(path = %redact_path(req.path()), "POST rate limit exceeded");
            let resp = PageError::RateLimited.response_in(crate::i18n::requested(req.headers()));
            return Ok(req.into_response(resp));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// What appeal pages tell search engines; the templates carry the same as a `<meta>` tag.
pub const ROBOTS_NOINDEX: &str = "noindex, nofollow";

/// `X-Robots-Tag` on every answer under `/appeal/`, whatever its status: an appeal link
/// that reaches a crawler (pasted somewhere public) must not put a person's ban in a search
/// index. Covers the responses no template renders (405, and 429 from the rate limit).
pub async fn noindex_appeals(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let appeal = is_appeal_path(req.path());
    let mut res = next.call(req).await?;
    if appeal {
        res.headers_mut().insert(
            HeaderName::from_static("x-robots-tag"),
            HeaderValue::from_static(ROBOTS_NOINDEX),
        );
    }
    Ok(res)
}

fn is_appeal_path(path: &str) -> bool {
    path == "/appeal" || path.starts_with("/appeal/")
}

/// Keeps each request's body held until its answer has been sent, so that a body left unread
/// (a form that timed out, any route that ignores its body) ends with the connection closed.
/// actix closes such a connection only while the body is still held when the answer goes
/// out; a body already dropped by its handler is instead drained, and a chunked one for as
/// long as the client keeps trickling it in, a byte now and then, forever.
pub async fn hold_body_until_answered(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let held = Rc::new(RefCell::new(req.take_payload()));
    let shared: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(SharedPayload(Rc::clone(&held)));
    req.set_payload(Payload::from(shared));
    let res = next.call(req).await?;
    Ok(res.map_body(|_, body| HeldUntilSent {
        body: body.boxed(),
        _payload: held,
    }))
}

/// The handler's view of a body that [`hold_body_until_answered`] also holds.
struct SharedPayload(Rc<RefCell<Payload>>);

impl Stream for SharedPayload {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.borrow_mut().poll_next_unpin(cx)
    }
}

/// A response body that releases the request body only once it is dropped, after sending.
struct HeldUntilSent {
    body: BoxBody,
    _payload: Rc<RefCell<Payload>>,
}

impl MessageBody for HeldUntilSent {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

/// The label of requests that matched no route (404s of the default service).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Counts every answer by route pattern and status for `/metrics`. The pattern
/// (`/appeal/{token}`, `/dashboard/r/{sub}`), never the path: a label must not carry an
/// appeal link's token, and unbounded paths would make unbounded series.
pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let route = req
        .match_pattern()
        .unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = next.call(req).await;
    if let Some(state) = state {
        let status = match &res {
            Ok(r) => r.status(),
            Err(e) => e.as_response_error().status_code(),
        };
        state.web_requests.record(&route, status.as_u16());
    }
    res
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

    #[test]
    fn the_live_view_may_run_scripts_from_this_site_and_nothing_else_differs() {
        assert_eq!(
            LIVE_CSP,
            CSP.replace("script-src 'none'", "script-src 'self'")
        );
    }

    #[test]
    fn appeal_paths_are_recognised() {
        assert!(is_appeal_path("/appeal/AbC"));
        assert!(is_appeal_path("/appeal/"));
        assert!(is_appeal_path("/appeal"));
        assert!(!is_appeal_path("/appeals"));
        assert!(!is_appeal_path("/signup"));
    }
}
