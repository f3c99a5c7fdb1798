//! The live view (`/dashboard/live`, its Server-Sent Events) and `/metrics`.
//!
//! The page is rendered on the server with the same numbers the events carry, so it works
//! without script; `/static/live.js` (one of the site's two scripts, allowed by this
//! page's own CSP) listens to `/dashboard/live/events` and rewrites them. The runners are
//! other processes, so each open stream polls the database: a cheap change stamp every
//! `poll`, the readout and the activity only when it moved, and an event only when what the
//! page shows changed.

pub mod events_get;
pub mod metrics_get;
pub mod page_get;
pub mod view;

use std::collections::HashMap;
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
    /// Open streams of one logged-in user (a few tabs).
    pub max_streams_per_user: usize,
    /// Streams beyond each user's first, all users together: the other
    /// `max_streams - max_extra_streams` slots are only ever first streams, so accounts
    /// with many tabs cannot fill the process; someone new gets a stream while fewer
    /// accounts than that are watching.
    pub max_extra_streams: usize,
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
            max_extra_streams: 32,
            max_age: Duration::from_secs(30 * 60),
            activity: 20,
        }
    }
}

/// The open streams of this process, counted so that a flood of them cannot take every
/// worker's attention or the database pool, and shared fairly: a user's first stream needs
/// only a free slot, their further ones also a free extra slot (`max_extra_streams`).
#[derive(Debug, Default)]
pub struct StreamSlots {
    counts: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    open: usize,
    /// Streams beyond their user's first: Σ max(0, streams of a user − 1).
    extra: usize,
    /// Open streams by user key.
    by_user: HashMap<String, usize>,
}

/// One taken slot; dropping it (the stream ended or the client went away) frees it.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<StreamSlots>,
    user: String,
}

impl StreamSlots {
    /// A slot for `user`, unless the process has `max_streams` open, the user has
    /// `max_streams_per_user` already, or this would be an extra stream (not the user's
    /// first) and all users together hold `max_extra_streams` of those.
    pub fn try_take(self: &Arc<Self>, user: &str, limits: &LiveSettings) -> Option<Slot> {
        let mut c = self.counts();
        let mine = c.by_user.get(user).copied().unwrap_or(0);
        let extra = mine > 0;
        if c.open >= limits.max_streams
            || mine >= limits.max_streams_per_user
            || (extra && c.extra >= limits.max_extra_streams)
        {
            return None;
        }
        c.open += 1;
        c.extra += usize::from(extra);
        c.by_user.insert(user.to_owned(), mine + 1);
        Some(Slot {
            slots: Arc::clone(self),
            user: user.to_owned(),
        })
    }

    pub fn open(&self) -> usize {
        self.counts().open
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut c = self.slots.counts();
        let mine = c.by_user.remove(&self.user).unwrap_or(0);
        // Slots are alike: whichever of a user's streams ends, they keep the others.
        if mine > 1 {
            c.by_user.insert(self.user.clone(), mine - 1);
            c.extra = c.extra.saturating_sub(1);
        }
        c.open = c.open.saturating_sub(1);
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

    fn limits(max: usize, per_user: usize, max_extra: usize) -> LiveSettings {
        LiveSettings {
            max_streams: max,
            max_streams_per_user: per_user,
            max_extra_streams: max_extra,
            ..LiveSettings::default()
        }
    }

    #[test]
    fn slots_are_bounded_and_freed_when_dropped() {
        let slots = Arc::new(StreamSlots::default());
        let l = limits(2, 5, 2);
        let a = slots.try_take("a", &l).expect("first");
        let _b = slots.try_take("b", &l).expect("second");
        assert!(slots.try_take("c", &l).is_none(), "the third is refused");
        drop(a);
        assert_eq!(slots.open(), 1);
        assert!(slots.try_take("c", &l).is_some());
    }

    #[test]
    fn one_user_cannot_take_every_slot() {
        let slots = Arc::new(StreamSlots::default());
        let l = limits(10, 3, 5);
        let mine: Vec<_> = (0..3)
            .map(|_| slots.try_take("flooder", &l).expect("a few tabs"))
            .collect();
        assert!(
            slots.try_take("flooder", &l).is_none(),
            "a fourth is refused"
        );
        let theirs = slots.try_take("moderator", &l);
        assert!(theirs.is_some(), "others still get one");
        drop(mine);
        assert_eq!(slots.open(), 1);
        assert!(slots.try_take("flooder", &l).is_some(), "freed when closed");
    }

    /// The default limits: 16 accounts with 4 tabs each once held all 64 slots.
    #[test]
    fn accounts_with_many_tabs_leave_room_for_first_streams() {
        let slots = Arc::new(StreamSlots::default());
        let l = LiveSettings::default();
        let mut held = Vec::new();
        for account in 0..16 {
            for _ in 0..l.max_streams_per_user {
                held.extend(slots.try_take(&format!("a{account}"), &l));
            }
        }
        assert_eq!(
            held.len(),
            16 + l.max_extra_streams,
            "firsts, and the extras allowed"
        );
        let mut newcomers: Vec<_> = (0..l.max_streams - held.len())
            .map(|n| {
                slots
                    .try_take(&format!("new{n}"), &l)
                    .expect("a first stream")
            })
            .collect();
        assert_eq!(slots.open(), l.max_streams);
        assert!(
            slots.try_take("one_more", &l).is_none(),
            "the process is full"
        );
        // A slot that ends goes to whoever may take it: an extra stream only while extras
        // are left.
        drop(held.remove(1)); // a0's second
        let _extra = slots.try_take("new0", &l).expect("an extra in its place");
        drop(newcomers.pop());
        assert!(slots.try_take("new1", &l).is_none(), "no extra left");
        assert!(
            slots.try_take("brand_new", &l).is_some(),
            "a first stream is"
        );
    }

    #[test]
    fn the_fingerprint_is_fnv_1a() {
        assert_eq!(fingerprint(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fingerprint(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
