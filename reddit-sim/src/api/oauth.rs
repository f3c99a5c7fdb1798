//! `POST /api/v1/access_token` (password, authorization-code and refresh-token grants) and
//! `GET /api/v1/me`.
//!
//! Refusals follow Reddit: a bad client is 401; everything else is HTTP 200 with an
//! `error` key (`invalid_grant` for a wrong password, a used or expired code, or a
//! redirect URI that differs from the authorization request's).

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Auth, Call, Outcome, serve};
use crate::model::{AccountStatus, Sim, WebAppGrant, key};
use crate::simulator::Simulator;
use crate::types::Endpoint;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/access_token", web::post().to(token))
        .route("/api/v1/me", web::get().to(me));
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    refresh_token: Option<String>,
}

fn basic_auth(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Which app authenticated the token call.
#[derive(Clone, PartialEq, Eq)]
enum App {
    /// A bot's "script" app (the bot's or one of the extra bots'): password grant only.
    Script(crate::BotAccount),
    /// The console's "web" app: authorization-code and refresh-token grants.
    Web,
}

fn which_app(s: &Sim, client: Option<(String, String)>) -> Option<App> {
    let (id, secret) = client?;
    let web = &s.cfg.web_app;
    let bot = std::iter::once(&s.cfg.bot)
        .chain(&s.cfg.extra_bots)
        .find(|b| id == b.client_id && secret == b.client_secret);
    if let Some(bot) = bot {
        Some(App::Script(bot.clone()))
    } else if id == web.client_id && secret == web.client_secret {
        Some(App::Web)
    } else {
        None
    }
}

fn refused(error: &str) -> Outcome {
    Outcome::ok(json!({"error": error}))
}

async fn token(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    form: web::Form<TokenForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let client = basic_auth(&req);
    serve(&sim, &req, Endpoint::Token, Auth::Open, move |s, call| {
        let Some(app) = which_app(s, client) else {
            return Outcome::error(401);
        };
        match (app, form.grant_type.as_deref()) {
            (App::Script(bot), Some("password")) => password_grant(s, &bot, &form, call),
            (App::Web, Some("authorization_code")) => code_grant(s, &form, call),
            (App::Web, Some("refresh_token")) => refresh_grant(s, &form, call),
            _ => refused("unsupported_grant_type"),
        }
    })
    .await
}

/// The token answer; `refresh_token` only for permanent grants, as recorded.
fn token_answer(
    s: &mut Sim,
    (account, client): (&str, &str),
    scopes: Vec<String>,
    refresh: Option<String>,
    call: &Call,
) -> Outcome {
    let scope = scopes.join(" ");
    let token = s.issue_token(account, client, scopes, call.now);
    let mut answer = json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": s.cfg.token_ttl_secs,
        "scope": scope,
    });
    if let (Some(r), Value::Object(o)) = (refresh, &mut answer) {
        o.insert("refresh_token".into(), json!(r));
    }
    Outcome::ok(answer)
}

fn password_grant(s: &mut Sim, bot: &crate::BotAccount, form: &TokenForm, call: &Call) -> Outcome {
    let user_ok = form
        .username
        .as_deref()
        .is_some_and(|u| key(u) == key(&bot.username));
    if !user_ok || form.password.as_deref() != Some(bot.password.as_str()) {
        return refused("invalid_grant");
    }
    // A script app's token holds every scope (`"scope": "*"` in the recordings).
    let (account, client) = (bot.username.clone(), bot.client_id.clone());
    token_answer(s, (&account, &client), vec!["*".to_owned()], None, call)
}

fn code_grant(s: &mut Sim, form: &TokenForm, call: &Call) -> Outcome {
    let Some(code) = form.code.as_deref().filter(|c| !c.is_empty()) else {
        return refused("invalid_request");
    };
    let redirect = form.redirect_uri.as_deref().unwrap_or_default();
    let grant = match s.redeem_code(code, redirect, call.now) {
        Ok(g) => g,
        Err(e) => return refused(e),
    };
    let refresh = grant
        .permanent
        .then(|| s.issue_refresh_token(grant.clone()));
    let client = s.cfg.web_app.client_id.clone();
    token_answer(s, (&grant.account, &client), grant.scopes, refresh, call)
}

fn refresh_grant(s: &mut Sim, form: &TokenForm, call: &Call) -> Outcome {
    let presented = form.refresh_token.clone().unwrap_or_default();
    let Some(WebAppGrant {
        account, scopes, ..
    }) = s.refresh_grant(&presented)
    else {
        return refused("invalid_grant");
    };
    let client = s.cfg.web_app.client_id.clone();
    token_answer(s, (&account, &client), scopes, Some(presented), call)
}

async fn me(sim: web::Data<Simulator>, req: HttpRequest) -> HttpResponse {
    serve(
        &sim,
        &req,
        Endpoint::Me,
        Auth::Scope("identity"),
        move |s, call| {
            let Some(u) = s.users.get(&call.actor) else {
                return Outcome::error(404);
            };
            let is_mod = s
                .subreddits
                .values()
                .any(|sub| sub.moderator(&call.actor).is_some());
            Outcome::ok(json!({
                "name": u.name,
                "id": crate::model::base36(u.num),
                "created": u.created.timestamp() as f64,
                "created_utc": u.created.timestamp() as f64,
                "is_suspended": u.status == AccountStatus::Suspended,
                "is_mod": is_mod,
                "is_employee": false,
                "has_verified_email": true,
                "verified": true,
                "link_karma": 1,
                "comment_karma": 1,
                "total_karma": 2,
                "icon_img": "",
                "over_18": false,
            }))
        },
    )
    .await
}
