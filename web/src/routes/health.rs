//! Probes for orchestrators and load balancers.

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpResponse, web};

use crate::startup::AppState;

/// Alive and able to serve: the database answers.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    probe(&state).await
}

/// Ready for traffic: the application is only built from a migrated store
/// (`Store::open` runs the migrations first), so ready means the database answers.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    probe(&state).await
}

async fn probe(state: &AppState) -> HttpResponse {
    match state.store.ping().await {
        Ok(()) => HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "no-store"))
            .content_type("text/plain; charset=utf-8")
            .body("ok\n"),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database not answering");
            HttpResponse::ServiceUnavailable()
                .insert_header((CACHE_CONTROL, "no-store"))
                .content_type("text/plain; charset=utf-8")
                .body("database unavailable\n")
        }
    }
}
