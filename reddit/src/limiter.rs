//! Paces requests by Reddit's own rate-limit headers.
//!
//! The budget belongs to the OAuth client (one bot account), so one [`Limiter`] is shared by
//! every clone of the client and every task. The core, [`Pacer`], is plain data driven by
//! `now` (no clock, no tokio) so its arithmetic is unit-tested on made-up instants; the
//! async wrapper only sleeps until the instant the core hands out.
//!
//! Each request reserves its own slot: the next one is `interval` later, where `interval`
//! spreads what is left of the budget (minus a reserve) over what is left of the window. So
//! concurrent tasks queue up one `interval` apart instead of firing together, and
//! `x-ratelimit-remaining` never reaches zero while the headers are honest.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The three headers Reddit sends on every API response.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateHeaders {
    pub used: Option<u32>,
    pub remaining: f64,
    pub reset: Duration,
}

impl RateHeaders {
    /// Reads them from a response; `None` when `remaining` or `reset` is missing.
    pub fn from_headers(h: &reqwest::header::HeaderMap) -> Option<Self> {
        let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
        let remaining: f64 = get("x-ratelimit-remaining")?.parse().ok()?;
        let reset: f64 = get("x-ratelimit-reset")?.parse().ok()?;
        let used = get("x-ratelimit-used")
            .and_then(|u| u.parse::<f64>().ok())
            // Header values are small non-negative integers; clamp before the cast.
            .map(|u| u.clamp(0.0, f64::from(u32::MAX)) as u32);
        if !remaining.is_finite() || !reset.is_finite() {
            return None;
        }
        Some(Self {
            used,
            remaining,
            reset: Duration::from_secs_f64(reset.clamp(0.0, 86_400.0)),
        })
    }
}

/// The window the pacer believes Reddit is in.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// When Reddit resets the count (an upper bound: see [`Pacer::complete`]).
    reset_at: Instant,
    /// Requests still allowed in this window, counting the ones already scheduled.
    remaining: f64,
}

/// Gap between requests while no rate-limit header has been seen yet.
const UNKNOWN_SPACING: Duration = Duration::from_millis(50);

/// What the pacer has seen, for counters and logs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RateSnapshot {
    pub last_remaining: Option<f64>,
    pub last_used: Option<u32>,
    /// Lowest `x-ratelimit-remaining` Reddit ever reported to this client.
    pub min_remaining: Option<f64>,
}

/// The deterministic core: hands out send instants and learns from headers.
#[derive(Debug, Clone)]
pub struct Pacer {
    reserve: f64,
    window: Option<Window>,
    next_allowed: Option<Instant>,
    /// Largest `used + remaining` seen: the budget of a fresh window.
    budget: f64,
    /// Largest `reset` seen: the length of a window.
    window_len: Duration,
    in_flight: u32,
    snapshot: RateSnapshot,
}

impl Pacer {
    /// `reserve`: requests left unspent in every window, so clock skew, header rounding
    /// and requests from other programs never push Reddit to 429.
    pub fn new(reserve: f64) -> Self {
        Self {
            reserve: reserve.max(0.0),
            window: None,
            next_allowed: None,
            budget: 0.0,
            window_len: Duration::ZERO,
            in_flight: 0,
            snapshot: RateSnapshot::default(),
        }
    }

    pub fn snapshot(&self) -> RateSnapshot {
        self.snapshot
    }

    /// Reserves the next send slot at or after `now` and returns it.
    pub fn acquire(&mut self, now: Instant) -> Instant {
        self.in_flight = self.in_flight.saturating_add(1);
        let mut t = self.next_allowed.map_or(now, |n| n.max(now));
        // At most a few iterations: roll into a new window, or jump to the reset once.
        for _ in 0..4 {
            let Some(w) = self.window.as_mut() else {
                // No header seen yet: nothing to pace by until the first answer. Space the
                // requests a little so that many tasks starting together do not all fire
                // before Reddit has said anything.
                self.next_allowed = Some(t + UNKNOWN_SPACING);
                return t;
            };
            if t >= w.reset_at {
                if self.budget < 1.0 {
                    // No header ever told us the budget (e.g. a bare 429): stop pacing until
                    // one does, rather than guess.
                    self.window = None;
                    continue;
                }
                // Reddit has started a new window by now; assume it grants the usual budget
                // until a response says otherwise. Reddit's windows follow each other, so
                // the new one began at the old reset, at or before `t`: `t + len` is late
                // enough.
                let len = self.window_len.max(Duration::from_secs(1));
                *w = Window {
                    reset_at: t + len,
                    remaining: self.budget,
                };
                continue;
            }
            let usable = w.remaining - self.reserve;
            if usable < 1.0 {
                t = w.reset_at;
                continue;
            }
            let interval = (w.reset_at - t).div_f64(usable);
            w.remaining -= 1.0;
            self.next_allowed = Some(t + interval);
            return t;
        }
        self.next_allowed = Some(t);
        t
    }

    /// A request ended at `now`; `headers` are its rate-limit headers if it got an answer.
    pub fn complete(&mut self, now: Instant, headers: Option<RateHeaders>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let Some(h) = headers else { return };
        let s = &mut self.snapshot;
        s.last_remaining = Some(h.remaining);
        s.last_used = h.used;
        s.min_remaining = Some(s.min_remaining.map_or(h.remaining, |m| m.min(h.remaining)));
        if let Some(u) = h.used {
            self.budget = self.budget.max(f64::from(u) + h.remaining);
        } else {
            self.budget = self.budget.max(h.remaining);
        }
        self.window_len = self.window_len.max(h.reset);
        // `reset` is whole seconds rounded up: Reddit sends `end - int(time())` (r2's
        // `TimeSlice.remaining`), and the answer was computed before `now`. So `now + reset`
        // is already an upper bound; a margin on top would leave budget unspent in every
        // window (a second is 3 % of a 30-second window).
        let implied_reset = now + h.reset;
        // Requests still travelling may already be counted by Reddit or not; assume not.
        let others = f64::from(self.in_flight);
        let fresh = Window {
            reset_at: implied_reset,
            remaining: h.remaining - others,
        };
        let tolerance = Duration::from_secs(2);
        match self.window.as_mut() {
            None => self.window = Some(fresh),
            Some(w) if implied_reset > w.reset_at + tolerance => {
                // Reddit's window began later than estimated: adopt the one it reports.
                *w = fresh;
            }
            Some(w) if implied_reset + tolerance < w.reset_at => {
                // Either a late answer from an already-ended window (ignore it) or our
                // estimate ran past a shorter window than the one we knew (adopt it).
                let window_start = w.reset_at.checked_sub(self.window_len);
                let stale = window_start.is_some_and(|start| implied_reset <= start + tolerance);
                if !stale {
                    *w = fresh;
                }
            }
            Some(w) => {
                // The same window: the lowest count and earliest bound are the true ones.
                w.remaining = w.remaining.min(fresh.remaining);
                w.reset_at = w.reset_at.min(implied_reset);
            }
        }
    }

    /// Reddit said 429: nothing is left until `wait` has passed.
    pub fn exhausted(&mut self, now: Instant, wait: Duration) {
        let reset_at = now + wait;
        self.window = Some(Window {
            reset_at,
            remaining: 0.0,
        });
        self.next_allowed = Some(self.next_allowed.map_or(reset_at, |n| n.max(reset_at)));
    }
}

/// The shared, async face of [`Pacer`].
#[derive(Debug, Clone)]
pub struct Limiter {
    pacer: Arc<Mutex<Pacer>>,
}

impl Limiter {
    pub fn new(reserve: f64) -> Self {
        Self {
            pacer: Arc::new(Mutex::new(Pacer::new(reserve))),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Pacer) -> R) -> R {
        // The pacer holds plain numbers; a panic elsewhere cannot leave it half-updated in a
        // way worse than a slightly wrong estimate, so a poisoned lock is used as is.
        let mut guard = self.pacer.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    /// Waits for this request's slot. The returned permit must be completed (or dropped,
    /// which counts as "no answer").
    pub async fn acquire(&self) -> Permit {
        let slot = self.with(|p| p.acquire(Instant::now()));
        let permit = Permit {
            limiter: self.clone(),
            done: false,
        };
        tokio::time::sleep_until(slot).await;
        permit
    }

    pub fn exhausted(&self, wait: Duration) {
        self.with(|p| p.exhausted(Instant::now(), wait));
    }

    pub fn snapshot(&self) -> RateSnapshot {
        self.with(|p| p.snapshot())
    }
}

/// One request's place in the pacing; gives back its in-flight count on completion.
#[derive(Debug)]
pub struct Permit {
    limiter: Limiter,
    done: bool,
}

impl Permit {
    pub fn complete(mut self, headers: Option<RateHeaders>) {
        self.done = true;
        self.limiter.with(|p| p.complete(Instant::now(), headers));
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        // A cancelled request (its future dropped) still frees its in-flight place.
        if !self.done {
            self.limiter.with(|p| p.complete(Instant::now(), None));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn hdr(used: u32, remaining: f64, reset: u64) -> Option<RateHeaders> {
        Some(RateHeaders {
            used: Some(used),
            remaining,
            reset: Duration::from_secs(reset),
        })
    }

    #[test]
    fn first_requests_go_at_once_then_spread_over_the_window() {
        let t0 = Instant::now();
        let mut p = Pacer::new(10.0);
        assert_eq!(p.acquire(t0), t0);
        p.complete(t0, hdr(1, 109.0, 9));
        // 109 left, 10 kept back, 99 over the 9 s to the reset: ~91 ms apart.
        let a = p.acquire(t0);
        let b = p.acquire(t0);
        let c = p.acquire(t0);
        assert_eq!(a, t0 + UNKNOWN_SPACING);
        let gap = b - a;
        assert!(
            gap > Duration::from_millis(88) && gap < Duration::from_millis(95),
            "{gap:?}"
        );
        assert!(c - b >= gap - Duration::from_millis(1));
        assert_eq!(p.snapshot().min_remaining, Some(109.0));
    }

    #[test]
    fn spent_budget_waits_for_the_reset_and_never_spends_the_reserve() {
        let t0 = Instant::now();
        let mut p = Pacer::new(5.0);
        p.acquire(t0);
        p.complete(t0, hdr(95, 10.0, 4));
        let mut slots = Vec::new();
        for _ in 0..8 {
            slots.push(p.acquire(t0));
        }
        // 10 remaining - 5 reserve = 5 slots in this window, the rest after the reset (t0+4s).
        let in_window = slots
            .iter()
            .filter(|s| **s < t0 + Duration::from_secs(4))
            .count();
        assert_eq!(in_window, 5, "{slots:?}");
        assert!(slots[5] >= t0 + Duration::from_secs(4));
    }

    #[test]
    fn the_whole_usable_budget_is_spent_before_the_reported_reset() {
        // A 30-second window (the benchmark's compressed minute): the 96 usable requests
        // (99 left, 3 kept back) all fit before `now + reset`, and the last one goes within
        // a slot of it: no second is kept for an imagined rounding.
        let t0 = Instant::now();
        let mut p = Pacer::new(3.0);
        p.acquire(t0);
        p.complete(t0, hdr(1, 99.0, 30));
        let slots: Vec<_> = (0..96).map(|_| p.acquire(t0)).collect();
        let last = *slots.last().unwrap();
        assert!(last < t0 + Duration::from_secs(30), "{:?}", last - t0);
        assert!(last > t0 + Duration::from_secs(29), "{:?}", last - t0);
        // The next one waits for the new window.
        assert!(p.acquire(t0) >= t0 + Duration::from_secs(30));
    }

    #[test]
    fn a_429_blocks_until_the_wait_is_over() {
        let t0 = Instant::now();
        let mut p = Pacer::new(0.0);
        p.acquire(t0);
        p.complete(t0, hdr(600, 0.0, 30));
        p.exhausted(t0, Duration::from_secs(30));
        assert!(p.acquire(t0) >= t0 + Duration::from_secs(30));
    }

    #[test]
    fn stale_answers_from_the_old_window_are_ignored() {
        let t0 = Instant::now();
        let mut p = Pacer::new(0.0);
        p.acquire(t0);
        p.complete(t0, hdr(1, 9.0, 10));
        // Jump past the reset: the pacer rolls into an estimated new window.
        let t1 = t0 + Duration::from_secs(12);
        assert_eq!(p.acquire(t1), t1);
        // A late answer that still describes the old window changes nothing.
        p.complete(t1, hdr(10, 0.0, 0));
        let next = p.acquire(t1);
        assert!(next < t1 + Duration::from_secs(2), "{:?}", next - t1);
    }
}
