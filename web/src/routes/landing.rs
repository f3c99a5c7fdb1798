use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::errors::render;

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing;

pub async fn get() -> HttpResponse {
    render(StatusCode::OK, &Landing)
}
