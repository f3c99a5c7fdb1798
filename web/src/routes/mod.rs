//! One file per page and verb.

mod appeal;
mod health;
mod landing;
mod signup;
mod static_files;

use actix_web::web;

use crate::errors::PageError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(landing::get))
        .route("/signup", web::get().to(signup::get::form))
        .route("/signup", web::post().to(signup::post::submit))
        .route("/appeal/{token}", web::get().to(appeal::get::form))
        .route("/appeal/{token}", web::post().to(appeal::post::submit))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/static/style.css", web::get().to(static_files::style))
        .route("/static/logo.svg", web::get().to(static_files::logo))
        .default_service(web::to(not_found));
}

async fn not_found() -> Result<actix_web::HttpResponse, PageError> {
    Err(PageError::NotFound)
}
