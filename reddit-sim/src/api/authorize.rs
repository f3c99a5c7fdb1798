//! `GET|POST /api/v1/authorize`: the consent step of a Reddit "web app" login.
//!
//! Reddit shows a logged-in user an Allow/Decline page, then redirects to the app's
//! registered redirect URI with `state` and `code` (or `error=access_denied`). Here the
//! page also asks *which* simulated user you are. For scripts and tests,
//! `&sim_user=NAME` approves at once as NAME. Requests Reddit would not redirect
//! (unknown client, another redirect URI) get an error page, as on Reddit; other mistakes
//! come back to the app as `error=…` (`unsupported_response_type`, `invalid_scope`,
//! `invalid_request`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{Auth, Outcome, serve};
use crate::html::escape;
use crate::model::{AccountStatus, Sim, WebAppGrant, key};
use crate::simulator::Simulator;
use crate::types::Endpoint;

/// The scopes Reddit knows (its OAuth scope list).
const SCOPES: &[&str] = &[
    "account",
    "creddits",
    "edit",
    "flair",
    "history",
    "identity",
    "livemanage",
    "modconfig",
    "modcontributors",
    "modflair",
    "modlog",
    "modmail",
    "modnote",
    "modothers",
    "modposts",
    "modself",
    "modtraffic",
    "modwiki",
    "mysubreddits",
    "privatemessages",
    "read",
    "report",
    "save",
    "structuredstyles",
    "submit",
    "subscribe",
    "vote",
    "wikiedit",
    "wikiread",
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/authorize", web::get().to(ask))
        .route("/api/v1/authorize.compact", web::get().to(ask))
        .route("/api/v1/authorize", web::post().to(answer));
}

/// The authorization request's parameters (query on GET, form fields on POST), plus the
/// consent page's own fields.
#[derive(Clone, Debug, Default, Deserialize)]
struct AuthorizeParams {
    client_id: Option<String>,
    response_type: Option<String>,
    state: Option<String>,
    redirect_uri: Option<String>,
    duration: Option<String>,
    scope: Option<String>,
    /// Simulator only: approve at once as this user.
    sim_user: Option<String>,
    /// The consent page: the user chosen.
    user: Option<String>,
    /// The consent page: `Allow` or `Decline`.
    authorize: Option<String>,
}

/// Percent-encoding for a query value (RFC 3986 unreserved characters stay).
fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn back_to_app(redirect_uri: &str, pairs: &[(&str, &str)]) -> Outcome {
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    Outcome::redirect(format!("{redirect_uri}{sep}{}", query.join("&")))
}

fn error_page(message: &str) -> Outcome {
    let body = format!("<h1>Bad request</h1><p>{}</p>", escape(message));
    Outcome::html(
        StatusCode::BAD_REQUEST,
        crate::html::page_html("reddit: bad request", &body),
    )
}

/// A request that passed the checks Reddit makes before it can trust the redirect URI.
struct Checked {
    redirect_uri: String,
    state: String,
    scopes: Vec<String>,
    permanent: bool,
}

/// `Err` is the answer: an error page, or a redirect carrying `error=`.
fn check(s: &Sim, p: &AuthorizeParams) -> Result<Checked, Outcome> {
    let app = &s.cfg.web_app;
    if p.client_id.as_deref() != Some(app.client_id.as_str()) {
        return Err(error_page("invalid client id"));
    }
    let redirect_uri = p.redirect_uri.clone().unwrap_or_default();
    if redirect_uri != app.redirect_uri {
        return Err(error_page("invalid redirect_uri parameter"));
    }
    let state = p.state.clone().unwrap_or_default();
    let refuse = |error: &str| {
        Err(back_to_app(
            &redirect_uri,
            &[("state", &state), ("error", error)],
        ))
    };
    if p.response_type.as_deref() != Some("code") {
        return refuse("unsupported_response_type");
    }
    let scopes: Vec<String> = p
        .scope
        .as_deref()
        .unwrap_or_default()
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() || scopes.iter().any(|s| !SCOPES.contains(&s.as_str())) {
        return refuse("invalid_scope");
    }
    let permanent = match p.duration.as_deref() {
        Some("temporary") => false,
        Some("permanent") => true,
        _ => return refuse("invalid_request"),
    };
    if state.is_empty() {
        return refuse("invalid_request");
    }
    Ok(Checked {
        redirect_uri,
        state,
        scopes,
        permanent,
    })
}

/// Whether `name` is a simulated account that can log in.
fn can_log_in(s: &Sim, name: &str) -> bool {
    s.users
        .get(&key(name))
        .is_some_and(|u| u.status == AccountStatus::Active)
}

fn approve(s: &mut Sim, c: Checked, user: &str, now: chrono::DateTime<chrono::Utc>) -> Outcome {
    let grant = WebAppGrant {
        account: key(user),
        scopes: c.scopes,
        redirect_uri: c.redirect_uri.clone(),
        permanent: c.permanent,
        expires: now,
    };
    let code = s.issue_code(grant, now);
    back_to_app(&c.redirect_uri, &[("state", &c.state), ("code", &code)])
}

async fn ask(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    q: web::Query<AuthorizeParams>,
) -> HttpResponse {
    let p = q.into_inner();
    serve(
        &sim,
        &req,
        Endpoint::Authorize,
        Auth::Open,
        move |s, call| {
            let checked = match check(s, &p) {
                Ok(c) => c,
                Err(answer) => return answer,
            };
            match p.sim_user.as_deref() {
                Some(user) if can_log_in(s, user) => approve(s, checked, user, call.now),
                Some(user) => error_page(&format!("no simulated user {user:?} can log in")),
                None => Outcome::html(StatusCode::OK, consent_page(s, &p, &checked)),
            }
        },
    )
    .await
}

async fn answer(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    form: web::Form<AuthorizeParams>,
) -> HttpResponse {
    let p = form.into_inner();
    serve(
        &sim,
        &req,
        Endpoint::Authorize,
        Auth::Open,
        move |s, call| {
            let checked = match check(s, &p) {
                Ok(c) => c,
                Err(answer) => return answer,
            };
            if p.authorize.as_deref() != Some("Allow") {
                let state = checked.state.clone();
                return back_to_app(
                    &checked.redirect_uri,
                    &[("state", &state), ("error", "access_denied")],
                );
            }
            match p.user.as_deref() {
                Some(user) if can_log_in(s, user) => approve(s, checked, user, call.now),
                _ => error_page("choose a simulated user to log in as"),
            }
        },
    )
    .await
}

fn hidden(name: &str, value: Option<&str>) -> String {
    format!(
        "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
        escape(value.unwrap_or_default())
    )
}

/// The users one may log in as: moderators first, those of the most subreddits at the top
/// (the sandbox's moderator, whose console is full, is the one already chosen), then the
/// others. Never the bot.
fn user_options(s: &Sim) -> String {
    let bot = s.bot_key();
    let moderates = |k: &str| {
        s.subreddits
            .values()
            .filter(|sub| sub.moderator(k).is_some())
            .count()
    };
    let mut users: Vec<(usize, &str)> = s
        .users
        .iter()
        .filter(|(k, u)| **k != bot && u.status == AccountStatus::Active)
        .map(|(k, u)| (moderates(k), u.name.as_str()))
        .collect();
    users.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let group = |label: &str, mods: bool| {
        let options: String = users
            .iter()
            .filter(|(n, _)| (*n > 0) == mods)
            .map(|(_, name)| {
                let first = users.first().is_some_and(|(_, f)| f == name);
                let selected = if first { " selected" } else { "" };
                format!("<option{selected}>{}</option>", escape(name))
            })
            .collect();
        if options.is_empty() {
            options
        } else {
            format!("<optgroup label=\"{label}\">{options}</optgroup>")
        }
    };
    group("Moderators", true) + &group("Other users", false)
}

/// The consent page: which simulated user you are, what the app asks for, Allow/Decline.
fn consent_page(s: &Sim, p: &AuthorizeParams, c: &Checked) -> String {
    let options = user_options(s);
    let scopes: String = c
        .scopes
        .iter()
        .map(|sc| format!("<li>{}</li>", escape(sc)))
        .collect();
    let fields: String = [
        ("client_id", p.client_id.as_deref()),
        ("response_type", p.response_type.as_deref()),
        ("state", p.state.as_deref()),
        ("redirect_uri", p.redirect_uri.as_deref()),
        ("duration", p.duration.as_deref()),
        ("scope", p.scope.as_deref()),
    ]
    .iter()
    .map(|(n, v)| hidden(n, *v))
    .collect();
    let body = format!(
        "<h1>Allow the app to connect to your Reddit account?</h1>\
         <p>App <code>{app}</code> will be sent back to <code>{uri}</code>.</p>\
         <p>It asks for:</p><ul>{scopes}</ul>\
         <form method=\"post\" action=\"/api/v1/authorize\">{fields}\
         <p><label>You are (simulated user): <select name=\"user\">{options}</select></label></p>\
         <p><button name=\"authorize\" value=\"Allow\">Allow</button> \
         <button name=\"authorize\" value=\"Decline\">Decline</button></p></form>",
        app = escape(p.client_id.as_deref().unwrap_or_default()),
        uri = escape(&c.redirect_uri),
    );
    crate::html::page_html("reddit: authorize", &body)
}
