//! `/dashboard`: the moderator console. Every page needs a login; every page of one
//! subreddit needs its moderator (Mail or full, seen within the hour) or an operator, and
//! answers anyone else with the same 404.

pub mod appeal_get;
pub mod appeal_view;
pub mod appeals_get;
pub mod decide_post;
pub mod decision_view;
pub mod index_get;
pub mod list_query;
pub mod moment;
pub mod settings_get;
pub mod settings_post;
pub mod state_post;

use chrono::{DateTime, Utc};

use appealmod_core::decide::verify::what_to_do;
use appealmod_shared::domain::{BotStanding, SubredditState, bot_permissions_text};
use appealmod_shared::storage::SubredditStatus;

use actix_session::Session;
use actix_web::{HttpRequest, web};

use crate::console::access::{Cleared, clear_page};
use crate::console::{LoggedIn, form_id, when};
use crate::csrf::check_origin;
use crate::errors::PageError;
use crate::form::FormData;
use crate::startup::AppState;

/// What every form post of one subreddit's console checks first, in this order: the
/// origin, the body (bounded in size and time), the login (back to `here` after it), the
/// subreddit's moderator or an operator, then the form's CSRF token, issued for the form
/// `form` of that subreddit and that user.
pub async fn subreddit_post(
    req: &HttpRequest,
    payload: web::Payload,
    session: &Session,
    state: &AppState,
    sub: &str,
    here: &str,
    form: &str,
) -> Result<(FormData, Cleared, DateTime<Utc>), PageError> {
    check_origin(req, &state.public_origin)?;
    let data = FormData::read(req, payload, state.body_timeout).await?;
    let now = state.clock.now();
    let cleared = clear_page(state, session, sub, here, now).await?;
    state.csrf.verify(
        &form_id(
            &format!("{form}:{}", cleared.subreddit.name.key()),
            &cleared.user.user,
        ),
        data.get("csrf"),
        now,
    )?;
    Ok((data, cleared, now))
}

/// The header's part of every console page: who is logged in, and the logout form.
#[derive(Debug, Clone)]
pub struct ConsoleNav {
    pub user: String,
    pub csrf_logout: String,
}

impl ConsoleNav {
    pub fn new(state: &AppState, who: &LoggedIn, now: DateTime<Utc>) -> Self {
        Self {
            user: who.user.to_string(),
            csrf_logout: state.csrf.issue(&form_id("logout", &who.user), now),
        }
    }
}

/// A subreddit's state as the console shows it, with what to do about it.
#[derive(Debug, Clone)]
pub struct StatusView {
    pub name: String,
    /// `pending`, `active` or `paused` (a CSS class too).
    pub state: &'static str,
    pub label: &'static str,
    /// What a moderator must do (empty when nothing).
    pub todo: String,
    /// Set while the bot lacks what it needs.
    pub attention: Option<String>,
    pub checked: String,
    /// A pending sign-up the bot stopped checking after a week without an invite.
    pub checks_stopped: bool,
    pub signed_up_by: Option<String>,
    pub permissions: String,
    /// The bot account serving the subreddit (the one to invite).
    pub bot: String,
}

impl StatusView {
    pub fn of(s: &SubredditStatus, bots: &crate::startup::BotNames) -> Self {
        let bot = bots.name_of(&s.bot_account);
        let todo = match (s.state, &s.standing) {
            (SubredditState::Pending, BotStanding::Ready) => String::new(),
            (SubredditState::Pending, standing) => what_to_do(standing, &bot),
            _ => String::new(),
        };
        Self {
            name: s.name.to_string(),
            state: s.state.as_str(),
            label: if s.needs_attention() {
                "Needs attention"
            } else {
                s.state.label()
            },
            todo,
            attention: s.permission_problem.as_ref().map(|(_, e)| e.clone()),
            checked: when(s.checked_at),
            checks_stopped: s.checks_stopped(),
            signed_up_by: s.signed_up_by.as_ref().map(ToString::to_string),
            permissions: bot_permissions_text(),
            bot,
        }
    }

    pub fn is_pending(&self) -> bool {
        self.state == "pending"
    }

    pub fn is_paused(&self) -> bool {
        self.state == "paused"
    }
}
