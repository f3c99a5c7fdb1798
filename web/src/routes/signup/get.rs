use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;

use super::{FORM_ID, SignupPage};
use crate::errors::render;
use crate::startup::AppState;

pub async fn form(state: web::Data<AppState>) -> HttpResponse {
    let page = SignupPage {
        csrf: state.csrf.issue(FORM_ID, Utc::now()),
        has_errors: false,
        name: Default::default(),
        email: Default::default(),
        reddit_username: Default::default(),
        subreddit: Default::default(),
    };
    render(StatusCode::OK, &page)
}
