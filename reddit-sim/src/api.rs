//! The Reddit endpoints the bot calls, with OAuth, rate limiting and injected faults.

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::model::{ConvState, Conversation, Sim, SimError, key};
use crate::ratelimit::RateSnapshot;
use crate::simulator::Simulator;
use crate::types::{Endpoint, FaultMode};
use crate::wire;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/access_token", web::post().to(token))
        .route("/api/v1/me", web::get().to(me))
        .route("/api/mod/conversations", web::get().to(list))
        .route("/api/mod/conversations/{id}", web::get().to(get))
        .route("/api/mod/conversations/{id}", web::post().to(reply))
        .route(
            "/api/mod/conversations/{id}/archive",
            web::post().to(archive),
        )
        .route(
            "/api/mod/conversations/{id}/unarchive",
            web::post().to(unarchive),
        )
        .route("/r/{sub}/about/banned", web::get().to(banned))
        .route("/user/{name}/about", web::get().to(user_about))
        .route("/user/{name}/about.json", web::get().to(user_about));
}

/// What a handler decided, before headers are added.
pub struct Outcome {
    status: StatusCode,
    body: Option<Value>,
}

impl Outcome {
    fn json(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
        }
    }

    fn ok(body: Value) -> Self {
        Self::json(StatusCode::OK, body)
    }

    fn empty(status: StatusCode) -> Self {
        Self { status, body: None }
    }

    fn error(status: u16) -> Self {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = code.canonical_reason().unwrap_or("Error");
        Self::json(code, wire::error(code.as_u16(), message))
    }
}

impl From<SimError> for Outcome {
    fn from(e: SimError) -> Self {
        match e {
            SimError::NotFound(_) => Self::error(404),
            SimError::Forbidden(_) => Self::error(403),
            SimError::Invalid(msg) => Self::json(
                StatusCode::BAD_REQUEST,
                json!({"message": "Bad Request", "error": 400, "explanation": msg}),
            ),
        }
    }
}

fn respond(outcome: Outcome, rate: Option<&RateSnapshot>) -> HttpResponse {
    let mut b = HttpResponse::build(outcome.status);
    if let Some(rate) = rate {
        for h in rate.headers() {
            b.insert_header(h);
        }
    }
    match outcome.body {
        Some(body) => b
            .content_type("application/json; charset=UTF-8")
            .body(body.to_string()),
        None => b.finish(),
    }
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Runs one API call: token check, rate limit, injected fault, then `effect`.
async fn serve<F>(
    sim: &Simulator,
    req: &HttpRequest,
    ep: Endpoint,
    oauth: bool,
    effect: F,
) -> HttpResponse
where
    F: FnOnce(&mut Sim, DateTime<Utc>) -> Outcome + 'static,
{
    let (rate, fault) = {
        let mut s = sim.lock();
        let now = s.now();
        let mut rate = None;
        if oauth {
            if !bearer(req).is_some_and(|t| s.token_valid(t, now)) {
                // Reddit cannot charge an unknown client, so no rate headers here.
                s.count(ep, "401");
                return respond(Outcome::error(401), None);
            }
            let snap = s.rate.take(now);
            s.observe_rate(&snap);
            if !snap.allowed {
                s.count(ep, "429");
                let mut resp = respond(Outcome::error(429), Some(&snap));
                if let Ok(v) = snap.reset_secs.to_string().parse() {
                    resp.headers_mut().insert(RETRY_AFTER, v);
                }
                return resp;
            }
            rate = Some(snap);
        }
        (rate, s.faults.take(ep))
    };
    let apply = |effect: F| {
        let mut s = sim.lock();
        let now = s.now();
        effect(&mut s, now)
    };
    let outcome = match fault {
        None => apply(effect),
        Some(FaultMode::Status(code)) => Outcome::error(code),
        Some(FaultMode::StatusAfterApply(code)) => {
            apply(effect);
            Outcome::error(code)
        }
        Some(FaultMode::Delay(delay)) => {
            // A detached task finishes the call even if the client hangs up meanwhile.
            let sim = sim.clone();
            let task = actix_web::rt::spawn(async move {
                tokio::time::sleep(delay).await;
                let mut s = sim.lock();
                let now = s.now();
                effect(&mut s, now)
            });
            task.await.unwrap_or_else(|_| Outcome::error(500))
        }
        Some(FaultMode::DropAfterApply) => {
            apply(effect);
            sim.lock().count(ep, "dropped");
            crate::server::drop_connection(req);
            return HttpResponse::InternalServerError().finish();
        }
    };
    sim.lock().count(ep, outcome.status.as_str());
    respond(outcome, rate.as_ref())
}

// ---- token ---------------------------------------------------------------------------

#[derive(Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
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

const SCOPE: &str = "identity modcontributors modmail modconfig modself read history";

async fn token(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    form: web::Form<TokenForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let client = basic_auth(&req);
    serve(&sim, &req, Endpoint::Token, false, move |s, now| {
        let bot = &s.cfg.bot;
        if client != Some((bot.client_id.clone(), bot.client_secret.clone())) {
            return Outcome::error(401);
        }
        if form.grant_type.as_deref() != Some("password") {
            return Outcome::ok(json!({"error": "unsupported_grant_type"}));
        }
        let user_ok = form
            .username
            .as_deref()
            .is_some_and(|u| key(u) == key(&bot.username));
        if !user_ok || form.password.as_deref() != Some(bot.password.as_str()) {
            return Outcome::ok(json!({"error": "invalid_grant"}));
        }
        let ttl = s.cfg.token_ttl_secs;
        let token = s.issue_token(now);
        Outcome::ok(json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": ttl,
            "scope": SCOPE,
        }))
    })
    .await
}

// ---- modmail ---------------------------------------------------------------------------

#[derive(Deserialize)]
struct ListQuery {
    entity: Option<String>,
    sort: Option<String>,
    state: Option<String>,
    limit: Option<usize>,
    after: Option<String>,
}

fn state_matches(s: &Sim, c: &Conversation, state: &str, now: DateTime<Utc>) -> bool {
    match state {
        "new" => c.state == ConvState::New,
        "inprogress" => c.state == ConvState::InProgress,
        "archived" => c.state == ConvState::Archived,
        "default" | "inbox" => c.state != ConvState::Archived,
        "mod" => c.is_internal,
        "highlighted" => c.is_highlighted,
        "notifications" => c.is_auto,
        // Reddit's "Ban appeals" folder: answers from users who are banned.
        "appeals" => {
            c.state != ConvState::Archived
                && c.last_user_update.is_some()
                && c.participant
                    .as_deref()
                    .is_some_and(|p| s.active_ban(&c.subreddit, p, now).is_some())
        }
        "join_requests" | "filtered" => false,
        _ => true,
    }
}

async fn list(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> HttpResponse {
    let q = q.into_inner();
    serve(&sim, &req, Endpoint::List, true, move |s, now| {
        let subs: Vec<String> = match &q.entity {
            Some(e) => {
                let named: Vec<String> = e.split(',').map(key).filter(|k| !k.is_empty()).collect();
                let allowed: Vec<String> =
                    named.into_iter().filter(|k| s.bot_moderates(k)).collect();
                if allowed.is_empty() {
                    return Outcome::error(403);
                }
                allowed
            }
            None => s
                .subreddits
                .keys()
                .filter(|k| s.bot_moderates(k))
                .cloned()
                .collect(),
        };
        let state = q.state.as_deref().unwrap_or("all");
        let mut convs: Vec<&Conversation> = s
            .conversations
            .values()
            .filter(|c| subs.contains(&c.subreddit) && state_matches(s, c, state, now))
            .collect();
        let sort = q.sort.as_deref().unwrap_or("recent");
        convs.sort_by(|a, b| {
            let at = |c: &Conversation| match sort {
                "mod" => c.last_mod_update,
                "user" => c.last_user_update,
                "unread" => c.last_unread,
                _ => Some(c.last_updated),
            };
            // Newest first; equal times fall back to the newer (longer, then larger) id.
            (at(b), b.id.len(), &b.id).cmp(&(at(a), a.id.len(), &a.id))
        });
        if let Some(after) = q.after.as_deref().filter(|a| !a.is_empty()) {
            convs = match convs.iter().position(|c| c.id == after) {
                Some(i) => convs.split_off(i + 1),
                None => Vec::new(),
            };
        }
        convs.truncate(q.limit.unwrap_or(25).clamp(1, 100));
        let mut conversations = serde_json::Map::new();
        let mut messages = serde_json::Map::new();
        let mut ids = Vec::new();
        for c in convs {
            ids.push(Value::String(c.id.clone()));
            conversations.insert(c.id.clone(), wire::conversation(s, c));
            if let Some((id, m)) = wire::last_message(s, c) {
                messages.insert(id, m);
            }
        }
        let viewer = s
            .users
            .get(&s.bot_key())
            .map(|u| u.fullname())
            .unwrap_or_default();
        Outcome::ok(json!({
            "conversations": conversations,
            "messages": messages,
            "viewerId": viewer,
            "conversationIds": ids,
        }))
    })
    .await
}

async fn get(sim: web::Data<Simulator>, req: HttpRequest, id: web::Path<String>) -> HttpResponse {
    let id = id.into_inner();
    serve(&sim, &req, Endpoint::Get, true, move |s, now| {
        match s.bot_access(&id) {
            Ok(c) => Outcome::ok(wire::conversation_get(s, c, now)),
            Err(e) => e.into(),
        }
    })
    .await
}

#[derive(Deserialize)]
struct ReplyForm {
    body: Option<String>,
    #[serde(rename = "isAuthorHidden")]
    is_author_hidden: Option<String>,
    #[serde(rename = "isInternal")]
    is_internal: Option<String>,
}

fn truthy(v: Option<&str>) -> bool {
    v.is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "true" | "1" | "yes" | "on"
        )
    })
}

async fn reply(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<ReplyForm>,
) -> HttpResponse {
    let id = id.into_inner();
    let form = form.into_inner();
    serve(&sim, &req, Endpoint::Reply, true, move |s, now| {
        let body = form.body.unwrap_or_default();
        let hidden = truthy(form.is_author_hidden.as_deref());
        let internal = truthy(form.is_internal.as_deref());
        if let Err(e) = s.bot_reply(&id, &body, hidden, internal, now) {
            return e.into();
        }
        match s.conversation(&id) {
            Ok(c) => Outcome::json(StatusCode::CREATED, wire::conversation_reply(s, c, now)),
            Err(e) => e.into(),
        }
    })
    .await
}

async fn archive(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let id = id.into_inner();
    serve(&sim, &req, Endpoint::Archive, true, move |s, now| {
        match s.bot_archive(&id, true, now) {
            Ok(_) => Outcome::empty(StatusCode::NO_CONTENT),
            Err(e) => e.into(),
        }
    })
    .await
}

async fn unarchive(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let id = id.into_inner();
    serve(&sim, &req, Endpoint::Unarchive, true, move |s, now| {
        if let Err(e) = s.bot_archive(&id, false, now) {
            return e.into();
        }
        match s.conversation(&id) {
            Ok(c) => Outcome::ok(wire::conversation_unarchive(s, c, now)),
            Err(e) => e.into(),
        }
    })
    .await
}

// ---- accounts ----------------------------------------------------------------------------

#[derive(Deserialize)]
struct BannedQuery {
    user: Option<String>,
}

async fn banned(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    sub: web::Path<String>,
    q: web::Query<BannedQuery>,
) -> HttpResponse {
    let sub = sub.into_inner();
    let user = q.into_inner().user;
    serve(&sim, &req, Endpoint::Banned, true, move |s, now| {
        let sub = match s.subreddit(&sub) {
            Ok(sub) => key(&sub.name),
            Err(e) => return e.into(),
        };
        if !s.bot_moderates(&sub) {
            return Outcome::error(403);
        }
        let wanted = user.as_deref().map(key).filter(|u| !u.is_empty());
        let children: Vec<Value> = s
            .bans
            .values()
            .filter(|b| b.subreddit == sub && b.active(now))
            .filter(|b| wanted.as_ref().is_none_or(|w| *w == b.user))
            .map(|b| {
                let u = s.users.get(&b.user);
                let mut child = json!({
                    "date": b.at.timestamp() as f64,
                    "note": b.note,
                    "name": u.map_or(b.user.as_str(), |u| u.name.as_str()),
                    "id": u.map(|u| u.fullname()).unwrap_or_default(),
                    "rel_id": b.rel_id,
                });
                if let (Some(end), Value::Object(o)) = (b.ends(), &mut child) {
                    let days = (end - now).num_hours().div_euclid(24) + 1;
                    o.insert("days_left".into(), json!(days));
                }
                child
            })
            .collect();
        Outcome::ok(json!({
            "kind": "Listing",
            "data": {"modhash": null, "children": children, "after": null, "before": null},
        }))
    })
    .await
}

async fn user_about(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    name: web::Path<String>,
) -> HttpResponse {
    let name = name.into_inner();
    serve(&sim, &req, Endpoint::UserAbout, true, move |s, _| {
        use crate::model::AccountStatus;
        let Some(u) = s.users.get(&key(&name)) else {
            return Outcome::error(404);
        };
        match u.status {
            AccountStatus::Deleted => Outcome::error(404),
            AccountStatus::Suspended => Outcome::ok(json!({
                "kind": "t2",
                "data": {"name": u.name, "is_suspended": true, "awardee_karma": 0, "awarder_karma": 0, "is_blocked": false, "total_karma": 0},
            })),
            AccountStatus::Active => Outcome::ok(json!({
                "kind": "t2",
                "data": {
                    "name": u.name,
                    "id": crate::model::base36(u.num),
                    "created": u.created.timestamp() as f64,
                    "created_utc": u.created.timestamp() as f64,
                    "is_suspended": false,
                    "is_employee": false,
                    "is_mod": s.subreddits.values().any(|sub| sub.moderators.contains(&key(&u.name))),
                    "is_gold": false,
                    "verified": true,
                    "has_verified_email": true,
                    "link_karma": 1,
                    "comment_karma": 1,
                    "total_karma": 2,
                    "icon_img": "",
                },
            })),
        }
    })
    .await
}

async fn me(sim: web::Data<Simulator>, req: HttpRequest) -> HttpResponse {
    serve(&sim, &req, Endpoint::Me, true, move |s, _| {
        let Some(u) = s.users.get(&s.bot_key()) else {
            return Outcome::error(404);
        };
        Outcome::ok(json!({
            "name": u.name,
            "id": crate::model::base36(u.num),
            "created_utc": u.created.timestamp() as f64,
            "is_suspended": false,
            "is_mod": true,
            "is_employee": false,
            "has_verified_email": true,
        }))
    })
    .await
}
