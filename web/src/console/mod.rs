//! The moderator console: who is logged in (a server-side session), who may see a
//! subreddit's console, and the pieces its pages share.
//!
//! Access is decided from the database, never from the cookie alone: the cookie (encrypted
//! and signed) carries a random session id; the `sessions` row of that id says who logged
//! in, when, when they were last seen and whether the session was revoked (logout, or the
//! bot found them removed as a moderator), so that ending a session ends every copy of the
//! cookie. The `subreddit_moderators` rows say what they moderate, as Reddit showed it at
//! their login (their own token) or to the bot's hourly check (its token). A row older than
//! [`FRESH`] counts for nothing: the moderator logs in again.

pub mod access;
pub mod decision_form;
pub mod form_preview;
pub mod preview;
pub mod question_form;
pub mod settings_form;

use actix_session::Session;
use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};

use appealmod_reddit::web_login::WebLogin;
use appealmod_shared::domain::RedditUsername;
use appealmod_shared::storage::{SessionId, Store, StoreError, StoredSession};

/// How old the record of someone's moderator status may be before it is checked again.
pub const FRESH: Duration = Duration::hours(1);

/// A session's last use is written at most this often (a quarter of the idle timeout when
/// that is shorter), so that browsing costs a write a minute, not one per page.
pub const TOUCH_EVERY: Duration = Duration::minutes(1);

/// How far in the future a session's start may lie (clocks of several site instances).
const CLOCK_SKEW: Duration = Duration::minutes(5);

const SESSION_ID: &str = "sid";
const OAUTH_STATE: &str = "oauth_state";
const NEXT: &str = "next";

/// What the site needs to run the console.
#[derive(Debug, Clone)]
pub struct Console {
    pub login: WebLogin,
    pub operators: Vec<RedditUsername>,
    /// A login is good for this long; then Reddit is asked again.
    pub session_ttl: Duration,
    /// A session unused for this long has ended.
    pub session_idle: Duration,
}

/// The console login's settings besides Reddit's (`web.session_idle_minutes`,
/// `web.login_rate_per_minute`, `web.token_exchanges_per_minute`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSettings {
    /// A session unused for this long has ended.
    pub session_idle: Duration,
    /// `/login` requests a minute from one client, and as many callbacks.
    pub per_client_per_minute: u32,
    /// Codes exchanged with Reddit a minute, for the whole site.
    pub token_exchanges_per_minute: u32,
}

impl Default for LoginSettings {
    fn default() -> Self {
        Self {
            session_idle: Duration::minutes(60),
            per_client_per_minute: 30,
            token_exchanges_per_minute: 60,
        }
    }
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

/// What a stored session is worth at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Good; `touch` when its last use should be written.
    Live { touch: bool },
    /// Logged out, or its moderator was found removed.
    Revoked,
    /// Older than a login lasts (or started implausibly far in the future).
    Expired,
    /// Unused for longer than the idle timeout.
    Idle,
}

/// Whether `s` still lets its user in at `now`, for a login lasting `ttl` and an idle
/// timeout `idle`, and whether to note the use.
pub fn standing(s: &StoredSession, ttl: Duration, idle: Duration, now: DateTime<Utc>) -> Standing {
    if s.revoked_at.is_some() {
        Standing::Revoked
    } else if now - s.created_at >= ttl || s.created_at > now + CLOCK_SKEW {
        Standing::Expired
    } else if now - s.last_seen_at > idle {
        Standing::Idle
    } else {
        let every = TOUCH_EVERY.min(idle / 4);
        Standing::Live {
            touch: now - s.last_seen_at >= every,
        }
    }
}

/// The session id the cookie carries, if it carries one of the right shape.
fn session_id(session: &Session) -> Option<SessionId> {
    let id: String = session.get(SESSION_ID).ok().flatten()?;
    SessionId::parse(&id)
}

/// The logged-in moderator, if the cookie names a session that is still live (which is then
/// noted as used, at most once a minute).
pub async fn logged_in(
    store: &Store,
    console: &Console,
    session: &Session,
    now: DateTime<Utc>,
) -> Result<Option<LoggedIn>, StoreError> {
    let Some(id) = session_id(session) else {
        return Ok(None);
    };
    let Some(stored) = store.session(&id).await? else {
        return Ok(None);
    };
    match standing(&stored, console.session_ttl, console.session_idle, now) {
        Standing::Live { touch } => {
            if touch {
                store.touch_session(&id, now).await?;
            }
            Ok(Some(LoggedIn {
                user: stored.user,
                login_at: stored.created_at,
            }))
        }
        Standing::Revoked | Standing::Expired | Standing::Idle => Ok(None),
    }
}

/// Starts a fresh session for `user`: a new random id, stored (hashed) with its times, in a
/// new cookie; nothing from before the login survives.
pub async fn start_session(
    store: &Store,
    console: &Console,
    session: &Session,
    user: &RedditUsername,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let id = SessionId::generate().context("the operating system gave no random bytes")?;
    store
        .create_session(&id, user, now, now - console.session_ttl)
        .await
        .context("cannot record the session")?;
    // A new session key, and nothing from before the login (a fixation would need both).
    session.clear();
    session.renew();
    session.insert(SESSION_ID, id.expose())?;
    Ok(())
}

/// Ends the session the cookie names, for every copy of the cookie, and drops the cookie.
pub async fn end_session(
    store: &Store,
    session: &Session,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if let Some(id) = session_id(session) {
        store.revoke_session(&id, now).await?;
    }
    session.purge();
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

    #[test]
    fn a_session_lives_until_revoked_idle_or_expired_and_is_touched_once_a_minute() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        let min = Duration::minutes;
        let s = StoredSession {
            user: RedditUsername::parse("a_mod").expect("user"),
            created_at: t0,
            last_seen_at: t0 + min(30),
            revoked_at: None,
        };
        let at = |s: &StoredSession, now| standing(s, Duration::hours(12), min(60), now);
        let seen = t0 + min(30);
        assert_eq!(
            at(&s, seen + Duration::seconds(59)),
            Standing::Live { touch: false }
        );
        assert_eq!(at(&s, seen + min(1)), Standing::Live { touch: true });
        assert_eq!(at(&s, seen + min(60)), Standing::Live { touch: true });
        assert_eq!(at(&s, seen + min(61)), Standing::Idle);
        let busy = StoredSession {
            last_seen_at: t0 + min(12 * 60 - 1),
            ..s.clone()
        };
        assert_eq!(at(&busy, t0 + Duration::hours(12)), Standing::Expired);
        assert_eq!(
            at(&s, t0 - min(6)),
            Standing::Expired,
            "started in the future"
        );
        let revoked = StoredSession {
            revoked_at: Some(seen),
            ..s.clone()
        };
        assert_eq!(at(&revoked, seen), Standing::Revoked);
        // A short idle timeout (tests) is touched often enough to mean something.
        let short = standing(
            &s,
            Duration::hours(12),
            Duration::seconds(4),
            seen + Duration::seconds(1),
        );
        assert_eq!(short, Standing::Live { touch: true });
    }
}
