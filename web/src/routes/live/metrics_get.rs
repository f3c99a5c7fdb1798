//! `/metrics` in the Prometheus text format: the runners' reports (written to the
//! database after each of their passes), what only the database knows, and this site's
//! requests. One scrape target for the whole deployment.

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, WWW_AUTHENTICATE};
use actix_web::{HttpRequest, HttpResponse, web};
use anyhow::Context as _;

use appealmod_shared::metrics::{self, Snapshot};

use crate::errors::PageError;
use crate::startup::AppState;

/// On the site's own listener: only when enabled without a `metrics.bind` of its own.
pub async fn on_site(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    if !state.metrics.enabled || state.metrics.bind.is_some() {
        return Err(PageError::NotFound);
    }
    serve(&req, &state).await
}

/// On `metrics.bind`'s listener, which exists only when metrics are enabled.
pub async fn on_own_listener(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    serve(&req, &state).await
}

/// Anything else asked of the metrics listener.
pub async fn not_here() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("Only /metrics is served here.\n")
}

async fn serve(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, PageError> {
    let authorization = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !state.metrics.accepts(authorization) {
        return Ok(HttpResponse::build(StatusCode::UNAUTHORIZED)
            .insert_header((WWW_AUTHENTICATE, "Bearer realm=\"appealmod metrics\""))
            .insert_header((CACHE_CONTROL, "no-store"))
            .content_type("text/plain; charset=utf-8")
            .body("A bearer token (metrics.token) is required.\n"));
    }
    let snapshot = Snapshot {
        now: state.clock.now(),
        runners: state.store.runner_reports().await?,
        store: state.store.store_figures().await?,
        web_requests: state.web_requests.snapshot(),
    };
    let text = metrics::render(&snapshot).context("rendering /metrics")?;
    Ok(HttpResponse::Ok()
        .content_type(metrics::CONTENT_TYPE)
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(text))
}
