//! `/signup`: moderators enable the bot for their subreddit.

pub mod get;
pub mod post;

use askama::Template;

/// One text field as typed, with its error if any.
#[derive(Debug, Default, Clone)]
pub struct Field {
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "signup.html")]
pub struct SignupPage {
    pub csrf: String,
    pub has_errors: bool,
    pub name: Field,
    pub email: Field,
    pub reddit_username: Field,
    pub subreddit: Field,
}

#[derive(Template)]
#[template(path = "signup_done.html")]
pub struct SignupDone {
    pub subreddit: String,
    pub already: bool,
    pub bot_username: Option<String>,
}

/// Form id the CSRF token is bound to.
pub const FORM_ID: &str = "signup";
