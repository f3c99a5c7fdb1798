//! Call counts by endpoint and outcome, plus what the rate limiter has seen: for tests,
//! benchmarks and metrics.

use std::collections::BTreeMap;

/// The outcome key used when a request got no HTTP answer at all.
pub const TRANSPORT_ERROR: &str = "transport_error";

/// A snapshot of [`RedditClient::counters`](crate::RedditClient::counters).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallCounters {
    /// `(endpoint, status)` → calls. Endpoints: `token`, `list`, `get`, `reply`, `archive`,
    /// `unarchive`, `banned`, `user_about`, `me`; status: `"200"`, `"429"`, … or
    /// `"transport_error"`. Every attempt counts, retries included.
    pub calls: BTreeMap<(String, String), u64>,
    /// `x-ratelimit-remaining` of the latest answer.
    pub last_remaining: Option<f64>,
    /// `x-ratelimit-used` of the latest answer.
    pub last_used: Option<u32>,
    /// The lowest `x-ratelimit-remaining` Reddit ever reported to this client.
    pub min_remaining: Option<f64>,
}

impl CallCounters {
    /// All attempts of all endpoints.
    pub fn total(&self) -> u64 {
        self.calls.values().sum()
    }

    /// All attempts of one endpoint, whatever the outcome.
    pub fn by_endpoint(&self, endpoint: &str) -> u64 {
        self.calls
            .iter()
            .filter(|((e, _), _)| e == endpoint)
            .map(|(_, n)| n)
            .sum()
    }

    /// All attempts that ended with `status` (e.g. `"429"`), any endpoint.
    pub fn by_status(&self, status: &str) -> u64 {
        self.calls
            .iter()
            .filter(|((_, s), _)| s == status)
            .map(|(_, n)| n)
            .sum()
    }

    /// Attempts of `endpoint` that ended with `status`.
    pub fn count(&self, endpoint: &str, status: &str) -> u64 {
        self.calls
            .get(&(endpoint.to_owned(), status.to_owned()))
            .copied()
            .unwrap_or(0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sums() {
        let mut c = CallCounters::default();
        c.calls.insert(("get".into(), "200".into()), 3);
        c.calls.insert(("get".into(), "429".into()), 1);
        c.calls.insert(("list".into(), "200".into()), 2);
        assert_eq!(c.total(), 6);
        assert_eq!(c.by_endpoint("get"), 4);
        assert_eq!(c.by_status("200"), 5);
        assert_eq!(c.count("get", "429"), 1);
        assert_eq!(c.count("me", "200"), 0);
    }
}
