use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use appealmod_shared::domain::{Email, RedditUsername, SubredditName};
use appealmod_shared::storage::{NewSignup, SignupOutcome};

use super::{FORM_ID, Field, SignupDone, SignupPage};
use crate::csrf::check_origin;
use crate::errors::{PageError, render};
use crate::form::FormData;
use crate::startup::AppState;

const NAME_MAX: usize = 100;

pub async fn submit(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    check_origin(&req, &state.public_origin)?;
    let form = FormData::read(&req, payload, state.body_timeout).await?;
    let now = Utc::now();
    state.csrf.verify(FORM_ID, form.get("csrf"), now)?;

    let text = |k: &str| Field {
        value: form.get(k).unwrap_or_default().trim().to_owned(),
        error: None,
    };
    let (mut name, mut email, mut user, mut sub) = (
        text("name"),
        text("email"),
        text("reddit_username"),
        text("subreddit"),
    );
    if name.value.is_empty() {
        name.error = Some("Enter your name.".to_owned());
    } else if name.value.chars().count() > NAME_MAX {
        name.error = Some(format!("A name has at most {NAME_MAX} characters."));
    } else if name.value.chars().any(char::is_control) {
        name.error = Some("A name cannot contain control characters.".to_owned());
    }
    let parsed_email = Email::parse(&email.value)
        .map_err(|e| email.error = Some(e.to_string()))
        .ok();
    let parsed_user = RedditUsername::parse(&user.value)
        .map_err(|e| user.error = Some(e.to_string()))
        .ok();
    let parsed_sub = SubredditName::parse(&sub.value)
        .map_err(|e| sub.error = Some(e.to_string()))
        .ok();

    let (Some(email_ok), Some(user_ok), Some(sub_ok), true) =
        (parsed_email, parsed_user, parsed_sub, name.error.is_none())
    else {
        let page = SignupPage {
            csrf: state.csrf.issue(FORM_ID, now),
            has_errors: true,
            name,
            email,
            reddit_username: user,
            subreddit: sub,
        };
        return Ok(render(StatusCode::BAD_REQUEST, &page));
    };

    let signup = NewSignup {
        name: name.value,
        email: Some(email_ok),
        reddit_username: user_ok,
        subreddit: sub_ok,
    };
    let outcome = state.store.create_signup(&signup, now).await?;
    let already = outcome == SignupOutcome::AlreadySignedUp;
    if already {
        tracing::info!(subreddit = %signup.subreddit, "sign-up for an already signed-up subreddit");
    } else {
        // The e-mail address is personal data: never logged.
        tracing::info!(
            slack = "main",
            subreddit = %signup.subreddit,
            moderator = %signup.reddit_username,
            "New sign-up: r/{} by u/{}",
            signup.subreddit,
            signup.reddit_username
        );
    }
    Ok(render(
        StatusCode::OK,
        &SignupDone {
            subreddit: signup.subreddit.to_string(),
            already,
            bot_username: state.bot_username.clone(),
        },
    ))
}
