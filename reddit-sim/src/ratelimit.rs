//! Reddit's per-client request budget with its `x-ratelimit-*` headers.

use chrono::{DateTime, Duration, Utc};

/// Header values for one answered call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateSnapshot {
    pub used: u32,
    pub remaining: f64,
    pub reset_secs: u64,
    pub allowed: bool,
}

impl RateSnapshot {
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            ("x-ratelimit-used", self.used.to_string()),
            ("x-ratelimit-remaining", format!("{:.1}", self.remaining)),
            ("x-ratelimit-reset", self.reset_secs.to_string()),
        ]
    }
}

/// A window opens at the first call after the previous one closed, so a test that spends
/// its budget quickly never straddles two windows by accident.
#[derive(Debug)]
pub struct RateLimiter {
    budget: u32,
    window_secs: u64,
    window_start: Option<DateTime<Utc>>,
    used: u32,
}

impl RateLimiter {
    pub fn new(budget: u32, window_secs: u64) -> Self {
        Self {
            budget,
            window_secs: window_secs.max(1),
            window_start: None,
            used: 0,
        }
    }

    fn window(&self) -> Duration {
        Duration::seconds(i64::try_from(self.window_secs).unwrap_or(i64::MAX / 2_000))
    }

    /// Counts one call — refused ones too, as Reddit does — and says whether it may run.
    pub fn take(&mut self, now: DateTime<Utc>) -> RateSnapshot {
        let start = match self.window_start {
            Some(s) if now < s + self.window() => s,
            _ => {
                self.used = 0;
                self.window_start = Some(now);
                now
            }
        };
        self.used = self.used.saturating_add(1);
        let left_ms = (start + self.window() - now).num_milliseconds().max(0);
        let reset_secs = u64::try_from((left_ms + 999) / 1000).unwrap_or(0);
        RateSnapshot {
            used: self.used,
            remaining: f64::from(self.budget.saturating_sub(self.used)),
            reset_secs,
            allowed: self.used <= self.budget,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spends_and_resets() {
        let t0 = Utc::now();
        let mut rl = RateLimiter::new(2, 60);
        assert!(rl.take(t0).allowed);
        let s = rl.take(t0);
        assert!(s.allowed);
        assert_eq!(s.remaining, 0.0);
        let s = rl.take(t0 + Duration::seconds(10));
        assert!(!s.allowed);
        assert_eq!(s.reset_secs, 50);
        assert!(rl.take(t0 + Duration::seconds(60)).allowed);
    }
}
