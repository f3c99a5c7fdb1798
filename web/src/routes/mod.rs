//! One file per page and verb.
//!
//! Each path is one resource holding all its methods, so that a method it does not serve
//! gets actix's 405 with an `Allow` header (built from the routes, so it cannot drift)
//! rather than falling through to the 404 page. Whatever answers `GET` also answers `HEAD`:
//! actix sends the same status and headers and drops the body.

pub(crate) mod appeal;
mod auth;
mod dashboard;
mod health;
mod landing;
pub(crate) mod live;
mod results;
mod signup;
mod static_files;

use actix_web::{Route, guard, web};

use crate::errors::PageError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(get_or_head().to(landing::get)))
        .service(
            web::resource("/signup")
                .route(get_or_head().to(signup::get::form))
                .route(web::post().to(signup::post::submit)),
        )
        .service(web::resource("/login").route(get_or_head().to(auth::login_get::start)))
        .service(
            web::resource("/auth/reddit/callback")
                .route(get_or_head().to(auth::callback_get::finish)),
        )
        .service(web::resource("/logout").route(web::post().to(auth::logout_post::logout)))
        .service(web::resource("/dashboard").route(get_or_head().to(dashboard::index_get::page)))
        .service(
            web::resource("/dashboard/r/{sub}")
                .route(get_or_head().to(dashboard::appeals_get::page)),
        )
        .service(
            web::resource("/dashboard/r/{sub}/appeals/{id}")
                .route(get_or_head().to(dashboard::appeal_get::appeal)),
        )
        .service(
            web::resource("/dashboard/r/{sub}/appeals/{id}/decide")
                .route(web::post().to(dashboard::decide_post::decide)),
        )
        .service(
            web::resource("/dashboard/r/{sub}/appellants/{id}")
                .route(get_or_head().to(dashboard::appeal_get::appellant)),
        )
        .service(
            web::resource("/dashboard/r/{sub}/appellants/{id}/decide")
                .route(web::post().to(dashboard::decide_post::decide_control)),
        )
        .service(
            web::resource("/dashboard/r/{sub}/settings")
                .route(get_or_head().to(dashboard::settings_get::page))
                .route(web::post().to(dashboard::settings_post::save)),
        )
        .service(
            web::resource("/dashboard/r/{sub}/settings/preview")
                .route(get_or_head().to(dashboard::settings_get::form_preview))
                .route(web::post().to(dashboard::settings_post::form_preview)),
        )
        .service(
            web::resource("/dashboard/r/{sub}/state")
                .route(web::post().to(dashboard::state_post::change)),
        )
        .configure(results::configure)
        .configure(live::configure)
        .service(
            web::resource("/appeal/{token}")
                .route(get_or_head().to(appeal::get::form))
                .route(web::post().to(appeal::post::submit)),
        )
        .service(web::resource("/healthz").route(get_or_head().to(health::healthz)))
        .service(web::resource("/readyz").route(get_or_head().to(health::readyz)))
        .service(web::resource("/robots.txt").route(get_or_head().to(static_files::robots)))
        .service(web::resource("/static/style.css").route(get_or_head().to(static_files::style)))
        .service(web::resource("/static/logo.svg").route(get_or_head().to(static_files::logo)))
        .service(web::resource("/static/live.js").route(get_or_head().to(static_files::live_js)))
        .service(
            web::resource("/static/settings.js").route(get_or_head().to(static_files::settings_js)),
        )
        .default_service(web::to(not_found));
}

/// `GET` or `HEAD`. Both method guards are evaluated when neither matches, which is how
/// actix learns to list both in `Allow`.
pub(crate) fn get_or_head() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// In the browser's language: an appellant who mistyped their link lands here.
async fn not_found(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    PageError::NotFound.response_in(crate::i18n::requested(req.headers()))
}
