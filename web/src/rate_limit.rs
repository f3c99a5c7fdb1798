//! A keyed token bucket: each client IP may POST `per_minute` times a minute, with bursts of
//! up to `per_minute`. Hand-written (a few lines) rather than a dependency; the map is
//! pruned as it grows so that a flood of addresses cannot exhaust memory.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept before idle (full) ones are dropped.
const PRUNE_AT: usize = 10_000;

#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    per_sec: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    pub fn per_minute(n: u32) -> Self {
        let n = f64::from(n.max(1));
        Self {
            capacity: n,
            per_sec: n / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; false when the bucket is empty.
    pub fn check(&self, key: IpAddr, now: Instant) -> bool {
        // A poisoned lock only means another request panicked mid-update; the map is
        // still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= PRUNE_AT {
            let (cap, rate) = (self.capacity, self.per_sec);
            buckets.retain(|_, b| Self::refill(*b, now, cap, rate).tokens < cap);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: self.capacity,
            at: now,
        });
        let mut b = Self::refill(*bucket, now, self.capacity, self.per_sec);
        let allowed = b.tokens >= 1.0;
        if allowed {
            b.tokens -= 1.0;
        }
        *bucket = b;
        allowed
    }

    fn refill(b: Bucket, now: Instant, cap: f64, rate: f64) -> Bucket {
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        Bucket {
            tokens: (b.tokens + elapsed * rate).min(cap),
            at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill_per_key() {
        let l = RateLimiter::per_minute(3);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let t0 = Instant::now();
        assert!(l.check(a, t0) && l.check(a, t0) && l.check(a, t0));
        assert!(!l.check(a, t0), "fourth in the same instant");
        assert!(l.check(b, t0), "other clients are not affected");
        assert!(!l.check(a, t0 + Duration::from_secs(19)));
        assert!(
            l.check(a, t0 + Duration::from_secs(21)),
            "one token per 20 s"
        );
    }

    #[test]
    fn map_is_pruned() {
        let l = RateLimiter::per_minute(60);
        let t0 = Instant::now();
        for i in 0..PRUNE_AT as u32 {
            l.check(IpAddr::from(i.to_be_bytes()), t0);
        }
        l.check([1, 2, 3, 4].into(), t0 + Duration::from_secs(120));
        let n = l.buckets.lock().expect("lock").len();
        assert!(n < 10, "idle buckets dropped, {n} left");
    }
}
