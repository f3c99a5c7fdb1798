//! Call counts by endpoint and outcome, plus what the rate limiter has seen: for tests,
//! benchmarks and metrics.

use std::collections::BTreeMap;
use std::fmt;

use crate::client::Endpoint;

/// How one attempt ended, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CallOutcome {
    /// Reddit answered with this HTTP status (even if the body then broke off).
    Status(u16),
    /// The request got no HTTP answer at all (connect failure, timeout, reset).
    Transport,
}

impl fmt::Display for CallOutcome {
    /// `"200"`, `"429"`, … or `"transport_error"`: the words reports and metrics use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(code) => write!(f, "{code}"),
            Self::Transport => f.write_str("transport_error"),
        }
    }
}

/// A snapshot of [`RedditClient::counters`](crate::RedditClient::counters).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallCounters {
    /// `(endpoint, outcome)` → calls. Every attempt counts, retries included.
    pub calls: BTreeMap<(Endpoint, CallOutcome), u64>,
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
    pub fn by_endpoint(&self, endpoint: Endpoint) -> u64 {
        self.calls
            .iter()
            .filter(|((e, _), _)| *e == endpoint)
            .map(|(_, n)| n)
            .sum()
    }

    /// All attempts that ended with `outcome` (e.g. `Status(429)`), any endpoint.
    pub fn by_outcome(&self, outcome: CallOutcome) -> u64 {
        self.calls
            .iter()
            .filter(|((_, o), _)| *o == outcome)
            .map(|(_, n)| n)
            .sum()
    }

    /// Attempts of `endpoint` that ended with `outcome`.
    pub fn count(&self, endpoint: Endpoint, outcome: CallOutcome) -> u64 {
        self.calls.get(&(endpoint, outcome)).copied().unwrap_or(0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::CallOutcome::{Status, Transport};
    use super::*;

    #[test]
    fn sums() {
        let mut c = CallCounters::default();
        c.calls.insert((Endpoint::Get, Status(200)), 3);
        c.calls.insert((Endpoint::Get, Status(429)), 1);
        c.calls.insert((Endpoint::List, Status(200)), 2);
        c.calls.insert((Endpoint::List, Transport), 1);
        assert_eq!(c.total(), 7);
        assert_eq!(c.by_endpoint(Endpoint::Get), 4);
        assert_eq!(c.by_outcome(Status(200)), 5);
        assert_eq!(c.by_outcome(Transport), 1);
        assert_eq!(c.count(Endpoint::Get, Status(429)), 1);
        assert_eq!(c.count(Endpoint::Me, Status(200)), 0);
    }

    /// Reports and metrics print these; they are the words the string keys used to be.
    #[test]
    fn display_keeps_the_report_words() {
        assert_eq!(Status(200).to_string(), "200");
        assert_eq!(Status(429).to_string(), "429");
        assert_eq!(Transport.to_string(), "transport_error");
        let names: Vec<String> = [
            Endpoint::Token,
            Endpoint::List,
            Endpoint::Get,
            Endpoint::Reply,
            Endpoint::Archive,
            Endpoint::Unarchive,
            Endpoint::Banned,
            Endpoint::UserAbout,
            Endpoint::Me,
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            names,
            [
                "token",
                "list",
                "get",
                "reply",
                "archive",
                "unarchive",
                "banned",
                "user_about",
                "me"
            ]
        );
    }
}
