use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use appealmod_shared::domain::bot_permissions_text;

use super::{FORM_ID, Offer, SignupPage, eligible, next_account};
use crate::console::access::require_login;
use crate::console::{LoggedIn, form_id, login_path};
use crate::errors::{PageError, render};
use crate::routes::dashboard::ConsoleNav;
use crate::startup::AppState;

pub async fn form(session: Session, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let who = require_login(&state, &session, "/signup", now).await?;
    let page = signup_page(&state, &who, String::new(), String::new(), None).await?;
    Ok(render(StatusCode::OK, &page))
}

/// The sign-up page for `who`, with what they chose and typed, and a problem if any.
pub async fn signup_page(
    state: &AppState,
    who: &LoggedIn,
    chosen: String,
    email: String,
    error: Option<String>,
) -> Result<SignupPage, PageError> {
    let now = state.clock.now();
    let Some(names) = eligible(state, who, now).await? else {
        return Err(PageError::LoginRequired(login_path("/signup")));
    };
    let mut offers = Vec::new();
    for name in names {
        let signed_up = state.store.subreddit_status(&name).await?.is_some();
        offers.push(Offer {
            name: name.to_string(),
            signed_up,
        });
    }
    Ok(SignupPage {
        nav: ConsoleNav::new(state, who, now),
        csrf: state.csrf.issue(&form_id(FORM_ID, &who.user), now),
        offers,
        chosen,
        email,
        error,
        // The account a sign-up now would be assigned (its console page says it too).
        bot_username: state.bot_names.name_of(&next_account(state, now).await?),
        permissions: bot_permissions_text(),
    })
}
