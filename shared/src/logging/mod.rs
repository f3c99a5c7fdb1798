//! The logging fan-out: one tracing setup for every binary, writing each event to the
//! console, a daily-rotated file, MongoDB `application-logs` and Slack webhooks.
//!
//! # Field conventions
//!
//! Log with ordinary `tracing` macros; these field names mean something to the sinks:
//!
//! - `subreddit = %name` — the subreddit (`pics` or `r/pics`). Slack messages start with a
//!   link `<https://www.reddit.com/r/pics|r/pics>`; MongoDB documents get a top-level
//!   `subreddit`. May be set on the event or on any enclosing span.
//! - `conversation_id = %id` — the modmail conversation. Slack messages get a link
//!   `<https://mod.reddit.com/mail/all/{id}|modmail {id}>`; MongoDB documents get a
//!   top-level `conversation_id`. Event or span.
//! - `slack = "main" | "steps" | "alerts" | "errors" | "logging"` — on the event only: also
//!   post it to that Slack channel. Whatever the field says, ERROR events go to `errors`,
//!   WARN events go to `alerts` unless a channel is named, and every event that passes
//!   `logging.level` goes to `logging`.
//! - Fields named like a secret (`token`, `password`, `secret`, `link_secret`, `email`,
//!   `*_token`, `client_secret`, `authorization`, …) are logged as `[redacted]` by every
//!   sink, and free text (messages, `Debug`/`Display` values, error chains) is scrubbed of
//!   appeal-link tokens (`/appeal/[redacted]`), `Bearer …`, `access_token`/`password=…`
//!   values, Slack hook URLs, URL passwords and e-mail addresses. See [`redact_text`].
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
//! MongoDB and Slack lines go through bounded in-memory queues drained by background tasks
//! on a small runtime of their own (so they keep flushing while the application's runtime
//! shuts down). A full queue drops its oldest line and counts it; the count is reported
//! once the sink works again. The sinks' own diagnostics go to stderr, never back through
//! tracing.

mod format;
mod mongo;
mod queue;
mod record;
mod redact;
mod slack;

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

use crate::config::{ConsoleFormat, LoggingConfig, MongoConfig, SlackConfig};

pub use mongo::{
    APPLICATION_LOGS, BATCH_SIZE, CONNECT_TIMEOUT, CONVERSATION_LOGS, DocumentSink, FLUSH_INTERVAL,
};
pub use redact::{REDACTED, RedactingFields, is_secret_field, redact_text};
pub use slack::{MAX_ATTEMPTS as SLACK_MAX_ATTEMPTS, QUEUE_CAPACITY as SLACK_QUEUE_CAPACITY};

use queue::{SinkControl, wait_finished};

/// How long dropping a [`LogGuard`] waits for queued MongoDB/Slack lines.
pub const DROP_FLUSH_TIMEOUT: Duration = Duration::from_secs(2);
/// How long [`LogGuard::shutdown`] waits for queued MongoDB/Slack lines.
pub const SHUTDOWN_FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Events of the logging code itself are never fed back to the MongoDB/Slack sinks.
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
/// Never fails because MongoDB or Slack is down: those sinks buffer and retry. It fails on
/// an invalid `logging.level`, an uncreatable `file_dir`, an unparsable MongoDB URI, or a
/// global subscriber already installed.
pub fn init(
    config: &LoggingConfig,
    mongo: &MongoConfig,
    slack: &SlackConfig,
    service: &str,
) -> anyhow::Result<LogGuard> {
    let (dispatch, guard) = build(config, mongo, slack, service, Console::Stdout)?;
    tracing::dispatcher::set_global_default(dispatch)
        .context("a global tracing subscriber is already installed")?;
    Ok(guard)
}

/// Builds the same stack as [`init`] without installing it, for
/// `tracing::dispatcher::with_default` / `set_default` in tests.
pub fn build(
    config: &LoggingConfig,
    mongo: &MongoConfig,
    slack: &SlackConfig,
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
    let mut layers: Vec<Box<dyn Layer<Registry> + Send + Sync>> =
        vec![Box::new(record::SpanFieldsLayer)];

    let json = config.console == ConsoleFormat::Json;
    match console {
        Console::Off => {}
        Console::Stdout => {
            let ansi = !json && std::io::stdout().is_terminal();
            layers.push(text_layer(json, ansi, service, std::io::stdout));
        }
        Console::Stderr => {
            let ansi = !json && std::io::stderr().is_terminal();
            layers.push(text_layer(json, ansi, service, std::io::stderr));
        }
        Console::Writer(w) => layers.push(text_layer(json, false, service, w)),
    }

    if let Some(dir) = &config.file_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the log directory {}", dir.display()))?;
        let appender = RollingFileAppender::builder()
            .rotation(Rotation::DAILY)
            .filename_prefix(&config.file_prefix)
            .build(dir)
            .with_context(|| format!("cannot open a log file in {}", dir.display()))?;
        let (writer, file_guard) = tracing_appender::non_blocking(appender);
        guard.file = Some(file_guard);
        layers.push(text_layer(json, false, service, writer));
    }

    let slack_hooks: Vec<_> = slack
        .channels()
        .into_iter()
        .filter_map(|(n, s)| Some((n, s?)))
        // An empty override (`APPEALMOD_SLACK__…=`) means "off", not a broken hook.
        .filter(|(_, s)| !s.expose().trim().is_empty())
        .collect();
    if mongo.uri.is_some() || !slack_hooks.is_empty() {
        guard.sinks = Some(SinkRuntime::new()?);
    }
    let sinks = guard.sinks.as_ref();

    if let (Some(uri), Some(rt)) = (&mongo.uri, sinks) {
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
        layers.push(Box::new(mongo::MongoLayer {
            sink: sink.clone(),
            service: service.to_owned(),
        }));
        guard.application_log = Some(sink);
        guard.mongo = Some(MongoHandle {
            client,
            database: mongo.database.clone(),
            capacity: mongo.buffer_capacity,
        });
    }

    if let Some(rt) = sinks.filter(|_| !slack_hooks.is_empty()) {
        let client = slack::http_client().context("cannot build the Slack HTTP client")?;
        let mut queues: [Option<Arc<queue::BoundedQueue<String>>>; 5] = Default::default();
        for (name, hook) in slack_hooks {
            let Some(channel) = slack::Channel::parse(name) else {
                continue;
            };
            let q = queue::BoundedQueue::new(slack::QUEUE_CAPACITY, 1);
            rt.track(slack::control(&q));
            rt.handle.spawn(slack::run_channel(
                q.clone(),
                client.clone(),
                hook.expose().to_owned(),
                channel.name(),
            ));
            queues[channel as usize] = Some(q);
        }
        layers.push(Box::new(slack::SlackLayer {
            queues,
            service: service.to_owned(),
        }));
    }

    let subscriber = tracing_subscriber::registry().with(layers).with(filter);
    Ok((Dispatch::new(subscriber), guard))
}

fn text_layer<W>(
    json: bool,
    ansi: bool,
    service: &str,
    writer: W,
) -> Box<dyn Layer<Registry> + Send + Sync>
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

/// Keeps the sinks alive. Dropping it flushes the file and gives MongoDB/Slack senders up
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

    /// Flushes MongoDB and Slack within [`SHUTDOWN_FLUSH_TIMEOUT`], then the file.
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
