use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};

use appealmod_shared::domain::{Email, SubredditName};
use appealmod_shared::storage::{NewSignup, SignupOutcome};

use super::get::signup_page;
use super::{FORM_ID, LOAD_WINDOW, choose_account, eligible};
use crate::console::access::require_login;
use crate::console::{form_id, login_path};
use crate::csrf::check_origin;
use crate::errors::{PageError, render};
use crate::form::FormData;
use crate::startup::AppState;

/// Signs up the chosen subreddit, if the moderator may: it starts pending, and the console
/// page it leads to says what the bot still needs.
pub async fn submit(
    req: HttpRequest,
    payload: web::Payload,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    check_origin(&req, &state.public_origin)?;
    let form = FormData::read(&req, payload, state.body_timeout).await?;
    let now = state.clock.now();
    let who = require_login(&state, &session, "/signup", now).await?;
    state
        .csrf
        .verify(&form_id(FORM_ID, &who.user), form.get("csrf"), now)?;
    let chosen = form.get("subreddit").unwrap_or_default().trim().to_owned();
    let email_text = form.get("email").unwrap_or_default().trim().to_owned();
    let email = match email_text.as_str() {
        "" => None,
        text => match Email::parse(text) {
            Ok(e) => Some(e),
            Err(e) => {
                let page =
                    signup_page(&state, &who, chosen, email_text, Some(e.to_string())).await?;
                return Ok(render(StatusCode::BAD_REQUEST, &page));
            }
        },
    };
    let Some(allowed) = eligible(&state, &who, now).await? else {
        return Err(PageError::LoginRequired(login_path("/signup")));
    };
    // The same refusal for a subreddit that does not exist, one moderated by others, and
    // one someone else signed up: nothing about other sign-ups shows.
    let sub = SubredditName::parse(&chosen).map_err(|_| PageError::NotModerator)?;
    if !allowed.contains(&sub) {
        tracing::warn!(moderator = %who.user, "a sign-up of a subreddit the user does not moderate was refused");
        return Err(PageError::NotModerator);
    }
    let signup = NewSignup {
        name: who.user.to_string(),
        email,
        reddit_username: who.user.clone(),
        subreddit: sub.clone(),
    };
    // The account is chosen in the sign-up's own transaction, one sign-up after another.
    let created = state
        .store
        .create_signup_assigned(&signup, now, now - LOAD_WINDOW, |loads| {
            choose_account(&state, loads)
        })
        .await?;
    if created == SignupOutcome::Created {
        // The e-mail address is personal data: never logged.
        tracing::info!(slack = "main", subreddit = %sub, moderator = %who.user, "New sign-up: r/{sub} by u/{}", who.user);
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/dashboard/r/{}", sub.as_str())))
        .finish())
}
