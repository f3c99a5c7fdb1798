//! The logging fan-out: one tracing setup for every binary, writing each event to the
//! console, a daily-rotated file, MongoDB `application-logs` and Slack and Discord webhooks.
//!
//! # Field conventions
//!
//! Log with ordinary `tracing` macros; these field names mean something to the sinks:
//!
//! - `subreddit = %name` — the subreddit (`pics` or `r/pics`). Slack messages start with a
//!   link `<https://www.reddit.com/r/pics|r/pics>`, Discord messages with
//!   `[r/pics](<https://www.reddit.com/r/pics>)`; MongoDB documents get a top-level
//!   `subreddit`. May be set on the event or on any enclosing span.
//! - `conversation_id = %id` — the modmail conversation. Slack and Discord messages get a
//!   link to `https://mod.reddit.com/mail/all/{id}` labelled `modmail {id}`; MongoDB
//!   documents get a top-level `conversation_id`. Event or span.
//! - `slack = "main" | "steps" | "alerts" | "errors" | "logging"` — on the event only: also
//!   post it to that channel, on Slack and on Discord alike. Whatever the field says, ERROR
//!   events go to `errors`, WARN events go to `alerts` unless a channel is named, and every
//!   event that passes `logging.level` goes to `logging`.
//! - Fields named like a secret (`token`, `password`, `secret`, `link_secret`, `email`,
//!   `*_token`, `client_secret`, `authorization`, …) are logged as `[redacted]` by every
//!   sink, and free text (messages, `Debug`/`Display` values, error chains) is scrubbed of
//!   appeal-link tokens (`/appeal/[redacted]`), `Bearer …`, `access_token`/`password=…`
//!   values, Slack and Discord hook URLs, URL passwords and e-mail addresses. See
//!   [`redact_text`].
//!
//! ```
//! # use tracing::{info, warn, info_span};
//! let span = info_span!("conversation", subreddit = "pics", conversation_id = "2g8x1k");
//! let _e = span.enter();
//! info!(slack = "steps", "sent the initial message");
//! warn!("appeal form submitted twice");
//! ```
//!
//! # Sinks never block the caller
//!
//! MongoDB, Slack and Discord lines go through bounded in-memory queues drained by
//! background tasks on a small runtime of their own (so they keep flushing while the
//! application's runtime shuts down). A full queue drops its oldest line and counts it;
//! the count is reported once the sink works again. The sinks' own diagnostics go to
//! stderr, never back through tracing.

mod discord;
mod format;
mod mongo;
mod queue;
mod record;
mod redact;
mod slack;
mod webhook;

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tracing::Dispatch;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::{ConsoleFormat, DiscordConfig, LoggingConfig, MongoConfig, SlackConfig};

pub use discord::MAX_CONTENT_LEN as DISCORD_MAX_CONTENT_LEN;
pub use mongo::{
    APPLICATION_LOGS, BATCH_SIZE, CONNECT_TIMEOUT, CONVERSATION_LOGS, DocumentSink, FLUSH_INTERVAL,
};
pub use redact::{REDACTED, RedactingFields, is_secret_field, redact_text};
pub use webhook::{MAX_ATTEMPTS as WEBHOOK_MAX_ATTEMPTS, QUEUE_CAPACITY as WEBHOOK_QUEUE_CAPACITY};

use queue::{SinkControl, wait_finished};

/// How long dropping a [`LogGuard`] waits for queued MongoDB/webhook lines.
pub const DROP_FLUSH_TIMEOUT: Duration = Duration::from_secs(2);
/// How long [`LogGuard::shutdown`] waits for queued MongoDB/webhook lines.
pub const SHUTDOWN_FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Events of the logging code itself are never fed back to the MongoDB/webhook sinks.
pub(crate) fn is_own_target(target: &str) -> bool {
    target.starts_with(module_path!())
}

/// Where console output goes.
pub enum Console {
    /// Standard output, coloured when it is a terminal and the format is human.
    Stdout,
    Stderr,
    /// No console output (tests that only look at the other sinks).
    Off,
    /// Any writer, without colours (tests that read the console output).
    Writer(BoxMakeWriter),
}

impl Console {
    pub fn writer<W>(w: W) -> Self
    where
        W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
    {
        Console::Writer(BoxMakeWriter::new(w))
    }
}

/// Installs the logging fan-out as the global subscriber. Keep the guard alive for the
/// life of the program; dropping it (or awaiting [`LogGuard::shutdown`]) flushes.
///
/// Never fails because MongoDB, Slack or Discord is down: those sinks buffer and retry.
/// It fails on an invalid `logging.level`, an uncreatable `file_dir`, an unparsable
/// MongoDB URI, or a global subscriber already installed.
pub fn init(
    config: &LoggingConfig,
    mongo: &MongoConfig,
    slack: &SlackConfig,
    discord: &DiscordConfig,
    service: &str,
) -> anyhow::Result<LogGuard> {
    let (dispatch, guard) = build(config, mongo, slack, discord, service, Console::Stdout)?;
    tracing::dispatcher::set_global_default(dispatch)
        .context("a global tracing subscriber is already installed")?;
    Ok(guard)
}

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Builds the same stack as [`init`] without installing it, for
/// `tracing::dispatcher::with_default` / `set_default` in tests.
pub fn build(
    config: &LoggingConfig,
    mongo: &MongoConfig,
    slack: &SlackConfig,
    discord: &DiscordConfig,
    service: &str,
    console: Console,
) -> anyhow::Result<(Dispatch, LogGuard)> {
    let filter = EnvFilter::builder()
        .parse(&config.level)
        .with_context(|| format!("invalid `logging.level` filter {:?}", config.level))?;

    let mut guard = LogGuard {
        file: None,
        sinks: None,
        mongo: None,
        application_log: None,
        conversation_log: OnceLock::new(),
    };
    let mut layers: Vec<BoxedLayer> = vec![Box::new(record::SpanFieldsLayer)];

    let json = config.console == ConsoleFormat::Json;
    layers.extend(console_layer(console, json, service));
    if let Some(dir) = &config.file_dir {
        let (layer, file_guard) = file_layer(dir, &config.file_prefix, json, service)?;
        guard.file = Some(file_guard);
        layers.push(layer);
    }

    let hooks = webhooks(slack, discord);
    if mongo.uri.is_some() || !hooks.is_empty() {
        guard.sinks = Some(SinkRuntime::new()?);
    }
    if let (Some(uri), Some(rt)) = (&mongo.uri, guard.sinks.as_ref()) {
        let (layer, sink, handle) = mongo_layer(rt, uri, mongo, service)?;
        layers.push(layer);
        guard.application_log = Some(sink);
        guard.mongo = Some(handle);
    }
    if let Some(rt) = guard.sinks.as_ref().filter(|_| !hooks.is_empty()) {
        let layer = webhook::spawn(&rt.handle, |c| rt.track(c), hooks, service)?;
        layers.push(Box::new(layer));
    }

    let subscriber = tracing_subscriber::registry().with(layers).with(filter);
    Ok((Dispatch::new(subscriber), guard))
}

fn console_layer(console: Console, json: bool, service: &str) -> Option<BoxedLayer> {
    match console {
        Console::Off => None,
        Console::Stdout => {
            let ansi = !json && std::io::stdout().is_terminal();
            Some(text_layer(json, ansi, service, std::io::stdout))
        }
        Console::Stderr => {
            let ansi = !json && std::io::stderr().is_terminal();
            Some(text_layer(json, ansi, service, std::io::stderr))
        }
        Console::Writer(w) => Some(text_layer(json, false, service, w)),
    }
}

/// The daily-rotated file in `dir` (created when missing), written off the caller's
/// thread; the guard flushes it.
fn file_layer(
    dir: &std::path::Path,
    prefix: &str,
    json: bool,
    service: &str,
) -> anyhow::Result<(BoxedLayer, WorkerGuard)> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the log directory {}", dir.display()))?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(prefix)
        .build(dir)
        .with_context(|| format!("cannot open a log file in {}", dir.display()))?;
    let (writer, file_guard) = tracing_appender::non_blocking(appender);
    Ok((text_layer(json, false, service, writer), file_guard))
}

/// The configured Slack and Discord webhooks, in channel order. An empty value
/// (`APPEALMOD_SLACK__…=`) means "off", not a broken hook.
fn webhooks(slack: &SlackConfig, discord: &DiscordConfig) -> Vec<webhook::Hook> {
    [
        (webhook::Format::Slack, slack),
        (webhook::Format::Discord, discord),
    ]
    .into_iter()
    .flat_map(|(format, hooks)| {
        hooks.channels().into_iter().filter_map(move |(name, url)| {
            let url = url?.expose().trim();
            let channel = webhook::Channel::parse(name)?;
            (!url.is_empty()).then(|| webhook::Hook {
                format,
                channel,
                url: url.to_owned(),
            })
        })
    })
    .collect()
}

/// The `application-logs` sink and the layer feeding it, plus what
/// [`LogGuard::conversation_log`] needs to open a second sink later.
fn mongo_layer(
    rt: &SinkRuntime,
    uri: &crate::config::Secret,
    mongo: &MongoConfig,
    service: &str,
) -> anyhow::Result<(BoxedLayer, DocumentSink, MongoHandle)> {
    let client = rt.mongo_client(uri.expose(), &format!("appealmod-{service}"))?;
    let db = client.database(&mongo.database);
    let service_name = service.to_owned();
    let target = mongo::SinkTarget {
        collection: db.collection(APPLICATION_LOGS),
        // 0 days would make MongoDB delete every line at once: read it as "keep".
        ttl: (mongo.log_ttl_days > 0)
            .then(|| Duration::from_secs(u64::from(mongo.log_ttl_days) * 86_400)),
        report: Some(Box::new(move |n, outage| {
            mongo::report_document(&service_name, n, outage)
        })),
    };
    let sink = DocumentSink::spawn_on(&rt.handle, target, mongo.buffer_capacity);
    rt.track(sink.control());
    let layer = Box::new(mongo::MongoLayer {
        sink: sink.clone(),
        service: service.to_owned(),
    });
    let handle = MongoHandle {
        client,
        database: mongo.database.clone(),
        capacity: mongo.buffer_capacity,
    };
    Ok((layer, sink, handle))
}

fn text_layer<W>(json: bool, ansi: bool, service: &str, writer: W) -> BoxedLayer
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let base = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(ansi)
        .fmt_fields(RedactingFields);
    if json {
        base.event_format(format::JsonLines {
            service: service.to_owned(),
        })
        .boxed()
    } else {
        base.boxed()
    }
}

/// Keeps the sinks alive. Dropping it flushes the file and gives MongoDB/webhook senders up
/// to [`DROP_FLUSH_TIMEOUT`]; [`LogGuard::shutdown`] does the same without blocking a
/// runtime thread.
pub struct LogGuard {
    // Declared first so the file is flushed even if the sink runtime is slow to stop.
    file: Option<WorkerGuard>,
    sinks: Option<SinkRuntime>,
    mongo: Option<MongoHandle>,
    application_log: Option<DocumentSink>,
    conversation_log: OnceLock<DocumentSink>,
}

struct MongoHandle {
    client: mongodb::Client,
    database: String,
    capacity: usize,
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogGuard")
            .field("file", &self.file.is_some())
            .field("mongo", &self.mongo.is_some())
            .field("background_sinks", &self.sinks.is_some())
            .finish()
    }
}

impl LogGuard {
    /// A sink for raw conversation snapshots (`conversation-logs`), when MongoDB is
    /// configured. Same bounded, non-blocking behaviour as the log sink; flushed with it.
    pub fn conversation_log(&self) -> Option<DocumentSink> {
        let (mongo, rt) = (self.mongo.as_ref()?, self.sinks.as_ref()?);
        let sink = self.conversation_log.get_or_init(|| {
            let target = mongo::SinkTarget {
                collection: mongo
                    .client
                    .database(&mongo.database)
                    .collection(CONVERSATION_LOGS),
                ttl: None,
                report: None,
            };
            let sink = DocumentSink::spawn_on(&rt.handle, target, mongo.capacity);
            rt.track(sink.control());
            sink
        });
        Some(sink.clone())
    }

    /// The `application-logs` sink, for its queue/drop counters.
    pub fn application_log(&self) -> Option<&DocumentSink> {
        self.application_log.as_ref()
    }

    /// The MongoDB client the sinks use, for other document-shaped writes.
    pub fn mongo_client(&self) -> Option<&mongodb::Client> {
        self.mongo.as_ref().map(|m| &m.client)
    }

    /// Flushes MongoDB and the webhooks within [`SHUTDOWN_FLUSH_TIMEOUT`], then the file.
    /// Returns whether every sender finished in time.
    pub async fn shutdown(self) -> bool {
        self.shutdown_within(SHUTDOWN_FLUSH_TIMEOUT).await
    }

    pub async fn shutdown_within(mut self, timeout: Duration) -> bool {
        let done = match self.sinks.take() {
            Some(rt) => rt.close_and_wait(Instant::now() + timeout).await,
            None => true,
        };
        drop(self);
        done
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        if let Some(rt) = self.sinks.take() {
            rt.close_and_wait_blocking(Instant::now() + DROP_FLUSH_TIMEOUT);
        }
    }
}

/// A small runtime of its own for the background senders: they must run whether or not
/// the caller is inside tokio, and keep draining while the application's runtime stops.
struct SinkRuntime {
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    controls: Mutex<Vec<Arc<dyn SinkControl>>>,
}

impl SinkRuntime {
    fn new() -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("appealmod-log-sinks")
            .enable_all()
            .build()
            .context("cannot start the logging runtime")?;
        Ok(Self {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
            controls: Mutex::new(Vec::new()),
        })
    }

    fn track(&self, control: Arc<dyn SinkControl>) {
        self.controls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(control);
    }

    fn controls(&self) -> Vec<Arc<dyn SinkControl>> {
        self.controls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn mongo_client(&self, uri: &str, app_name: &str) -> anyhow::Result<mongodb::Client> {
        let handle = self.handle.clone();
        // `block_on` refuses to run on a thread that is inside a runtime (as `init` often
        // is), so parse on a scoped helper thread. Parsing a `mongodb://` URI does no I/O;
        // `mongodb+srv://` resolves DNS, hence the timeout.
        let opts = std::thread::scope(|s| {
            s.spawn(|| {
                handle.block_on(async {
                    tokio::time::timeout(
                        Duration::from_secs(10),
                        mongo::client_options(uri, app_name),
                    )
                    .await
                    .map_err(|_| anyhow::anyhow!("resolving the MongoDB URI timed out"))?
                })
            })
            .join()
            .map_err(|_| anyhow::anyhow!("MongoDB URI parser panicked"))
            .and_then(|r| r)
        })?;
        let _enter = handle.enter();
        mongodb::Client::with_options(opts).context("cannot create the MongoDB client")
    }

    fn close_all(&self, deadline: Instant) -> Vec<Arc<dyn SinkControl>> {
        let controls = self.controls();
        for c in &controls {
            c.close(deadline);
        }
        controls
    }

    async fn close_and_wait(mut self, deadline: Instant) -> bool {
        let mut all = true;
        for c in self.close_all(deadline) {
            all &= wait_finished(c.as_ref(), deadline).await;
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
        all
    }

    fn close_and_wait_blocking(mut self, deadline: Instant) -> bool {
        let controls = self.close_all(deadline);
        // Polling, because this runs in `Drop`, possibly on a runtime thread where
        // blocking on a future is not allowed.
        let all = loop {
            if controls.iter().all(|c| c.is_finished()) {
                break true;
            }
            if Instant::now() >= deadline {
                break false;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
        all
    }
}

impl Drop for SinkRuntime {
    fn drop(&mut self) {
        // Dropping a runtime inside another one panics; this never does.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}
