//! Chat webhooks: Slack and Discord share one routing, one bounded queue and one
//! background sender per configured channel (so a rate-limited channel does not hold up
//! the others), the same retries and the same redacted text. They differ only in how a
//! message is written and wrapped: see [`Format`], `slack.rs` and `discord.rs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use anyhow::Context as _;

use super::queue::{BoundedQueue, FinishGuard, SinkControl};
use super::record::{EventRecord, clean_conversation_id, clean_subreddit};
use super::{discord, slack};

/// Messages waiting per channel.
pub const QUEUE_CAPACITY: usize = 1000;
/// Attempts per message when the service answers 5xx or the network fails.
pub const MAX_ATTEMPTS: u32 = 4;
/// Attempts per message when the service answers 429 (each after the wait it asks for).
pub const MAX_RATE_LIMITED_ATTEMPTS: u32 = 6;
const BACKOFF_START: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(4);
const RETRY_AFTER_MAX: Duration = Duration::from_secs(60);

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

/// Which channels an event goes to. `named` is the event's own `slack` field (it names
/// the channel for Discord too).
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

/// The service a webhook belongs to: how its messages are written and wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Slack,
    Discord,
}

impl Format {
    /// The configuration section and the sink's name in diagnostics.
    fn name(self) -> &'static str {
        match self {
            Format::Slack => "slack",
            Format::Discord => "discord",
        }
    }

    fn service(self) -> &'static str {
        match self {
            Format::Slack => "Slack",
            Format::Discord => "Discord",
        }
    }

    fn link(self, url: &str, label: &str) -> String {
        match self {
            Format::Slack => slack::link(url, label),
            Format::Discord => discord::link(url, label),
        }
    }

    fn bold(self, s: &str) -> String {
        match self {
            Format::Slack => format!("*{s}*"),
            Format::Discord => format!("**{s}**"),
        }
    }

    fn escape(self, s: &str) -> String {
        match self {
            Format::Slack => slack::escape(s),
            Format::Discord => discord::escape(s),
        }
    }

    fn cut(self, text: String) -> String {
        match self {
            Format::Slack => cut(text, slack::MAX_TEXT_CHARS, |_| 1),
            Format::Discord => cut(text, discord::MAX_CONTENT_LEN, char::len_utf16),
        }
    }

    /// The JSON body the service expects for one message.
    pub fn payload(self, text: &str) -> Value {
        match self {
            Format::Slack => slack::payload(text),
            Format::Discord => discord::payload(text),
        }
    }

    /// The URL to post to, from the configured one.
    pub fn endpoint(self, url: &str) -> String {
        match self {
            Format::Slack => url.to_owned(),
            Format::Discord => discord::endpoint(url),
        }
    }
}

/// `[links] LEVEL [service] message key=value …`, in the format's markup, its free text
/// escaped, cut to the format's limit. Fields are already redacted by the collector.
pub(crate) fn message_text(format: Format, rec: &EventRecord, service: &str) -> String {
    let mut parts = Vec::with_capacity(3);
    if let Some(sub) = rec
        .lookup_str("subreddit")
        .and_then(|s| clean_subreddit(&s))
    {
        parts.push(format.link(
            &format!("https://www.reddit.com/r/{sub}"),
            &format!("r/{sub}"),
        ));
    }
    if let Some(id) = rec
        .lookup_str("conversation_id")
        .and_then(|s| clean_conversation_id(&s))
    {
        parts.push(format.link(
            &format!("https://mod.reddit.com/mail/all/{id}"),
            &format!("modmail {id}"),
        ));
    }
    let mut body = format!("[{}] {}", service, rec.message);
    for (k, v) in &rec.fields {
        if matches!(k.as_str(), "subreddit" | "conversation_id" | "slack") {
            continue;
        }
        match v {
            Value::String(s) => body.push_str(&format!(" {k}={s}")),
            other => body.push_str(&format!(" {k}={other}")),
        }
    }
    parts.push(format!(
        "{} {}",
        format.bold(rec.level.as_str()),
        format.escape(&body)
    ));
    format.cut(parts.join(" "))
}

/// Cuts `text` to at most `limit` units (as `units` counts a character), the last one an
/// ellipsis. A bounded text also bounds memory per queued line.
fn cut(text: String, limit: usize, units: fn(char) -> usize) -> String {
    if text.chars().map(units).sum::<usize>() <= limit {
        return text;
    }
    let mut used = units('…');
    let mut out: String = text
        .chars()
        .take_while(|&c| {
            used += units(c);
            used <= limit
        })
        .collect();
    out.push('…');
    out
}

/// The queues of one service, indexed by `Channel::index`; `None` where that channel's
/// webhook is not configured.
pub(crate) type Queues = [Option<Arc<BoundedQueue<String>>>; 5];

/// Turns each event into a message for every configured channel it is routed to.
pub(crate) struct WebhookLayer {
    /// One entry per service with at least one webhook.
    pub sinks: Vec<(Format, Queues)>,
    pub service: String,
}

impl<S> Layer<S> for WebhookLayer
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
        for (format, queues) in &self.sinks {
            if channels.iter().all(|c| queues[c.index()].is_none()) {
                continue;
            }
            let text = message_text(*format, &rec, &self.service);
            for c in &channels {
                if let Some(q) = &queues[c.index()] {
                    q.push(text.clone());
                }
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

/// One configured webhook: where its sender posts.
pub(crate) struct Hook {
    pub format: Format,
    pub channel: Channel,
    /// As configured; [`Format::endpoint`] makes the URL posted to.
    pub url: String,
}

/// Starts one sender per hook on `handle` (each tracked through `track`) and returns the
/// layer that feeds them.
pub(crate) fn spawn(
    handle: &tokio::runtime::Handle,
    track: impl Fn(Arc<dyn SinkControl>),
    hooks: Vec<Hook>,
    service: &str,
) -> anyhow::Result<WebhookLayer> {
    let client = http_client().context("cannot build the webhook HTTP client")?;
    let mut sinks: Vec<(Format, Queues)> = Vec::new();
    for hook in hooks {
        let i = match sinks.iter().position(|(f, _)| *f == hook.format) {
            Some(i) => i,
            None => {
                sinks.push((hook.format, Queues::default()));
                sinks.len() - 1
            }
        };
        let q = BoundedQueue::new(QUEUE_CAPACITY, 1);
        track(q.clone());
        handle.spawn(run_channel(
            q.clone(),
            client.clone(),
            hook.format,
            hook.format.endpoint(&hook.url),
            hook.channel.name(),
        ));
        sinks[i].1[hook.channel.index()] = Some(q);
    }
    Ok(WebhookLayer {
        sinks,
        service: service.to_owned(),
    })
}

enum Outcome {
    Delivered,
    Failed(String),
}

async fn run_channel(
    queue: Arc<BoundedQueue<String>>,
    client: reqwest::Client,
    format: Format,
    url: String,
    channel: &'static str,
) {
    let _finish = FinishGuard(queue.clone());
    let label = format!("{} sink ({channel})", format.name());
    let mut failing = false;
    loop {
        if queue.deadline().is_some() && (queue.is_empty() || queue.past_deadline()) {
            break;
        }
        let Some(text) = queue.pop_batch(1).pop() else {
            queue.wake.notified().await;
            continue;
        };
        match deliver(&client, &url, &format.payload(&text), &queue).await {
            Outcome::Delivered => {
                if failing {
                    eprintln!("{label}: {} accepts messages again", format.service());
                    failing = false;
                }
                let n = queue.take_dropped();
                if n > 0 {
                    let note = format!(
                        "{} sink: {n} messages to this channel were dropped (queue full or {} unreachable)",
                        format.name(),
                        format.service()
                    );
                    eprintln!("{label}: {note}");
                    let body = format.payload(&note);
                    if let Outcome::Failed(_) = deliver(&client, &url, &body, &queue).await {
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
    body: &Value,
    queue: &BoundedQueue<String>,
) -> Outcome {
    let mut attempts = 0u32;
    let mut rate_limited = 0u32;
    let mut backoff = BACKOFF_START;
    loop {
        attempts += 1;
        let wait = match client.post(url).json(body).send().await {
            Ok(r) if r.status().is_success() => return Outcome::Delivered,
            Ok(r) if r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS => {
                rate_limited += 1;
                if rate_limited >= MAX_RATE_LIMITED_ATTEMPTS {
                    return Outcome::Failed("still rate limited (429)".to_owned());
                }
                rate_limit_wait(r).await.unwrap_or(Duration::from_secs(1))
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

/// How long a 429 asks to wait: Slack says it in `Retry-After` (seconds); Discord in its
/// JSON body's `retry_after` (seconds, fractional) and, rounded up, in `Retry-After`.
/// With both, the shorter wins: older Discord API versions give the body in
/// milliseconds, which the header then caps.
async fn rate_limit_wait(r: reqwest::Response) -> Option<Duration> {
    let header: Option<f64> = r
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let body = r
        .bytes()
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| v.get("retry_after")?.as_f64());
    let secs = match (header, body) {
        (Some(h), Some(b)) => h.min(b),
        (h, b) => h.or(b)?,
    };
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs).min(RETRY_AFTER_MAX))
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
    fn cuts_to_the_limit_with_an_ellipsis() {
        assert_eq!(cut("abc".to_owned(), 3, |_| 1), "abc");
        assert_eq!(cut("abcd".to_owned(), 3, |_| 1), "ab…");
        // An emoji is two UTF-16 units: it does not fit beside the ellipsis in 3.
        assert_eq!(cut("a😀bc".to_owned(), 3, char::len_utf16), "a…");
    }
}
