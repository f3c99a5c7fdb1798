//! The site's few static files, compiled in so the binary is self-contained and pages work
//! offline.

use actix_web::HttpResponse;
use actix_web::http::header::CACHE_CONTROL;

use super::live::fingerprint;

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

/// A script a page of this site runs, compiled in. Its fingerprint versions its URL: the
/// page asks for `/static/<name>.js?v=<it>`, so a browser keeps the file for a year and a
/// new build's script is a new URL.
pub struct Script {
    text: &'static str,
    fingerprint: u64,
}

impl Script {
    const fn new(text: &'static str) -> Self {
        Self {
            text,
            fingerprint: fingerprint(text.as_bytes()),
        }
    }

    /// The `v` of the script's URL.
    pub fn version(&self) -> String {
        format!("{:016x}", self.fingerprint)
    }

    fn serve(&self) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/javascript; charset=utf-8")
            .insert_header((CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(self.text)
    }
}

/// The live view's script.
pub const LIVE_JS: Script = Script::new(include_str!("../../../static/live.js"));

/// The settings page's script (the "not saved yet" notice).
pub const SETTINGS_JS: Script = Script::new(include_str!("../../../static/settings.js"));

/// `GET /static/live.js`.
pub async fn live_js() -> HttpResponse {
    LIVE_JS.serve()
}

/// `GET /static/settings.js`.
pub async fn settings_js() -> HttpResponse {
    SETTINGS_JS.serve()
}
