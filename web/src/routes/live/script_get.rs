//! `/static/live.js`, compiled in like the site's other static files.

use actix_web::HttpResponse;
use actix_web::http::header::CACHE_CONTROL;

use super::fingerprint;

const SCRIPT: &str = include_str!("../../../../static/live.js");

/// The script's fingerprint: the page asks for `/static/live.js?v=<it>`, so a browser keeps
/// the file for a year and a new build's script is a new URL.
pub fn version() -> String {
    const V: u64 = fingerprint(SCRIPT.as_bytes());
    format!("{V:016x}")
}

pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(SCRIPT)
}
