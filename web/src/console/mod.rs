//! The moderator console: who is logged in (an encrypted session cookie), who may see a
//! subreddit's console, and the pieces its pages share.
//!
//! Access is decided from the database, never from the cookie alone: the cookie says who
//! logged in and when; the `subreddit_moderators` rows say what they moderate, as Reddit
//! showed it at their login (their own token) or to the bot's hourly check (its token).
//! A row older than [`FRESH`] counts for nothing: the moderator logs in again.

pub mod access;
pub mod preview;
pub mod settings_form;

use actix_session::Session;
use chrono::{DateTime, Duration, Utc};

use appealmod_reddit::web_login::WebLogin;
use appealmod_shared::domain::RedditUsername;

/// How old the record of someone's moderator status may be before it is checked again.
pub const FRESH: Duration = Duration::hours(1);

const USER: &str = "user";
const LOGIN_AT: &str = "login_at";
const OAUTH_STATE: &str = "oauth_state";
const NEXT: &str = "next";

/// What the site needs to run the console.
#[derive(Debug, Clone)]
pub struct Console {
    pub login: WebLogin,
    pub operators: Vec<RedditUsername>,
    /// A login is good for this long; then Reddit is asked again.
    pub session_ttl: Duration,
}

impl Console {
    pub fn is_operator(&self, user: &RedditUsername) -> bool {
        self.operators.contains(user)
    }
}

/// A moderator with a valid login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedIn {
    pub user: RedditUsername,
    pub login_at: DateTime<Utc>,
}

/// The logged-in moderator, if the session has one that has not run out.
pub fn logged_in(session: &Session, ttl: Duration, now: DateTime<Utc>) -> Option<LoggedIn> {
    let name: String = session.get(USER).ok().flatten()?;
    let ms: i64 = session.get(LOGIN_AT).ok().flatten()?;
    let login_at = DateTime::from_timestamp_millis(ms)?;
    let user = RedditUsername::parse(&name).ok()?;
    (now - login_at < ttl && login_at <= now + Duration::minutes(5))
        .then_some(LoggedIn { user, login_at })
}

/// Starts a fresh session for `user` (a new cookie: nothing from before the login survives).
pub fn start_session(
    session: &Session,
    user: &RedditUsername,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    // A new session key, and nothing from before the login (a fixation would need both).
    session.clear();
    session.renew();
    session.insert(USER, user.as_str())?;
    session.insert(LOGIN_AT, now.timestamp_millis())?;
    Ok(())
}

/// Remembers the login attempt's `state` (and where to go afterwards) until the callback.
pub fn begin_login(session: &Session, state: &str, next: &str) -> anyhow::Result<()> {
    session.insert(OAUTH_STATE, state)?;
    session.insert(NEXT, next)?;
    Ok(())
}

/// Takes the pending login's `state` and `next` out of the session: each is good once.
pub fn take_login(session: &Session) -> (Option<String>, Option<String>) {
    let state = session
        .remove_as::<String>(OAUTH_STATE)
        .and_then(Result::ok);
    let next = session.remove_as::<String>(NEXT).and_then(Result::ok);
    (state, next)
}

/// A path on this site to return to after login; anything else goes to the dashboard.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && p.len() <= 200
                && p.chars().all(|c| c.is_ascii_graphic()) =>
        {
            p.to_owned()
        }
        _ => "/dashboard".to_owned(),
    }
}

/// `/login?next=…` for the current page.
pub fn login_path(next: &str) -> String {
    let mut out = String::from("/login?next=");
    out.extend(url::form_urlencoded::byte_serialize(next.as_bytes()));
    out
}

/// The form id the CSRF token of a console form is bound to: the form, and who it is for,
/// so that a token issued to one moderator is useless to another.
pub fn form_id(form: &str, user: &RedditUsername) -> String {
    format!("console:{form}:{}", user.key())
}

/// "2 Dec 2026, 01:47 UTC", or an em dash.
pub fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "—".to_owned(),
        |t| t.format("%-d %b %Y, %H:%M UTC").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_next(Some("/dashboard/r/pics")), "/dashboard/r/pics");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil",
            "dashboard",
            "/a b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/dashboard", "{bad}");
        }
        assert_eq!(safe_next(None), "/dashboard");
        assert_eq!(
            login_path("/dashboard/r/pics?page=2"),
            "/login?next=%2Fdashboard%2Fr%2Fpics%3Fpage%3D2"
        );
    }
}
