//! One file per page and verb.
//!
//! Each path is one resource holding all its methods, so that a method it does not serve
//! gets actix's 405 with an `Allow` header (built from the routes, so it cannot drift)
//! rather than falling through to the 404 page. Whatever answers `GET` also answers `HEAD`:
//! actix sends the same status and headers and drops the body.

mod appeal;
mod health;
mod landing;
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
        .default_service(web::to(not_found));
}

/// `GET` or `HEAD`. Both method guards are evaluated when neither matches, which is how
/// actix learns to list both in `Allow`.
fn get_or_head() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

async fn not_found() -> Result<actix_web::HttpResponse, PageError> {
    Err(PageError::NotFound)
}
