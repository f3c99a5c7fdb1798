//! `/dashboard/live/events`: the live view as Server-Sent Events.
//!
//! Each stream polls the database's change stamp every `poll` and reads the view again
//! only when the stamp moved (and every [`RELOAD_EVERY`] polls regardless, which catches a
//! write the stamp cannot see and the 30-day window's moving edge); it sends an event only
//! when the view differs from the last one sent. Event ids are fingerprints of the data, so
//! a browser reconnecting with `Last-Event-ID` gets nothing until something changed.

use std::convert::Infallible;
use std::time::Duration;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use tokio::time::Instant;

use appealmod_shared::storage::{ChangeStamp, StoreError};

use super::Slot;
use super::page_get::LiveQuery;
use super::view::{LiveView, Scope, access};
use crate::errors::PageError;
use crate::routes::results::rules;
use crate::startup::AppState;

/// Polls between full reads even when the stamp stands still.
const RELOAD_EVERY: u32 = 15;
/// How long the browser waits before reconnecting (`retry:`).
const RETRY_MS: u64 = 3000;
/// Longest `Last-Event-ID` taken (ours are 16 hex digits).
const MAX_ID_LEN: usize = 64;

pub async fn events(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    q: web::Query<LiveQuery>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    // A stream cannot follow a login redirect: without a valid login it is 404, and the
    // page (reloaded) sends the browser to log in.
    let a = match access(&state, &session, "/dashboard/live", q.r.as_deref(), now).await {
        Err(PageError::LoginRequired(_)) => return Err(PageError::NotFound),
        other => other?,
    };
    // Someone with no subreddit to watch has nothing to stream: no slot, no polling.
    if matches!(&a.scope, Scope::Only(subs) if subs.is_empty()) {
        return Err(PageError::NotFound);
    }
    let settings = &state.live.settings;
    let user = a.user.user.key();
    let Some(slot) = state.live.slots.try_take(&user, settings) else {
        tracing::warn!(
            open = state.live.slots.open(),
            "live view: stream limit reached; answered 503"
        );
        return Ok(busy());
    };
    let shown = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= MAX_ID_LEN)
        .map(str::to_owned);
    let start = Instant::now();
    let feed = Feed {
        scope: a.scope,
        shown,
        stamp: None,
        polls: 0,
        next_poll: start,
        next_beat: start + settings.heartbeat,
        ends: start + settings.max_age,
        greeted: false,
        state: state.clone(),
        _slot: slot,
    };
    let stream = futures_util::stream::unfold(feed, Feed::next);
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/event-stream"))
        .insert_header((CACHE_CONTROL, "no-store"))
        // nginx would otherwise buffer the stream.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}

/// Too many streams open: the browser's script tries again later.
fn busy() -> HttpResponse {
    HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE)
        .insert_header((RETRY_AFTER, "30"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .content_type("text/plain; charset=utf-8")
        .body("Too many live views are open right now. The page tries again by itself.")
}

/// One open stream.
struct Feed {
    state: web::Data<AppState>,
    scope: Scope,
    /// The id of the view the browser has (from `Last-Event-ID`, then what we sent).
    shown: Option<String>,
    /// The stamp of the last full read.
    stamp: Option<ChangeStamp>,
    /// Polls since the last full read.
    polls: u32,
    next_poll: Instant,
    next_beat: Instant,
    ends: Instant,
    greeted: bool,
    /// Held for the stream's life: dropped with it, whether it ended or the client left.
    _slot: Slot,
}

impl Feed {
    /// The next frame, waiting as long as there is nothing to send; `None` ends the stream.
    async fn next(mut self) -> Option<(Result<Bytes, Infallible>, Self)> {
        if !self.greeted {
            self.greeted = true;
            let retry = Bytes::from(format!("retry: {RETRY_MS}\n\n"));
            return Some((Ok(retry), self));
        }
        let settings = &self.state.live.settings;
        let (poll, heartbeat) = (settings.poll, settings.heartbeat);
        loop {
            let now = Instant::now();
            if now >= self.ends {
                return None;
            }
            if now >= self.next_poll {
                self.next_poll = now + poll.max(Duration::from_millis(50));
                match self.poll().await {
                    Ok(Some(frame)) => {
                        self.next_beat = Instant::now() + heartbeat;
                        return Some((Ok(frame), self));
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(
                        error = %e,
                        "live view: reading the database failed; trying again at the next poll"
                    ),
                }
                continue;
            }
            if now >= self.next_beat {
                self.next_beat = now + heartbeat;
                return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), self));
            }
            let wake = self.next_poll.min(self.next_beat).min(self.ends);
            tokio::time::sleep_until(wake).await;
        }
    }

    /// An event when the view changed since the one the browser has.
    async fn poll(&mut self) -> Result<Option<Bytes>, StoreError> {
        let store = &self.state.store;
        let stamp = self.state.live.change_stamp(store).await?;
        self.polls += 1;
        if self.stamp == Some(stamp) && self.polls < RELOAD_EVERY {
            return Ok(None);
        }
        let limit = self.state.live.settings.activity;
        let view = LiveView::load(
            store,
            &self.scope,
            &rules(&self.state, self.state.clock.now()),
            limit,
            &self.state.modmail,
        )
        .await?;
        // Only after a successful read: a failed one is retried at the next poll.
        self.stamp = Some(stamp);
        self.polls = 0;
        let (id, json) = view.event();
        if self.shown.as_deref() == Some(id.as_str()) {
            return Ok(None);
        }
        let frame = format!("id: {id}\nevent: live\ndata: {json}\n\n");
        self.shown = Some(id);
        Ok(Some(Bytes::from(frame)))
    }
}
