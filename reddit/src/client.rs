//! The HTTP side: OAuth token, requests, retries, rate limiting and counters.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use appealmod_core::domain::{
    AccountStatus, BanEntry, Conversation, ConversationId, ConversationSummary, InviteOutcome,
    Message, ModNote, ModNoteId, ModNoteLabel, RedditUsername, SubredditModerator, SubredditName,
};
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::header::{AUTHORIZATION, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use crate::counters::{CallCounters, CallOutcome};
use crate::error::{AuthError, RedditError};
use crate::limiter::{Limiter, RateHeaders};
use crate::wire;

/// Where the client talks to and how it introduces itself. The bot builds it from its
/// configuration; the client knows nothing of configuration files.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Reddit asks for `<platform>:<app id>:<version> (by /u/<owner>)`.
    pub user_agent: String,
    /// Where tokens come from (`/api/v1/access_token`).
    pub auth_base_url: String,
    /// Where API calls go.
    pub api_base_url: String,
    /// Per-request timeout, unless [`ClientOptions::request_timeout`] overrides it.
    pub request_timeout: Duration,
}

impl ClientConfig {
    /// Reddit's OAuth and API hosts (or a simulator's) at one base URL, as tests use it.
    pub fn at(base_url: &str) -> Self {
        Self {
            user_agent: concat!(
                "rust:appealmod:v",
                env!("CARGO_PKG_VERSION"),
                " (by /u/appealmod)"
            )
            .to_owned(),
            auth_base_url: base_url.to_owned(),
            api_base_url: base_url.to_owned(),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// The bot account and its script app. Secrets print as `[REDACTED]` (secrecy).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub username: String,
    pub password: SecretString,
    pub client_id: String,
    pub client_secret: SecretString,
}

impl Credentials {
    pub fn new(username: &str, password: &str, client_id: &str, client_secret: &str) -> Self {
        Self {
            username: username.to_owned(),
            password: password.into(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.into(),
        }
    }
}

/// Tuning knobs. `Default` suits Reddit; tests shrink the delays.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Per-request timeout; `None` takes [`ClientConfig::request_timeout`].
    pub request_timeout: Option<Duration>,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Attempts of a read (GET, token) on 5xx or a transport error, the first included.
    pub max_attempts: u32,
    /// First retry delay; doubles each attempt, with jitter.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_cap: Duration,
    /// How many 429s one call waits out before giving up with `RateLimited`.
    pub max_rate_limit_waits: u32,
    /// Longest single wait on a 429 (Reddit's windows are 10 minutes).
    pub max_rate_limit_wait: Duration,
    /// Requests left unspent in every rate-limit window.
    pub limiter_reserve: f64,
    /// The token is renewed this long before it expires (at most half its lifetime).
    pub token_refresh_margin: Duration,
    /// Where the token's expiry is read: the system clock, or the shell's movable one.
    pub clock: Now,
}

/// The time as the shell tells it: [`Now::system`] by default, or a function reading the
/// bot's movable clock, so that a test expires a token by moving that clock, not by waiting.
#[derive(Clone)]
pub struct Now(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Now {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(Utc::now))
    }

    /// The time `now` returns.
    pub fn from_fn(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl Default for Now {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for Now {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Now").field(&self.now()).finish()
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            request_timeout: None,
            connect_timeout: Duration::from_secs(10),
            max_attempts: 4,
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(60),
            max_rate_limit_waits: 3,
            max_rate_limit_wait: Duration::from_secs(15 * 60),
            limiter_reserve: 10.0,
            token_refresh_margin: Duration::from_secs(60),
            clock: Now::system(),
        }
    }
}

/// One page of the modmail list, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub conversations: Vec<ConversationSummary>,
    /// Listed conversations that could not be read (the others are still here).
    pub undecodable: Vec<wire::Undecodable>,
    /// Pass as `after` to get the next page; `None` when this page was not full, i.e. the
    /// list ended here.
    pub after: Option<ConversationId>,
    /// Each listed conversation's last message, where the listing had it.
    pub last_messages: HashMap<ConversationId, Message>,
}

/// What [`RedditClient::list_changed_since`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedSince {
    /// Conversations updated after the cursor, newest first.
    pub conversations: Vec<ConversationSummary>,
    /// Listed conversations updated after the cursor (or of unknown date) that could not be
    /// read: the caller parks them instead of stopping at them.
    pub undecodable: Vec<wire::Undecodable>,
    /// True when the cursor (or the end of the list) was reached; false when `max_pages`
    /// ran out first, so older changes may remain unread and the cursor must not jump past
    /// them.
    pub complete: bool,
    pub pages: u32,
    /// The last message of each conversation in `conversations`, where the listing had it.
    pub last_messages: HashMap<ConversationId, Message>,
}

/// Reddit caps modmail pages at 100.
pub const MAX_PAGE: u32 = 100;

/// The endpoints, named as in the counters and in errors' `call`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    Token,
    List,
    Get,
    Reply,
    Archive,
    Unarchive,
    Banned,
    UserAbout,
    Me,
    /// `GET /r/{sub}/about/moderators`.
    Moderators,
    /// `POST /r/{sub}/api/accept_moderator_invite`.
    AcceptInvite,
    /// `GET /api/mod/notes`.
    ModNotes,
    /// `POST /api/mod/notes`.
    AddModNote,
    /// `POST /api/mod/conversations/{id}/unban`.
    Unban,
    /// `POST /api/mod/conversations/{id}/temp_ban`.
    TempBan,
}

impl Endpoint {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::List => "list",
            Self::Get => "get",
            Self::Reply => "reply",
            Self::Archive => "archive",
            Self::Unarchive => "unarchive",
            Self::Banned => "banned",
            Self::UserAbout => "user_about",
            Self::Me => "me",
            Self::Moderators => "moderators",
            Self::AcceptInvite => "accept_invite",
            Self::ModNotes => "mod_notes",
            Self::AddModNote => "add_mod_note",
            Self::Unban => "unban",
            Self::TempBan => "temp_ban",
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

struct Token {
    value: Arc<str>,
    /// On [`ClientOptions::clock`].
    refresh_at: DateTime<Utc>,
}

struct Inner {
    http: reqwest::Client,
    auth_base: String,
    api_base: String,
    creds: Credentials,
    options: ClientOptions,
    /// A tokio mutex, held across the token request, so concurrent callers wait for one
    /// refresh instead of each logging in.
    token: tokio::sync::Mutex<Option<Token>>,
    limiter: Limiter,
    calls: Mutex<BTreeMap<(Endpoint, CallOutcome), u64>>,
    rng: Mutex<StdRng>,
}

/// Reddit's OAuth API for one bot account. Cheap to clone: clones share the token, the
/// rate limiter and the counters.
#[derive(Clone)]
pub struct RedditClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RedditClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedditClient")
            .field("api_base", &self.inner.api_base)
            .field("username", &self.inner.creds.username)
            .finish_non_exhaustive()
    }
}

/// One request as the retry loop sees it.
struct Call {
    endpoint: Endpoint,
    method: Method,
    url: String,
    query: Vec<(&'static str, String)>,
    form: Option<Vec<(&'static str, String)>>,
    conversation: Option<ConversationId>,
    /// What the call is about, for NotFound/Forbidden messages ("conversation ik72").
    what: String,
}

impl Call {
    fn is_write(&self) -> bool {
        self.method == Method::POST
    }

    fn outcome_unknown(&self, reason: String) -> RedditError {
        RedditError::OutcomeUnknown {
            call: self.endpoint.as_str(),
            conversation_id: self.conversation.clone(),
            what: self.what.clone(),
            reason,
        }
    }
}

/// What one attempt came back with, before any decision about retrying.
enum Attempt {
    /// Reddit answered in full. `wait_hint` is how long Reddit asks callers to hold back
    /// (`Retry-After`, else the rate-limit reset), for a 429.
    Answered {
        status: StatusCode,
        body: Vec<u8>,
        wait_hint: Option<Duration>,
    },
    /// No complete answer: no HTTP answer at all, or a body that broke off. `never_sent`
    /// is true only when the connection was never made, so nothing can have reached Reddit.
    Lost { detail: String, never_sent: bool },
}

/// Attempts one call has used so far.
#[derive(Debug, Default)]
struct Tries {
    /// Attempts that count against `max_attempts`; a fresh login or a 429 wait does not.
    attempts: u32,
    rate_waits: u32,
    relogged: bool,
}

/// What the retry loop does after an attempt.
#[derive(Debug)]
enum Next {
    Done(Result<Vec<u8>, RedditError>),
    /// A read failed in a way worth another try, after the backoff.
    Backoff {
        reason: String,
    },
    /// The token was refused: log in again and resend.
    Relogin,
    /// 429: hold the whole account back, then resend.
    RateLimited {
        hint: Option<Duration>,
    },
}

/// Decides what follows one attempt of `call`; `tries.attempts` includes this attempt.
fn next_step(call: &Call, attempt: Attempt, tries: &Tries, max_attempts: u32) -> Next {
    let name = call.endpoint.as_str();
    let can_retry = tries.attempts < max_attempts;
    let fail = |e: RedditError| Next::Done(Err(e));
    let (status, body, wait_hint) = match attempt {
        Attempt::Answered {
            status,
            body,
            wait_hint,
        } => (status, body, wait_hint),
        // Only a failed connect proves a write never left; anything later (timeout, reset,
        // closed without answer, a body cut short) may have been applied.
        Attempt::Lost { detail, never_sent } if call.is_write() && !never_sent => {
            return fail(call.outcome_unknown(detail));
        }
        Attempt::Lost { detail, .. } if !call.is_write() && can_retry => {
            return Next::Backoff { reason: detail };
        }
        Attempt::Lost { detail, .. } => {
            return fail(RedditError::Transport { call: name, detail });
        }
    };
    match status.as_u16() {
        200..=299 => Next::Done(Ok(body)),
        // Refused before anything was applied, so retrying a write is safe.
        401 if !tries.relogged => Next::Relogin,
        401 => fail(AuthError::TokenRejected { call: name }.into()),
        // Refused before anything was applied: waiting and resending is safe for writes too.
        429 => Next::RateLimited { hint: wait_hint },
        403 => fail(RedditError::Forbidden {
            call: name,
            what: call.what.clone(),
        }),
        404 => fail(RedditError::NotFound {
            call: name,
            what: call.what.clone(),
        }),
        500..=599 if call.is_write() => {
            fail(call.outcome_unknown(format!("HTTP {status}: {}", error_text(&body))))
        }
        500..=599 if can_retry => Next::Backoff {
            reason: format!("HTTP {status}"),
        },
        500..=599 => fail(RedditError::Server {
            call: name,
            status: status.as_u16(),
            attempts: tries.attempts,
        }),
        s => fail(RedditError::Rejected {
            call: name,
            status: s,
            message: error_text(&body),
        }),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Counters and the RNG stay usable after a panic elsewhere; their data cannot be torn.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn trim_base(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

/// A short, readable text for a reqwest error, with its causes.
fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        "connection failed".to_owned()
    };
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = src {
        s.push_str(": ");
        s.push_str(&err.to_string());
        src = err.source();
    }
    s
}

/// Reddit's error text from a JSON body (`message`, `explanation`, `reason` or `error`), or
/// the start of the body.
fn error_text(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        for key in ["explanation", "message", "reason", "error"] {
            if let Some(s) = v.get(key).and_then(|x| x.as_str()) {
                return s.to_owned();
            }
        }
    }
    let text = String::from_utf8_lossy(body);
    text.chars().take(200).collect()
}

fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let secs: f64 = h.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// How long a 429 asks every task of the account to hold back: `Retry-After` when Reddit
/// sends it; the window's reset only when the headers say the budget is spent. A 429 while
/// budget is left (a burst, or another client's spike) gets `None`: a short backoff, never
/// the rest of a ten-minute window.
fn wait_hint(retry_after: Option<Duration>, rate: Option<RateHeaders>) -> Option<Duration> {
    retry_after.or_else(|| rate.filter(|r| r.remaining < 1.0).map(|r| r.reset))
}

fn decode<T: DeserializeOwned>(endpoint: Endpoint, body: &[u8]) -> Result<T, RedditError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| RedditError::Decode {
        call: endpoint.as_str(),
        detail: format!("field `{}`: {}", e.path(), e.inner()),
    })
}

fn convert_err(endpoint: Endpoint) -> impl Fn(wire::ConvertError) -> RedditError {
    move |e| RedditError::Decode {
        call: endpoint.as_str(),
        detail: e.to_string(),
    }
}

impl RedditClient {
    /// A client with default options. Nothing is sent until the first call.
    pub fn new(config: &ClientConfig, creds: Credentials) -> Result<Self, RedditError> {
        Self::with_options(config, creds, ClientOptions::default())
    }

    pub fn with_options(
        config: &ClientConfig,
        creds: Credentials,
        options: ClientOptions,
    ) -> Result<Self, RedditError> {
        // reqwest is built without a default crypto provider; installing ring twice is a
        // harmless no-op (the error only says one is already installed).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let timeout = options
            .request_timeout
            .unwrap_or(config.request_timeout.max(Duration::from_secs(1)));
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(timeout)
            .connect_timeout(options.connect_timeout)
            // A redirect would turn a POST into a GET; Reddit's API does not redirect.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| RedditError::Transport {
                call: "setup",
                detail: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                auth_base: trim_base(&config.auth_base_url),
                api_base: trim_base(&config.api_base_url),
                creds,
                token: tokio::sync::Mutex::new(None),
                limiter: Limiter::new(options.limiter_reserve),
                calls: Mutex::new(BTreeMap::new()),
                rng: Mutex::new(StdRng::from_os_rng()),
                options,
            }),
        })
    }

    /// Counts so far, and what the rate limiter has seen.
    pub fn counters(&self) -> CallCounters {
        let rate = self.inner.limiter.snapshot();
        CallCounters {
            calls: lock(&self.inner.calls).clone(),
            last_remaining: rate.last_remaining,
            last_used: rate.last_used,
            min_remaining: rate.min_remaining,
        }
    }

    fn count(&self, endpoint: Endpoint, outcome: CallOutcome) {
        *lock(&self.inner.calls)
            .entry((endpoint, outcome))
            .or_insert(0) += 1;
    }

    /// Capped exponential backoff with "equal jitter": half fixed, half random, so retries
    /// of many tasks spread out but never come back too soon.
    fn backoff(&self, attempt: u32) -> Duration {
        let o = &self.inner.options;
        let exp = o
            .backoff_base
            .saturating_mul(1_u32 << attempt.saturating_sub(1).min(20));
        let d = exp.min(o.backoff_cap);
        let half = d / 2;
        let jitter = lock(&self.inner.rng).random_range(0.0..=1.0);
        half + half.mul_f64(jitter)
    }

    // -----------------------------------------------------------------------------------------
    // Token

    async fn access_token(&self) -> Result<Arc<str>, RedditError> {
        let mut guard = self.inner.token.lock().await;
        if let Some(t) = guard.as_ref()
            && self.inner.options.clock.now() < t.refresh_at
        {
            return Ok(t.value.clone());
        }
        let token = self.fetch_token().await?;
        let value = token.value.clone();
        *guard = Some(token);
        Ok(value)
    }

    /// Drops the token that just got a 401, unless another task already replaced it.
    async fn invalidate(&self, rejected: &str) {
        let mut guard = self.inner.token.lock().await;
        if guard.as_ref().is_some_and(|t| &*t.value == rejected) {
            *guard = None;
        }
    }

    async fn fetch_token(&self) -> Result<Token, RedditError> {
        let ep = Endpoint::Token;
        let max_attempts = self.inner.options.max_attempts;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (status, body, wait) = match self.request_token().await {
                Attempt::Answered {
                    status,
                    body,
                    wait_hint,
                } => (status, body, wait_hint),
                // Asking for a token changes nothing on Reddit: always safe to ask again.
                Attempt::Lost { detail, .. } if attempt < max_attempts => {
                    tracing::warn!(%detail, "the token request got no answer; retrying");
                    tokio::time::sleep(self.backoff(attempt)).await;
                    continue;
                }
                Attempt::Lost { detail, .. } => {
                    return Err(RedditError::Transport {
                        call: ep.as_str(),
                        detail,
                    });
                }
            };
            match status.as_u16() {
                200..=299 => return self.token_from(&body),
                401 | 403 => return Err(AuthError::BadClientCredentials.into()),
                429 => {
                    return Err(RedditError::RateLimited {
                        call: ep.as_str(),
                        retry_after: wait.unwrap_or_default(),
                    });
                }
                500..=599 if attempt < max_attempts => {
                    tokio::time::sleep(self.backoff(attempt)).await;
                }
                500..=599 => {
                    return Err(RedditError::Server {
                        call: ep.as_str(),
                        status: status.as_u16(),
                        attempts: attempt,
                    });
                }
                s => {
                    return Err(RedditError::Rejected {
                        call: ep.as_str(),
                        status: s,
                        message: error_text(&body),
                    });
                }
            }
        }
    }

    /// One password-grant request, counted. It does not wait for the rate limiter.
    async fn request_token(&self) -> Attempt {
        let c = &self.inner.creds;
        let url = format!("{}/api/v1/access_token", self.inner.auth_base);
        let form = [
            ("grant_type", "password"),
            ("username", c.username.as_str()),
            ("password", c.password.expose_secret()),
        ];
        let sent = self
            .inner
            .http
            .post(&url)
            .basic_auth(&c.client_id, Some(c.client_secret.expose_secret()))
            .form(&form)
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                self.count(Endpoint::Token, CallOutcome::Transport);
                return Attempt::Lost {
                    detail: describe(&e),
                    never_sent: e.is_connect(),
                };
            }
        };
        let status = resp.status();
        let wait_hint = retry_after(resp.headers());
        self.count(Endpoint::Token, CallOutcome::Status(status.as_u16()));
        match resp.bytes().await {
            Ok(b) => Attempt::Answered {
                status,
                body: b.to_vec(),
                wait_hint,
            },
            Err(e) => Attempt::Lost {
                detail: describe(&e),
                never_sent: false,
            },
        }
    }

    fn token_from(&self, body: &[u8]) -> Result<Token, RedditError> {
        let t: wire::TokenResponse = decode(Endpoint::Token, body)?;
        // Reddit says "no" with HTTP 200 and an `error` key.
        match &t.error {
            Some(serde_json::Value::String(code)) => {
                return Err(if code == "invalid_grant" {
                    AuthError::BadUserCredentials { code: code.clone() }
                } else if code == "invalid_client" || code == "unauthorized_client" {
                    AuthError::BadClientCredentials
                } else {
                    AuthError::Other {
                        detail: format!("error `{code}`"),
                    }
                }
                .into());
            }
            Some(serde_json::Value::Number(n)) if n.as_u64() == Some(401) => {
                return Err(AuthError::BadClientCredentials.into());
            }
            Some(other) => {
                return Err(AuthError::Other {
                    detail: format!("error {other}: {}", t.message.clone().unwrap_or_default()),
                }
                .into());
            }
            None => {}
        }
        let value = t
            .access_token
            .filter(|v| !v.is_empty())
            .ok_or_else(|| AuthError::Other {
                detail: "the answer has no access_token".to_owned(),
            })?;
        // Reddit grants 86400 s; assume an hour if it forgets to say.
        let lifetime = Duration::from_secs_f64(t.expires_in.unwrap_or(3600.0).clamp(1.0, 1e7));
        let margin = self.inner.options.token_refresh_margin.min(lifetime / 2);
        // At most 1e7 s, which chrono holds.
        let valid = chrono::Duration::from_std(lifetime - margin)
            .unwrap_or_else(|_| chrono::Duration::hours(1));
        Ok(Token {
            value: value.into(),
            refresh_at: self.inner.options.clock.now() + valid,
        })
    }

    // -----------------------------------------------------------------------------------------
    // The retry loop

    /// Sends `call` with pacing, token refresh and retries; returns the 2xx body.
    async fn execute(&self, call: &Call) -> Result<Vec<u8>, RedditError> {
        let name = call.endpoint.as_str();
        let mut tries = Tries::default();
        loop {
            tries.attempts += 1;
            let token = self.access_token().await?;
            let attempt = self.send_once(call, &token).await;
            match next_step(call, attempt, &tries, self.inner.options.max_attempts) {
                Next::Done(result) => return result,
                Next::Backoff { reason } => {
                    tracing::debug!(call = name, attempt = tries.attempts, %reason, "retrying read");
                    tokio::time::sleep(self.backoff(tries.attempts)).await;
                }
                Next::Relogin => {
                    tracing::info!(call = name, "access token refused; logging in again");
                    tries.relogged = true;
                    tries.attempts -= 1;
                    self.invalidate(&token).await;
                }
                Next::RateLimited { hint } => {
                    tries.rate_waits += 1;
                    tries.attempts -= 1;
                    self.hold_back(call, hint, tries.rate_waits)?;
                }
            }
        }
    }

    /// One attempt of `call`: waits for the rate limiter, sends, feeds the limiter the
    /// answer's headers, counts the outcome and reads the body.
    async fn send_once(&self, call: &Call, token: &str) -> Attempt {
        let permit = self.inner.limiter.acquire().await;
        let mut rb = self
            .inner
            .http
            .request(call.method.clone(), &call.url)
            .query(&call.query)
            .header(AUTHORIZATION, format!("bearer {token}"));
        if let Some(form) = &call.form {
            rb = rb.form(form);
        }
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) => {
                permit.complete(None);
                self.count(call.endpoint, CallOutcome::Transport);
                return Attempt::Lost {
                    detail: describe(&e),
                    never_sent: e.is_connect(),
                };
            }
        };
        let status = resp.status();
        let rate = RateHeaders::from_headers(resp.headers());
        let wait_hint = wait_hint(retry_after(resp.headers()), rate);
        permit.complete(rate);
        self.count(call.endpoint, CallOutcome::Status(status.as_u16()));
        match resp.bytes().await {
            Ok(b) => Attempt::Answered {
                status,
                body: b.to_vec(),
                wait_hint,
            },
            Err(e) => Attempt::Lost {
                detail: format!("HTTP {status} but the body broke off: {}", describe(&e)),
                never_sent: false,
            },
        }
    }

    /// After the `rate_waits`-th 429 of one call: holds every task of this account back
    /// for the wait, or gives up with `RateLimited` once the waits are spent.
    fn hold_back(
        &self,
        call: &Call,
        hint: Option<Duration>,
        rate_waits: u32,
    ) -> Result<(), RedditError> {
        let o = &self.inner.options;
        let wait = hint
            .map(|w| w + Duration::from_millis(250))
            .unwrap_or_else(|| self.backoff(rate_waits))
            .min(o.max_rate_limit_wait);
        // Every task of this account must hold back, not just this one.
        self.inner.limiter.exhausted(wait);
        if rate_waits > o.max_rate_limit_waits {
            return Err(RedditError::RateLimited {
                call: call.endpoint.as_str(),
                retry_after: wait,
            });
        }
        tracing::warn!(
            call = call.endpoint.as_str(),
            ?wait,
            "Reddit answered 429; waiting for the reset"
        );
        Ok(())
    }

    fn api(&self, path: &str) -> String {
        format!("{}{}", self.inner.api_base, path)
    }

    fn get_call(&self, endpoint: Endpoint, path: &str, what: String) -> Call {
        Call {
            endpoint,
            method: Method::GET,
            url: self.api(path),
            query: vec![("raw_json", "1".to_owned())],
            form: None,
            conversation: None,
            what,
        }
    }

    fn write_call(
        &self,
        endpoint: Endpoint,
        id: &ConversationId,
        suffix: &str,
        form: Vec<(&'static str, String)>,
    ) -> Call {
        Call {
            endpoint,
            method: Method::POST,
            url: self.api(&format!("/api/mod/conversations/{}{suffix}", id.as_str())),
            query: vec![("raw_json", "1".to_owned())],
            form: Some(form),
            conversation: Some(id.clone()),
            what: format!("conversation {id}"),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Calls

    /// One page of the modmail list of `subreddits` (all at once, one request), newest first.
    /// An empty slice sends no `entity`: Reddit then lists every subreddit the account
    /// moderates with Mail (PRAW's `subreddit("all").modmail`), which is how the recent
    /// runner lists. `limit` is capped at 100.
    pub async fn list_conversations(
        &self,
        subreddits: &[SubredditName],
        limit: u32,
        after: Option<&ConversationId>,
    ) -> Result<Page, RedditError> {
        let ep = Endpoint::List;
        let limit = limit.clamp(1, MAX_PAGE);
        let mut call = self.get_call(ep, "/api/mod/conversations", "modmail list".to_owned());
        if !subreddits.is_empty() {
            let entity: Vec<&str> = subreddits.iter().map(SubredditName::as_str).collect();
            call.query.push(("entity", entity.join(",")));
        }
        call.query.push(("sort", "recent".to_owned()));
        // The bot only ever reads the `all` folder and sorts conversations out itself.
        call.query.push(("state", "all".to_owned()));
        call.query.push(("limit", limit.to_string()));
        if let Some(a) = after {
            call.query.push(("after", a.as_str().to_owned()));
        }
        let body = self.execute(&call).await?;
        let list = wire::read_listing(&body).map_err(|e| RedditError::Decode {
            call: ep.as_str(),
            detail: e.to_string(),
        })?;
        let full = u32::try_from(list.listed).unwrap_or(u32::MAX) >= limit;
        let after = list
            .last_id
            .filter(|_| full)
            .and_then(|id| ConversationId::parse(&id).ok());
        Ok(Page {
            conversations: list.summaries,
            undecodable: list.undecodable,
            after,
            last_messages: list.last_messages,
        })
    }

    /// Conversations updated after `cursor`, newest first, reading only as many pages as
    /// needed: it stops at the first conversation whose `lastUpdated <= cursor` (the list is
    /// sorted by recency), at the end of the list, or after `max_pages` pages.
    pub async fn list_changed_since(
        &self,
        subreddits: &[SubredditName],
        cursor: Option<DateTime<Utc>>,
        max_pages: u32,
    ) -> Result<ChangedSince, RedditError> {
        let mut out = ChangedSince {
            conversations: Vec::new(),
            undecodable: Vec::new(),
            complete: false,
            pages: 0,
            last_messages: HashMap::new(),
        };
        let mut after: Option<ConversationId> = None;
        let newer = |t: DateTime<Utc>| cursor.is_none_or(|cur| t > cur);
        while out.pages < max_pages {
            let page = self
                .list_conversations(subreddits, MAX_PAGE, after.as_ref())
                .await?;
            out.pages += 1;
            // Unreadable ones of unknown date are kept: parking one too many is harmless.
            out.undecodable.extend(
                page.undecodable
                    .into_iter()
                    .filter(|u| u.last_updated.is_none_or(newer)),
            );
            let mut last_messages = page.last_messages;
            for c in page.conversations {
                if !newer(c.last_updated) {
                    out.complete = true;
                    return Ok(out);
                }
                if let Some(m) = last_messages.remove(&c.id) {
                    out.last_messages.insert(c.id.clone(), m);
                }
                out.conversations.push(c);
            }
            match page.after {
                Some(a) => after = Some(a),
                None => {
                    out.complete = true;
                    return Ok(out);
                }
            }
        }
        Ok(out)
    }

    /// A conversation in full: messages and mod actions in date order, and the participant's
    /// ban, mute and suspension status.
    pub async fn get_conversation(&self, id: &ConversationId) -> Result<Conversation, RedditError> {
        let ep = Endpoint::Get;
        let call = self.get_call(
            ep,
            &format!("/api/mod/conversations/{}", id.as_str()),
            format!("conversation {id}"),
        );
        let body = self.execute(&call).await?;
        let r: wire::ConversationResponse = decode(ep, &body)?;
        Conversation::try_from(&r).map_err(convert_err(ep))
    }

    /// Replies in a conversation; `is_internal` makes it a private moderator note,
    /// `is_author_hidden` signs it as the subreddit. Returns the updated conversation.
    ///
    /// Never retried after the request may have reached Reddit: on a timeout, broken
    /// connection or 5xx this returns [`RedditError::OutcomeUnknown`].
    pub async fn reply(
        &self,
        id: &ConversationId,
        body: &str,
        is_internal: bool,
        is_author_hidden: bool,
    ) -> Result<Conversation, RedditError> {
        let ep = Endpoint::Reply;
        let call = self.write_call(
            ep,
            id,
            "",
            vec![
                ("body", body.to_owned()),
                ("isAuthorHidden", is_author_hidden.to_string()),
                ("isInternal", is_internal.to_string()),
            ],
        );
        let bytes = self.execute(&call).await?;
        let r: wire::ConversationResponse = decode(ep, &bytes)?;
        Conversation::try_from(&r).map_err(convert_err(ep))
    }

    /// Archives a conversation (Reddit answers 204). Same write rules as [`Self::reply`].
    pub async fn archive(&self, id: &ConversationId) -> Result<(), RedditError> {
        let call = self.write_call(Endpoint::Archive, id, "/archive", Vec::new());
        self.execute(&call).await.map(|_| ())
    }

    /// Unarchives a conversation (Reddit answers 200 with the conversation). Same write
    /// rules as [`Self::reply`].
    pub async fn unarchive(&self, id: &ConversationId) -> Result<(), RedditError> {
        let call = self.write_call(Endpoint::Unarchive, id, "/unarchive", Vec::new());
        self.execute(&call).await.map(|_| ())
    }

    /// Lifts the ban of the conversation's participant (the bot needs Access). Same write
    /// rules as [`Self::reply`]: never retried blindly.
    pub async fn unban(&self, id: &ConversationId) -> Result<(), RedditError> {
        let call = self.write_call(Endpoint::Unban, id, "/unban", Vec::new());
        self.execute(&call).await.map(|_| ())
    }

    /// Replaces the participant's ban by a temporary one of `days` (1 to 999; the bot needs
    /// Access). Same write rules as [`Self::reply`].
    pub async fn temp_ban(&self, id: &ConversationId, days: u16) -> Result<(), RedditError> {
        let form = vec![("duration", days.to_string())];
        let call = self.write_call(Endpoint::TempBan, id, "/temp_ban", form);
        self.execute(&call).await.map(|_| ())
    }

    /// The ban of `user` in `subreddit`, with the moderator's note; `None` when not banned.
    pub async fn banned_user(
        &self,
        subreddit: &SubredditName,
        user: &RedditUsername,
    ) -> Result<Option<BanEntry>, RedditError> {
        let ep = Endpoint::Banned;
        let mut call = self.get_call(
            ep,
            &format!("/r/{}/about/banned", subreddit.as_str()),
            format!("subreddit r/{subreddit}"),
        );
        call.query.push(("user", user.as_str().to_owned()));
        let body = self.execute(&call).await?;
        let listing: wire::Listing<wire::BannedUser> = decode(ep, &body)?;
        wire::ban_of(&listing, user).map_err(convert_err(ep))
    }

    /// Whether an account still exists: 404 means deleted (or shadow-banned, which Reddit
    /// does not tell apart), `is_suspended` means suspended.
    pub async fn account_status(
        &self,
        user: &RedditUsername,
    ) -> Result<AccountStatus, RedditError> {
        let ep = Endpoint::UserAbout;
        let call = self.get_call(
            ep,
            &format!("/user/{}/about", user.as_str()),
            format!("user u/{user}"),
        );
        match self.execute(&call).await {
            Ok(body) => {
                let about: wire::UserAbout = decode(ep, &body)?;
                Ok(if about.data.is_suspended {
                    AccountStatus::Suspended
                } else {
                    AccountStatus::Active
                })
            }
            Err(RedditError::NotFound { .. }) => Ok(AccountStatus::Deleted),
            Err(e) => Err(e),
        }
    }

    /// The subreddit's moderators with their permissions (the bot among them when it
    /// moderates there). 404: Reddit does not show the subreddit.
    pub async fn moderators(
        &self,
        subreddit: &SubredditName,
    ) -> Result<Vec<SubredditModerator>, RedditError> {
        let ep = Endpoint::Moderators;
        let call = self.get_call(
            ep,
            &format!("/r/{}/about/moderators", subreddit.as_str()),
            format!("subreddit r/{subreddit}"),
        );
        let body = self.execute(&call).await?;
        let list: wire::ModeratorList = decode(ep, &body)?;
        Vec::<SubredditModerator>::try_from(&list).map_err(convert_err(ep))
    }

    /// Accepts the bot's pending moderator invite to `subreddit`. Idempotent: without an
    /// invite (none sent, or accepted already) Reddit answers `NO_INVITE_FOUND`, which is
    /// [`InviteOutcome::NoInvite`], so a repeat after an uncertain attempt is harmless.
    pub async fn accept_moderator_invite(
        &self,
        subreddit: &SubredditName,
    ) -> Result<InviteOutcome, RedditError> {
        let ep = Endpoint::AcceptInvite;
        let call = Call {
            endpoint: ep,
            method: Method::POST,
            url: self.api(&format!(
                "/r/{}/api/accept_moderator_invite",
                subreddit.as_str()
            )),
            query: vec![("raw_json", "1".to_owned())],
            form: Some(vec![("api_type", "json".to_owned())]),
            conversation: None,
            what: format!("subreddit r/{subreddit}"),
        };
        let body = self.execute(&call).await?;
        let answer: wire::JsonErrors = decode(ep, &body)?;
        answer
            .invite_outcome()
            .map_err(|message| RedditError::Rejected {
                call: ep.as_str(),
                status: 200,
                message,
            })
    }

    /// The bot account's name, as Reddit spells it.
    pub async fn me(&self) -> Result<String, RedditError> {
        let ep = Endpoint::Me;
        let call = self.get_call(ep, "/api/v1/me", "account".to_owned());
        let body = self.execute(&call).await?;
        let me: wire::Me = decode(ep, &body)?;
        Ok(me.name)
    }

    /// Adds a Reddit Mod Note on `user` in `subreddit` (at most
    /// [`MOD_NOTE_MAX_CHARS`](appealmod_core::domain::MOD_NOTE_MAX_CHARS) characters;
    /// Reddit refuses a longer one with a 400). Needs the Manage Users (`access`) permission.
    ///
    /// A write like [`Self::reply`]: never resent after the request may have reached
    /// Reddit; a timeout, broken connection or 5xx is [`RedditError::OutcomeUnknown`], to be
    /// settled by reading [`Self::mod_notes`] back.
    pub async fn add_mod_note(
        &self,
        subreddit: &SubredditName,
        user: &RedditUsername,
        note: &str,
        label: Option<&ModNoteLabel>,
    ) -> Result<ModNoteId, RedditError> {
        let ep = Endpoint::AddModNote;
        let mut form = vec![
            ("api_type", "json".to_owned()),
            ("subreddit", subreddit.as_str().to_owned()),
            ("user", user.as_str().to_owned()),
            ("note", note.to_owned()),
        ];
        if let Some(l) = label {
            form.push(("label", l.as_str().to_owned()));
        }
        let call = Call {
            endpoint: ep,
            method: Method::POST,
            url: self.api("/api/mod/notes"),
            query: vec![("raw_json", "1".to_owned())],
            form: Some(form),
            conversation: None,
            what: format!("the mod notes of u/{user} in r/{subreddit}"),
        };
        let body = self.execute(&call).await?;
        let created: wire::ModNoteCreated = decode(ep, &body)?;
        Ok(ModNoteId(created.created.id))
    }

    /// The newest user notes (up to 100) on `user` in `subreddit`, newest first: enough to
    /// read back whether a note of ours arrived. Reddit's action notes are left out.
    pub async fn mod_notes(
        &self,
        subreddit: &SubredditName,
        user: &RedditUsername,
    ) -> Result<Vec<ModNote>, RedditError> {
        let ep = Endpoint::ModNotes;
        let mut call = self.get_call(
            ep,
            "/api/mod/notes",
            format!("the mod notes of u/{user} in r/{subreddit}"),
        );
        call.query.extend([
            ("subreddit", subreddit.as_str().to_owned()),
            ("user", user.as_str().to_owned()),
            ("filter", "NOTE".to_owned()),
            ("limit", MAX_PAGE.to_string()),
        ]);
        let body = self.execute(&call).await?;
        let page: wire::ModNotesPage = decode(ep, &body)?;
        Vec::<ModNote>::try_from(&page).map_err(convert_err(ep))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_waits_for_the_reset_only_when_the_budget_is_spent() {
        let rate = |remaining: f64| {
            Some(RateHeaders {
                used: Some(10),
                remaining,
                reset: Duration::from_secs(594),
            })
        };
        // Budget left: no hint, so the caller backs off briefly (the defect: 594 s).
        assert_eq!(wait_hint(None, rate(5990.0)), None);
        // Spent: wait for the reset.
        assert_eq!(wait_hint(None, rate(0.0)), Some(Duration::from_secs(594)));
        // Reddit's own Retry-After always wins.
        assert_eq!(
            wait_hint(Some(Duration::from_secs(3)), rate(5990.0)),
            Some(Duration::from_secs(3))
        );
        assert_eq!(wait_hint(None, None), None);
    }

    fn call(method: Method) -> Call {
        Call {
            endpoint: Endpoint::Get,
            method,
            url: "http://reddit.test/x".to_owned(),
            query: Vec::new(),
            form: None,
            conversation: None,
            what: "conversation x".to_owned(),
        }
    }

    fn answered(status: u16) -> Attempt {
        Attempt::Answered {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
            body: br#"{"message": "nope"}"#.to_vec(),
            wait_hint: Some(Duration::from_secs(7)),
        }
    }

    fn lost(never_sent: bool) -> Attempt {
        Attempt::Lost {
            detail: "timed out".to_owned(),
            never_sent,
        }
    }

    fn tries(attempts: u32, relogged: bool) -> Tries {
        Tries {
            attempts,
            rate_waits: 0,
            relogged,
        }
    }

    /// The split of the retry loop keeps its rules: which failures a write may hide, which
    /// a read retries, and which end the call.
    #[test]
    fn next_step_table() {
        let (get, post) = (call(Method::GET), call(Method::POST));
        let first = tries(1, false);
        let last = tries(3, false);
        let cases: Vec<(&str, Next, &str)> = vec![
            ("2xx", next_step(&get, answered(204), &first, 3), "Done(Ok"),
            (
                "read lost",
                next_step(&get, lost(false), &first, 3),
                "Backoff",
            ),
            (
                "read lost, last",
                next_step(&get, lost(false), &last, 3),
                "Transport",
            ),
            (
                "write lost",
                next_step(&post, lost(false), &first, 3),
                "OutcomeUnknown",
            ),
            (
                "write never sent",
                next_step(&post, lost(true), &first, 3),
                "Transport",
            ),
            ("401", next_step(&post, answered(401), &first, 3), "Relogin"),
            (
                "401 again",
                next_step(&get, answered(401), &tries(1, true), 3),
                "TokenRejected",
            ),
            (
                "429",
                next_step(&post, answered(429), &last, 3),
                "RateLimited { hint: Some(7s) }",
            ),
            (
                "403",
                next_step(&get, answered(403), &first, 3),
                "Forbidden",
            ),
            ("404", next_step(&get, answered(404), &first, 3), "NotFound"),
            (
                "read 5xx",
                next_step(&get, answered(503), &first, 3),
                "Backoff",
            ),
            (
                "read 5xx, last",
                next_step(&get, answered(503), &last, 3),
                "Server",
            ),
            (
                "write 5xx",
                next_step(&post, answered(500), &first, 3),
                "OutcomeUnknown",
            ),
            (
                "other 4xx",
                next_step(&post, answered(422), &first, 3),
                "Rejected",
            ),
        ];
        for (case, got, want) in cases {
            let got = format!("{got:?}");
            assert!(got.contains(want), "{case}: {got}, expected {want}");
        }
    }
}
