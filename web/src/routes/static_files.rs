//! The site's few static files, compiled in so the binary is self-contained and pages work
//! offline.

use actix_web::HttpResponse;
use actix_web::http::header::CACHE_CONTROL;

const STYLE: &str = include_str!("../../../static/style.css");
const LOGO: &str = include_str!("../../../static/logo.svg");
const ROBOTS: &str = include_str!("../../../static/robots.txt");

pub async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLE)
}

pub async fn logo() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((CACHE_CONTROL, "public, max-age=86400"))
        .body(LOGO)
}

/// Well-behaved crawlers never fetch an appeal link (which would also count as the
/// appellant opening it); the pages themselves say `noindex` for the others.
pub async fn robots() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((CACHE_CONTROL, "public, max-age=86400"))
        .body(ROBOTS)
}
