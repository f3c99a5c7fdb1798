//! Reddit's endpoints, with OAuth, per-account rate limits, scopes and injected faults.
//!
//! Every call runs through [`serve`]: bearer token (401 without rate headers when it is
//! missing or expired), the account's rate window (429 with `Retry-After`), the scope the
//! endpoint needs (403 `insufficient_scope`), an injected fault, then the effect on the
//! model, counted by endpoint and outcome.

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, LOCATION, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::model::{Sim, SimError};
use crate::ratelimit::RateSnapshot;
use crate::simulator::Simulator;
use crate::types::{CallStatus, Endpoint, FaultMode};
use crate::wire;

mod authorize;
mod mod_notes;
mod modmail;
mod oauth;
mod subreddits;

pub fn configure(cfg: &mut web::ServiceConfig) {
    oauth::configure(cfg);
    authorize::configure(cfg);
    modmail::configure(cfg);
    mod_notes::configure(cfg);
    subreddits::configure(cfg);
}

/// What a handler decided, before rate headers are added.
pub struct Outcome {
    status: StatusCode,
    body: Body,
    headers: Vec<(HeaderName, String)>,
}

enum Body {
    Json(Value),
    Html(String),
    Empty,
}

impl Outcome {
    fn json(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body: Body::Json(body),
            headers: Vec::new(),
        }
    }

    fn ok(body: Value) -> Self {
        Self::json(StatusCode::OK, body)
    }

    fn empty(status: StatusCode) -> Self {
        Self {
            status,
            body: Body::Empty,
            headers: Vec::new(),
        }
    }

    fn html(status: StatusCode, page: String) -> Self {
        Self {
            status,
            body: Body::Html(page),
            headers: Vec::new(),
        }
    }

    /// `302 Found` to `url`, as Reddit's authorize step answers.
    fn redirect(url: String) -> Self {
        Self::empty(StatusCode::FOUND).with_header(LOCATION, url)
    }

    fn with_header(mut self, name: HeaderName, value: String) -> Self {
        self.headers.push((name, value));
        self
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
            // Reddit's newer endpoints: `{"fields", "explanation", "message", "reason"}`.
            SimError::Api {
                status,
                reason,
                field,
                explanation,
            } => {
                let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
                Self::json(
                    code,
                    json!({
                        "fields": [field],
                        "explanation": explanation,
                        "message": code.canonical_reason().unwrap_or("Error"),
                        "reason": reason,
                    }),
                )
            }
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
    for (name, value) in outcome.headers {
        b.insert_header((name, value));
    }
    match outcome.body {
        Body::Json(body) => b
            .insert_header((CONTENT_TYPE, "application/json; charset=UTF-8"))
            .body(body.to_string()),
        Body::Html(page) => b
            .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
            .body(page),
        Body::Empty => b.finish(),
    }
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Who may call an endpoint.
#[derive(Clone, Copy)]
pub enum Auth {
    /// No token: the token endpoint and the consent page.
    Open,
    /// A bearer token whose grant holds this OAuth scope.
    Scope(&'static str),
}

/// The call as the effect sees it.
pub struct Call {
    pub now: DateTime<Utc>,
    /// Lower-cased account of the bearer token (empty for [`Auth::Open`]).
    pub actor: String,
}

/// Token, rate window and scope. `Err` is the finished refusal.
fn admit(
    s: &mut Sim,
    req: &HttpRequest,
    ep: Endpoint,
    auth: Auth,
    now: DateTime<Utc>,
) -> Result<(String, Option<RateSnapshot>), Box<HttpResponse>> {
    let Auth::Scope(scope) = auth else {
        return Ok((String::new(), None));
    };
    let Some(grant) = bearer(req).and_then(|t| s.grant(t, now)).cloned() else {
        // Reddit cannot charge an unknown client, so no rate headers here.
        s.count(ep, CallStatus::Status(401));
        return Err(Box::new(respond(Outcome::error(401), None)));
    };
    let snap = s.rate_for(&grant.account).take(now);
    s.observe_rate(&snap);
    if !snap.allowed {
        s.count(ep, CallStatus::Status(429));
        let retry = snap.reset_secs.to_string();
        let refused = Outcome::error(429).with_header(RETRY_AFTER, retry);
        return Err(Box::new(respond(refused, Some(&snap))));
    }
    if !grant.allows(scope) {
        s.count(ep, CallStatus::Status(403));
        let challenge =
            format!("Bearer realm=\"reddit\", error=\"insufficient_scope\", scope=\"{scope}\"");
        let refused =
            Outcome::error(403).with_header(HeaderName::from_static("www-authenticate"), challenge);
        return Err(Box::new(respond(refused, Some(&snap))));
    }
    Ok((grant.account, Some(snap)))
}

/// Runs one API call: admission, injected fault, then `effect`.
async fn serve<F>(
    sim: &Simulator,
    req: &HttpRequest,
    ep: Endpoint,
    auth: Auth,
    effect: F,
) -> HttpResponse
where
    F: FnOnce(&mut Sim, &Call) -> Outcome + 'static,
{
    let (actor, rate, fault) = {
        let mut s = sim.lock();
        let now = s.now();
        match admit(&mut s, req, ep, auth, now) {
            Ok((actor, rate)) => (actor, rate, s.faults.take(ep)),
            Err(refused) => return *refused,
        }
    };
    let outcome = match fault {
        None => apply(sim, actor, effect),
        Some(FaultMode::Status(code)) => Outcome::error(code),
        Some(FaultMode::StatusAfterApply(code)) => {
            apply(sim, actor, effect);
            Outcome::error(code)
        }
        Some(FaultMode::Delay(delay)) => {
            // A detached task finishes the call even if the client hangs up meanwhile.
            let sim = sim.clone();
            let task = actix_web::rt::spawn(async move {
                tokio::time::sleep(delay).await;
                apply(&sim, actor, effect)
            });
            task.await.unwrap_or_else(|_| Outcome::error(500))
        }
        Some(FaultMode::DropAfterApply) => {
            apply(sim, actor, effect);
            sim.lock().count(ep, CallStatus::Dropped);
            crate::server::drop_connection(req);
            return HttpResponse::InternalServerError().finish();
        }
    };
    sim.lock()
        .count(ep, CallStatus::Status(outcome.status.as_u16()));
    respond(outcome, rate.as_ref())
}

fn apply<F>(sim: &Simulator, actor: String, effect: F) -> Outcome
where
    F: FnOnce(&mut Sim, &Call) -> Outcome,
{
    let mut s = sim.lock();
    let call = Call {
        now: s.now(),
        actor,
    };
    effect(&mut s, &call)
}

/// Reddit's booleans in forms: `true`/`True`/`1`/...
pub(crate) fn truthy(v: Option<&str>) -> bool {
    v.is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "true" | "1" | "yes" | "on"
        )
    })
}
