//! `/metrics` in the Prometheus text format (0.0.4), encoded by `prometheus-client`.
//!
//! **How the three processes expose theirs.** The site serves the one `/metrics`. Each
//! runner writes its own figures — Reddit calls by endpoint and status, the rate-limit
//! budget, its passes — as a [`RunnerReport`] row in the database after every pass
//! ([`Store::report_runner`](crate::storage::Store::report_runner)); the site reads those
//! rows, the figures only the database knows (journal entries by state, appeals by status,
//! parked conversations) and its own request counts, and renders them with [`render`]. So a
//! deployment has one scrape target and one token, the runners open no port, and a runner's
//! figures survive its restart until its next pass; `appealmod_runner_report_age_seconds`
//! says how fresh each one is.
//!
//! [`render`] is pure: the values come in, the text goes out.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde::{Deserialize, Serialize};

use crate::domain::AppealStatus;
use crate::storage::EffectState;

/// The `Content-Type` of [`render`]'s output.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// Calls of one endpoint that ended one way (`"200"`, `"429"`, `"transport_error"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallCount {
    pub endpoint: String,
    pub status: String,
    pub calls: u64,
}

/// What one runner process reports after each pass. Counters count since the process
/// started (Prometheus handles the reset of a restart).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunnerReport {
    pub reddit_calls: Vec<CallCount>,
    /// `x-ratelimit-remaining` of Reddit's latest answer.
    pub rate_limit_remaining: Option<f64>,
    pub passes: u64,
    pub pass_seconds_total: f64,
    pub last_pass_seconds: Option<f64>,
}

impl RunnerReport {
    /// Takes the Reddit client's counters as `(endpoint, outcome, calls)`; with
    /// `appealmod_reddit::CallCounters`: `c.calls.iter().map(|((e, o), n)| (e, o, *n))`.
    pub fn set_calls<E: Display, O: Display>(
        &mut self,
        calls: impl IntoIterator<Item = (E, O, u64)>,
        rate_limit_remaining: Option<f64>,
    ) {
        self.reddit_calls = calls
            .into_iter()
            .map(|(e, o, calls)| CallCount {
                endpoint: e.to_string(),
                status: o.to_string(),
                calls,
            })
            .collect();
        self.rate_limit_remaining = rate_limit_remaining;
    }

    /// Counts one pass of the runner's loop.
    pub fn record_pass(&mut self, took: std::time::Duration) {
        self.passes += 1;
        self.pass_seconds_total += took.as_secs_f64();
        self.last_pass_seconds = Some(took.as_secs_f64());
    }
}

/// A runner's latest report as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReport {
    pub process: String,
    pub reported_at: DateTime<Utc>,
    pub report: RunnerReport,
}

/// What only the database knows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreFigures {
    pub journal: BTreeMap<EffectState, i64>,
    /// Every status, zero included.
    pub appeals: Vec<(AppealStatus, i64)>,
    pub parked_conversations: i64,
}

/// The site's requests by route pattern (e.g. `/appeal/{token}`, never the token) and
/// status. The web layer's middleware calls [`WebRequests::record`].
#[derive(Debug, Default)]
pub struct WebRequests {
    counts: Mutex<BTreeMap<(String, u16), u64>>,
}

impl WebRequests {
    pub fn record(&self, route: &str, status: u16) {
        let mut c = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        *c.entry((route.to_owned(), status)).or_default() += 1;
    }

    pub fn snapshot(&self) -> BTreeMap<(String, u16), u64> {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Everything one rendering shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub now: DateTime<Utc>,
    pub runners: Vec<StoredReport>,
    pub store: StoreFigures,
    pub web_requests: BTreeMap<(String, u16), u64>,
}

type Labels = Vec<(&'static str, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;
type FloatCounter = Counter<f64, AtomicU64>;

fn label(pairs: &[(&'static str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

/// The Prometheus text of `s`.
pub fn render(s: &Snapshot) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::with_prefix("appealmod");
    register_runners(&mut registry, s);
    register_store(&mut registry, &s.store);
    let web = Family::<Labels, Counter>::default();
    for ((route, status), n) in &s.web_requests {
        web.get_or_create(&label(&[("route", route), ("status", &status.to_string())]))
            .inc_by(*n);
    }
    registry.register(
        "web_requests",
        "Requests the site answered, by route and status",
        web,
    );
    let mut out = String::new();
    prometheus_text::encode(&mut out, &registry)?;
    Ok(out)
}

fn register_runners(registry: &mut Registry, s: &Snapshot) {
    let calls = Family::<Labels, Counter>::default();
    let remaining = Family::<Labels, FloatGauge>::default();
    let passes = Family::<Labels, Counter>::default();
    let pass_seconds = Family::<Labels, FloatCounter>::default();
    let last_pass = Family::<Labels, FloatGauge>::default();
    let age = Family::<Labels, FloatGauge>::default();
    for r in &s.runners {
        let process = label(&[("process", &r.process)]);
        for c in &r.report.reddit_calls {
            let l = label(&[
                ("process", &r.process),
                ("endpoint", &c.endpoint),
                ("status", &c.status),
            ]);
            calls.get_or_create(&l).inc_by(c.calls);
        }
        if let Some(v) = r.report.rate_limit_remaining {
            remaining.get_or_create(&process).set(v);
        }
        passes.get_or_create(&process).inc_by(r.report.passes);
        pass_seconds
            .get_or_create(&process)
            .inc_by(r.report.pass_seconds_total);
        if let Some(v) = r.report.last_pass_seconds {
            last_pass.get_or_create(&process).set(v);
        }
        let ms = (s.now - r.reported_at).num_milliseconds().max(0);
        age.get_or_create(&process).set(ms as f64 / 1000.0);
    }
    registry.register(
        "reddit_calls",
        "Reddit API attempts by endpoint and status",
        calls,
    );
    registry.register(
        "reddit_ratelimit_remaining",
        "x-ratelimit-remaining of Reddit's latest answer",
        remaining,
    );
    registry.register("runner_passes", "Passes of the runner's loop", passes);
    registry.register(
        "runner_pass_seconds",
        "Time spent in passes, in seconds",
        pass_seconds,
    );
    registry.register(
        "runner_last_pass_seconds",
        "Duration of the latest pass",
        last_pass,
    );
    registry.register(
        "runner_report_age_seconds",
        "Seconds since the runner last reported (after its latest pass)",
        age,
    );
}

fn register_store(registry: &mut Registry, f: &StoreFigures) {
    let journal = Family::<Labels, Gauge>::default();
    for (state, n) in &f.journal {
        journal
            .get_or_create(&label(&[("state", state.as_str())]))
            .set(*n);
    }
    registry.register(
        "journal_entries",
        "Side-effect journal entries by state",
        journal,
    );
    let appeals = Family::<Labels, Gauge>::default();
    for (status, n) in &f.appeals {
        appeals
            .get_or_create(&label(&[("status", status.as_str())]))
            .set(*n);
    }
    registry.register("appeals", "Appeals by status", appeals);
    let parked = Gauge::<i64>::default();
    parked.set(f.parked_conversations);
    registry.register(
        "parked_conversations",
        "Conversations the bot could not decode or handle, waiting for a retry",
        parked,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::time::Duration;

    #[test]
    fn renders_every_family_with_its_labels() {
        let at = |s: i64| {
            Utc.timestamp_opt(1_700_000_000 + s, 0)
                .single()
                .expect("time")
        };
        let mut report = RunnerReport::default();
        report.set_calls([("list", "200", 12), ("reply", "429", 1)], Some(87.0));
        report.record_pass(Duration::from_millis(1500));
        report.record_pass(Duration::from_millis(500));
        let web = WebRequests::default();
        web.record("/appeal/{token}", 200);
        web.record("/appeal/{token}", 200);
        web.record("/healthz", 200);
        let s = Snapshot {
            now: at(30),
            runners: vec![StoredReport {
                process: "recent".to_owned(),
                reported_at: at(0),
                report,
            }],
            store: StoreFigures {
                journal: [(EffectState::Pending, 2), (EffectState::Done, 40)].into(),
                appeals: vec![(AppealStatus::Prompted, 3), (AppealStatus::Completed, 5)],
                parked_conversations: 1,
            },
            web_requests: web.snapshot(),
        };
        let text = render(&s).expect("render");
        for line in [
            "# TYPE appealmod_reddit_calls_total counter",
            "appealmod_reddit_calls_total{process=\"recent\",endpoint=\"list\",status=\"200\"} 12",
            "appealmod_reddit_calls_total{process=\"recent\",endpoint=\"reply\",status=\"429\"} 1",
            "appealmod_reddit_ratelimit_remaining{process=\"recent\"} 87.0",
            "appealmod_runner_passes_total{process=\"recent\"} 2",
            "appealmod_runner_pass_seconds_total{process=\"recent\"} 2.0",
            "appealmod_runner_last_pass_seconds{process=\"recent\"} 0.5",
            "appealmod_runner_report_age_seconds{process=\"recent\"} 30.0",
            "appealmod_journal_entries{state=\"pending\"} 2",
            "appealmod_journal_entries{state=\"done\"} 40",
            "appealmod_appeals{status=\"completed\"} 5",
            "appealmod_parked_conversations 1",
            "appealmod_web_requests_total{route=\"/appeal/{token}\",status=\"200\"} 2",
            "appealmod_web_requests_total{route=\"/healthz\",status=\"200\"} 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        assert!(CONTENT_TYPE.starts_with("text/plain; version=0.0.4"));
    }
}
