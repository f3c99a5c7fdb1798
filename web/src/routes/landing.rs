use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use appealmod_shared::policy::{
    FORM_DURATION, MAX_REMINDERS, bot_permissions_text, count_in_words,
};

use crate::errors::render;

/// The landing page and FAQ. What they say about the bot's behaviour comes from
/// `appealmod_core::policy`, the numbers the bot itself acts on.
#[derive(Template)]
#[template(path = "landing.html")]
pub struct Landing {
    /// "Mail and Access".
    pub permissions: String,
    /// "three".
    pub max_reminders: String,
    /// "2–3 minutes".
    pub form_duration: &'static str,
}

impl Landing {
    pub fn new() -> Self {
        Self {
            permissions: bot_permissions_text(),
            max_reminders: count_in_words(MAX_REMINDERS),
            form_duration: FORM_DURATION,
        }
    }
}

impl Default for Landing {
    fn default() -> Self {
        Self::new()
    }
}

pub async fn get() -> HttpResponse {
    render(StatusCode::OK, &Landing::new())
}
