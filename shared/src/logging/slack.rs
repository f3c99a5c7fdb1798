//! Slack incoming webhooks: one bounded queue and one background sender per channel, so a
//! rate-limited channel does not hold up the others.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::queue::{BoundedQueue, FinishGuard, SinkControl};
use super::record::{EventRecord, clean_conversation_id, clean_subreddit};

/// Messages waiting per channel.
pub const QUEUE_CAPACITY: usize = 1000;
/// Attempts per message when Slack answers 5xx or the network fails.
pub const MAX_ATTEMPTS: u32 = 4;
/// Attempts per message when Slack answers 429 (each after its `Retry-After`).
pub const MAX_RATE_LIMITED_ATTEMPTS: u32 = 6;
const BACKOFF_START: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(4);
const RETRY_AFTER_MAX: Duration = Duration::from_secs(60);
/// Slack truncates long messages anyway; a bounded text also bounds memory per line.
const MAX_TEXT_CHARS: usize = 3500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    Main,
    Steps,
    Alerts,
    Errors,
    Logging,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Main,
        Channel::Steps,
        Channel::Alerts,
        Channel::Errors,
        Channel::Logging,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Channel::Main => "main",
            Channel::Steps => "steps",
            Channel::Alerts => "alerts",
            Channel::Errors => "errors",
            Channel::Logging => "logging",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s.trim()))
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Which channels an event goes to. `named` is the event's own `slack` field.
pub(crate) fn route(level: Level, named: Option<Channel>) -> Vec<Channel> {
    let mut out = Vec::with_capacity(3);
    if let Some(c) = named {
        out.push(c);
    }
    if level == Level::ERROR {
        out.push(Channel::Errors);
    } else if level == Level::WARN && named.is_none() {
        out.push(Channel::Alerts);
    }
    out.push(Channel::Logging);
    out.dedup();
    let mut seen = [false; 5];
    out.retain(|c| !std::mem::replace(&mut seen[c.index()], true));
    out
}

/// `&`, `<`, `>` are Slack's control characters in `text`.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(crate) fn message_text(rec: &EventRecord, service: &str) -> String {
    let mut links = Vec::new();
    if let Some(sub) = rec
        .lookup_str("subreddit")
        .and_then(|s| clean_subreddit(&s))
    {
        links.push(format!("<https://www.reddit.com/r/{sub}|r/{sub}>"));
    }
    if let Some(id) = rec
        .lookup_str("conversation_id")
        .and_then(|s| clean_conversation_id(&s))
    {
        links.push(format!(
            "<https://mod.reddit.com/mail/all/{id}|modmail {id}>"
        ));
    }
    let mut body = format!("*{}* [{}] {}", rec.level, service, rec.message);
    for (k, v) in &rec.fields {
        if matches!(k.as_str(), "subreddit" | "conversation_id" | "slack") {
            continue;
        }
        match v {
            serde_json::Value::String(s) => body.push_str(&format!(" {k}={s}")),
            other => body.push_str(&format!(" {k}={other}")),
        }
    }
    let mut text = links.join(" ");
    if !text.is_empty() {
        text.push(' ');
    }
    text.push_str(&escape(&body));
    if text.chars().count() > MAX_TEXT_CHARS {
        text = text.chars().take(MAX_TEXT_CHARS).collect();
        text.push('…');
    }
    text
}

pub(crate) struct SlackLayer {
    /// Indexed by `Channel::index`; `None` when that webhook is not configured.
    pub queues: [Option<Arc<BoundedQueue<String>>>; 5],
    pub service: String,
}

impl<S> Layer<S> for SlackLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        if super::is_own_target(meta.target()) || is_http_stack(meta.target()) {
            return;
        }
        let rec = EventRecord::capture_in(event, &ctx);
        let named = rec
            .fields
            .get("slack")
            .and_then(|v| v.as_str())
            .and_then(Channel::parse);
        let channels = route(*meta.level(), named);
        if channels.iter().all(|c| self.queues[c.index()].is_none()) {
            return;
        }
        let text = message_text(&rec, &self.service);
        for c in channels {
            if let Some(q) = &self.queues[c.index()] {
                q.push(text.clone());
            }
        }
    }
}

/// The sender's own HTTP stack logs at debug/trace; posting those would post more.
fn is_http_stack(target: &str) -> bool {
    [
        "reqwest",
        "hyper",
        "hyper_util",
        "h2",
        "rustls",
        "tower",
        "want",
    ]
    .iter()
    .any(|p| target == *p || target.starts_with(&format!("{p}::")))
}

pub(crate) fn http_client() -> anyhow::Result<reqwest::Client> {
    // reqwest is built without a default crypto provider; installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .build()?)
}

enum Outcome {
    Delivered,
    Failed(String),
}

pub(crate) async fn run_channel(
    queue: Arc<BoundedQueue<String>>,
    client: reqwest::Client,
    url: String,
    channel: &'static str,
) {
    let _finish = FinishGuard(queue.clone());
    let label = format!("slack sink ({channel})");
    let mut failing = false;
    loop {
        if queue.deadline().is_some() && (queue.is_empty() || queue.past_deadline()) {
            break;
        }
        let Some(text) = queue.pop_batch(1).pop() else {
            queue.wake.notified().await;
            continue;
        };
        match deliver(&client, &url, &text, &queue).await {
            Outcome::Delivered => {
                if failing {
                    eprintln!("{label}: Slack accepts messages again");
                    failing = false;
                }
                let n = queue.take_dropped();
                if n > 0 {
                    let note = format!(
                        "slack sink: {n} messages to this channel were dropped (queue full or Slack unreachable)"
                    );
                    eprintln!("{label}: {note}");
                    if let Outcome::Failed(_) = deliver(&client, &url, &note, &queue).await {
                        queue.add_dropped(n);
                    }
                }
            }
            Outcome::Failed(why) => {
                queue.add_dropped(1);
                if !failing {
                    eprintln!("{label}: giving up on a message: {why}");
                    failing = true;
                }
            }
        }
    }
    let left = queue.len() as u64 + queue.dropped();
    if left > 0 {
        eprintln!("{label}: {left} messages not delivered at shutdown");
    }
}

async fn deliver(
    client: &reqwest::Client,
    url: &str,
    text: &str,
    queue: &BoundedQueue<String>,
) -> Outcome {
    let body = serde_json::json!({ "text": text });
    let mut attempts = 0u32;
    let mut rate_limited = 0u32;
    let mut backoff = BACKOFF_START;
    loop {
        attempts += 1;
        let wait = match client.post(url).json(&body).send().await {
            Ok(r) if r.status().is_success() => return Outcome::Delivered,
            Ok(r) if r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS => {
                rate_limited += 1;
                if rate_limited >= MAX_RATE_LIMITED_ATTEMPTS {
                    return Outcome::Failed("still rate limited (429)".to_owned());
                }
                retry_after(&r).unwrap_or(Duration::from_secs(1))
            }
            Ok(r) if r.status().is_server_error() => {
                if attempts >= MAX_ATTEMPTS {
                    return Outcome::Failed(format!(
                        "HTTP {} after {attempts} attempts",
                        r.status()
                    ));
                }
                next(&mut backoff)
            }
            // 4xx other than 429: the hook is revoked or the payload refused; retrying
            // cannot help.
            Ok(r) => return Outcome::Failed(format!("HTTP {}", r.status())),
            Err(e) => {
                if attempts >= MAX_ATTEMPTS {
                    // The error's URL is the webhook itself, which is a secret.
                    return Outcome::Failed(format!(
                        "{} after {attempts} attempts",
                        e.without_url()
                    ));
                }
                next(&mut backoff)
            }
        };
        if let Some(deadline) = queue.deadline()
            && Instant::now() + wait > deadline
        {
            return Outcome::Failed("shutdown deadline reached".to_owned());
        }
        tokio::time::sleep(wait).await;
    }
}

fn next(backoff: &mut Duration) -> Duration {
    let b = *backoff;
    *backoff = (*backoff * 2).min(BACKOFF_MAX);
    b
}

fn retry_after(r: &reqwest::Response) -> Option<Duration> {
    let secs: f64 = r
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs).min(RETRY_AFTER_MAX))
}

pub(crate) fn control(q: &Arc<BoundedQueue<String>>) -> Arc<dyn SinkControl> {
    q.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing() {
        use Channel::*;
        assert_eq!(route(Level::ERROR, None), vec![Errors, Logging]);
        assert_eq!(route(Level::WARN, None), vec![Alerts, Logging]);
        assert_eq!(route(Level::WARN, Some(Steps)), vec![Steps, Logging]);
        assert_eq!(route(Level::INFO, Some(Main)), vec![Main, Logging]);
        assert_eq!(route(Level::ERROR, Some(Main)), vec![Main, Errors, Logging]);
        assert_eq!(route(Level::ERROR, Some(Errors)), vec![Errors, Logging]);
        assert_eq!(route(Level::INFO, None), vec![Logging]);
        assert_eq!(route(Level::INFO, Some(Logging)), vec![Logging]);
    }

    #[test]
    fn escapes_controls() {
        assert_eq!(escape("a<b>&c"), "a&lt;b&gt;&amp;c");
    }
}
