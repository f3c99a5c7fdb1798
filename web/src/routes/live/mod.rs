//! The live view (`/dashboard/live`, its Server-Sent Events) and `/metrics`.
//!
//! The page is rendered on the server with the same numbers the events carry, so it works
//! without script; `/static/live.js` (the only script the site serves, allowed by this
//! page's own CSP) listens to `/dashboard/live/events` and rewrites them. The runners are
//! other processes, so each open stream polls the database: a cheap change stamp every
//! `poll`, the readout and the activity only when it moved, and an event only when what the
//! page shows changed.

pub mod events_get;
pub mod metrics_get;
pub mod page_get;
pub mod script_get;
pub mod view;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::web;
use appealmod_shared::storage::{ChangeStamp, Store, StoreError};

use super::get_or_head;

/// How the live view's streams behave; the defaults suit production, tests shorten them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSettings {
    /// How often an open stream looks at the database's change stamp.
    pub poll: Duration,
    /// A comment line this often keeps proxies from closing a quiet stream.
    pub heartbeat: Duration,
    /// Open streams per process; more are answered 503 (the client retries later).
    pub max_streams: usize,
    /// Open streams of one logged-in user (a few tabs), so that one account cannot take
    /// every slot from the moderators.
    pub max_streams_per_user: usize,
    /// A stream ends after this long and the browser reconnects, so that access is
    /// checked again and a stream cannot be held forever.
    pub max_age: Duration,
    /// Recent events shown.
    pub activity: u32,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(2),
            heartbeat: Duration::from_secs(15),
            max_streams: 64,
            max_streams_per_user: 4,
            max_age: Duration::from_secs(30 * 60),
            activity: 20,
        }
    }
}

/// The open streams of this process, counted so that a flood of them cannot take every
/// worker's attention or the database pool.
#[derive(Debug, Default)]
pub struct StreamSlots {
    open: AtomicUsize,
    /// Open streams by user key.
    by_user: Mutex<HashMap<String, usize>>,
}

/// One taken slot; dropping it (the stream ended or the client went away) frees it.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<StreamSlots>,
    user: String,
}

impl StreamSlots {
    /// A slot for `user`, unless the process has `max` streams open or the user has
    /// `per_user` already.
    pub fn try_take(self: &Arc<Self>, user: &str, max: usize, per_user: usize) -> Option<Slot> {
        let mut by_user = self.by_user.lock().unwrap_or_else(PoisonError::into_inner);
        let mine = by_user.entry(user.to_owned()).or_default();
        if *mine >= per_user {
            return None;
        }
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()?;
        *mine += 1;
        Some(Slot {
            slots: Arc::clone(self),
            user: user.to_owned(),
        })
    }

    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut by_user = self
            .slots
            .by_user
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = by_user.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                by_user.remove(&self.user);
            }
        }
        self.slots.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The live view's part of the shared state.
#[derive(Debug, Default)]
pub struct Live {
    pub settings: LiveSettings,
    pub slots: Arc<StreamSlots>,
    /// The latest change stamp and when it was read: every stream of the process shares
    /// it, so open pages cost the database one stamp query per poll, not one each.
    stamp: tokio::sync::Mutex<Option<(tokio::time::Instant, ChangeStamp)>>,
}

impl Live {
    pub fn new(settings: LiveSettings) -> Self {
        Self {
            settings,
            ..Self::default()
        }
    }

    /// The database's change stamp, read at most twice per `poll` for all streams together
    /// (a stream waiting here while another reads gets that read's answer); an answer is at
    /// most half a poll old, so a change still shows within one and a half polls.
    pub async fn change_stamp(&self, store: &Store) -> Result<ChangeStamp, StoreError> {
        let mut cached = self.stamp.lock().await;
        let now = tokio::time::Instant::now();
        if let Some((at, stamp)) = *cached
            && now.duration_since(at) < self.settings.poll / 2
        {
            return Ok(stamp);
        }
        let stamp = store.change_stamp().await?;
        *cached = Some((now, stamp));
        Ok(stamp)
    }
}

/// FNV-1a: a stable 64-bit fingerprint (the same in every process and build, unlike std's
/// hasher), for the script's versioned path and the events' ids.
pub const fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/dashboard/live").route(get_or_head().to(page_get::page)))
        .service(
            web::resource("/dashboard/live/events").route(get_or_head().to(events_get::events)),
        )
        .service(web::resource("/static/live.js").route(get_or_head().to(script_get::script)))
        .service(web::resource("/metrics").route(get_or_head().to(metrics_get::on_site)));
}

/// The routes of `metrics.bind`'s own listener: `/metrics` and nothing else.
pub fn configure_metrics_listener(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/metrics").route(get_or_head().to(metrics_get::on_own_listener)))
        .default_service(web::to(metrics_get::not_here));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_and_freed_when_dropped() {
        let slots = Arc::new(StreamSlots::default());
        let a = slots.try_take("a", 2, 5).expect("first");
        let _b = slots.try_take("b", 2, 5).expect("second");
        assert!(slots.try_take("c", 2, 5).is_none(), "the third is refused");
        drop(a);
        assert_eq!(slots.open(), 1);
        assert!(slots.try_take("c", 2, 5).is_some());
    }

    #[test]
    fn one_user_cannot_take_every_slot() {
        let slots = Arc::new(StreamSlots::default());
        let mine: Vec<_> = (0..3)
            .map(|_| slots.try_take("flooder", 10, 3).expect("a few tabs"))
            .collect();
        assert!(
            slots.try_take("flooder", 10, 3).is_none(),
            "a fourth is refused"
        );
        let theirs = slots.try_take("moderator", 10, 3);
        assert!(theirs.is_some(), "others still get one");
        drop(mine);
        assert_eq!(slots.open(), 1);
        assert!(
            slots.try_take("flooder", 10, 3).is_some(),
            "freed when closed"
        );
    }

    #[test]
    fn the_fingerprint_is_fnv_1a() {
        assert_eq!(fingerprint(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fingerprint(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
