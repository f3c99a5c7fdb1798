//! MongoDB sinks: the `application-logs` layer and the reusable [`DocumentSink`] behind it
//! (also used for `conversation-logs`).
//!
//! Diagnostics of these sinks go to stderr only: logging them through tracing would feed
//! them back into the very sink that is failing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mongodb::bson::{self, Bson, Document, doc};
use mongodb::error::{Error as MongoError, ErrorKind};
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, IndexModel};
use serde_json::{Map, Value};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::queue::{BoundedQueue, FinishGuard, SinkControl, wait_finished};
use super::record::EventRecord;
use super::redact::redact_text;

pub const APPLICATION_LOGS: &str = "application-logs";
pub const CONVERSATION_LOGS: &str = "conversation-logs";

/// Lines per `insert_many`.
pub const BATCH_SIZE: usize = 200;
/// How long a line may wait for its batch to fill.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(500);
const BACKOFF_START: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// Short, so that a MongoDB that is down costs a sender retry, not a hung startup.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) async fn client_options(uri: &str, app_name: &str) -> anyhow::Result<ClientOptions> {
    let mut opts = ClientOptions::parse(uri).await.map_err(|e| {
        // The driver's message may quote the URI, which can hold a password.
        anyhow::anyhow!(
            "invalid MongoDB URI in `mongodb.uri`: {}",
            redact_text(&e.to_string())
        )
    })?;
    opts.server_selection_timeout.get_or_insert(CONNECT_TIMEOUT);
    opts.connect_timeout.get_or_insert(CONNECT_TIMEOUT);
    opts.app_name.get_or_insert_with(|| app_name.to_owned());
    Ok(opts)
}

/// A handle to a background writer into one MongoDB collection. Cloning is cheap; all
/// clones feed the same bounded queue. Pushing never blocks: when the queue is full the
/// oldest document is dropped and counted.
#[derive(Clone)]
pub struct DocumentSink {
    queue: Arc<BoundedQueue<Document>>,
    unreachable: Arc<AtomicBool>,
}

impl std::fmt::Debug for DocumentSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentSink")
            .field("queued", &self.queued())
            .field("dropped", &self.dropped())
            .finish()
    }
}

/// How a sink reports lines it had to drop once MongoDB accepts writes again.
type Report = Box<dyn Fn(u64, bool) -> Document + Send + Sync>;

pub(crate) struct SinkTarget {
    pub collection: Collection<Document>,
    /// TTL on `timestamp`; created (idempotently) before the first insert.
    pub ttl: Option<Duration>,
    /// `None`: drops are reported on stderr only (a snapshot collection is no place for
    /// a log line).
    pub report: Option<Report>,
}

impl DocumentSink {
    /// Starts a writer on the current tokio runtime.
    pub fn start(client: &Client, database: &str, collection: &str, capacity: usize) -> Self {
        let target = SinkTarget {
            collection: client.database(database).collection(collection),
            ttl: None,
            report: None,
        };
        Self::spawn_on(&tokio::runtime::Handle::current(), target, capacity)
    }

    pub(crate) fn spawn_on(
        handle: &tokio::runtime::Handle,
        target: SinkTarget,
        capacity: usize,
    ) -> Self {
        let queue = BoundedQueue::new(capacity, BATCH_SIZE);
        let unreachable = Arc::new(AtomicBool::new(false));
        handle.spawn(run(queue.clone(), target, unreachable.clone()));
        Self { queue, unreachable }
    }

    pub fn push(&self, doc: Document) {
        self.queue.push(doc);
    }

    /// Queues a JSON object; anything else is wrapped as `{ "value": … }`. A `timestamp`
    /// field is added (BSON datetime) when missing so that documents sort and expire alike.
    pub fn push_json(&self, value: &Value) -> anyhow::Result<()> {
        let mut doc = match bson::to_bson(value)? {
            Bson::Document(d) => d,
            other => doc! { "value": other },
        };
        if !doc.contains_key("timestamp") {
            doc.insert("timestamp", bson::DateTime::now());
        }
        self.push(doc);
        Ok(())
    }

    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Whether the last write attempt failed because MongoDB could not be reached (for
    /// health checks; the sink keeps retrying on its own).
    pub fn is_unreachable(&self) -> bool {
        self.unreachable.load(Ordering::Relaxed)
    }

    /// Documents dropped and not yet reported.
    pub fn dropped(&self) -> u64 {
        self.queue.dropped()
    }

    /// Stops the writer after it has written what is queued, or at the deadline, whichever
    /// comes first. Returns whether everything was written.
    pub async fn shutdown(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        self.queue.close(deadline);
        wait_finished(self.queue.as_ref(), deadline).await && self.queue.is_empty()
    }

    pub(crate) fn control(&self) -> Arc<dyn SinkControl> {
        self.queue.clone()
    }
}

/// Failures that mean "MongoDB is not there right now": keep the lines and retry.
fn is_unreachable(e: &MongoError) -> bool {
    matches!(
        *e.kind,
        ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
            | ErrorKind::ServerSelection { .. }
            | ErrorKind::DnsResolve { .. }
    )
}

struct SenderState {
    label: String,
    status: Arc<AtomicBool>,
    unreachable: bool,
    /// Lines were dropped during an outage (as opposed to a burst while reachable).
    outage_drops: bool,
    backoff: Duration,
}

impl SenderState {
    fn failed(&mut self, e: &MongoError, queued: usize) {
        if !self.unreachable {
            eprintln!(
                "{}: MongoDB unreachable ({}); buffering up to the configured capacity ({} queued), retrying",
                self.label,
                redact_text(&e.to_string()),
                queued
            );
        }
        self.unreachable = true;
        self.status.store(true, Ordering::Relaxed);
        self.outage_drops = true;
    }

    fn succeeded(&mut self) {
        if self.unreachable {
            eprintln!("{}: MongoDB reachable again", self.label);
        }
        self.unreachable = false;
        self.status.store(false, Ordering::Relaxed);
        self.backoff = BACKOFF_START;
    }

    fn next_backoff(&mut self) -> Duration {
        let b = self.backoff;
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
        b
    }
}

async fn run(queue: Arc<BoundedQueue<Document>>, target: SinkTarget, status: Arc<AtomicBool>) {
    let _finish = FinishGuard(queue.clone());
    let mut state = SenderState {
        label: format!("mongo log sink ({})", target.collection.name()),
        status,
        unreachable: false,
        outage_drops: false,
        backoff: BACKOFF_START,
    };
    let mut index_pending = target.ttl;

    loop {
        if queue.deadline().is_some() && (queue.is_empty() || queue.past_deadline()) {
            break;
        }
        if queue.deadline().is_none() {
            tokio::select! {
                _ = queue.wake.notified() => {}
                _ = tokio::time::sleep(FLUSH_INTERVAL) => {}
            }
        }

        let reachable = ensure_index(&mut index_pending, &target.collection, &queue, &mut state)
            .await
            && write_queued(&queue, &target, &mut state).await;

        if !reachable {
            if queue.past_deadline() {
                break;
            }
            let wait = queue.sleep_budget(state.next_backoff());
            tokio::time::sleep(wait).await;
        }
    }
    report_unwritten(&queue, &state.label);
}

/// Creates the TTL index if it is still pending. Returns false when MongoDB could not be
/// reached (the index stays pending); a server that refuses the index still gets the logs.
async fn ensure_index(
    pending: &mut Option<Duration>,
    coll: &Collection<Document>,
    queue: &BoundedQueue<Document>,
    state: &mut SenderState,
) -> bool {
    let Some(ttl) = *pending else {
        return true;
    };
    match ensure_ttl_index(coll, ttl).await {
        Ok(()) => *pending = None,
        Err(e) if is_unreachable(&e) => {
            state.failed(&e, queue.len());
            return false;
        }
        Err(e) => {
            eprintln!(
                "{}: could not create the TTL index on `timestamp`: {}",
                state.label,
                redact_text(&e.to_string())
            );
            *pending = None;
        }
    }
    true
}

/// Writes batches until the queue is empty. Returns false when MongoDB could not be
/// reached; the batch in hand is then back in the queue.
async fn write_queued(
    queue: &BoundedQueue<Document>,
    target: &SinkTarget,
    state: &mut SenderState,
) -> bool {
    loop {
        let batch = queue.pop_batch(BATCH_SIZE);
        if batch.is_empty() {
            return true;
        }
        match target.collection.insert_many(&batch).ordered(false).await {
            Ok(_) => {
                state.succeeded();
                report_drops(queue, target, state).await;
            }
            Err(e) if is_unreachable(&e) => {
                queue.requeue_front(batch);
                state.failed(&e, queue.len());
                return false;
            }
            Err(e) => {
                // The server is up but refused (some of) the documents; retrying the
                // same batch would fail forever.
                let lost = match &*e.kind {
                    ErrorKind::InsertMany(ime) => {
                        ime.write_errors.as_ref().map_or(batch.len(), |w| w.len())
                    }
                    _ => batch.len(),
                };
                queue.add_dropped(lost as u64);
                eprintln!(
                    "{}: MongoDB rejected {lost} documents: {}",
                    state.label,
                    redact_text(&e.to_string())
                );
                state.succeeded();
            }
        }
    }
}

/// What is left at shutdown goes to stderr: there is nowhere else to say it.
fn report_unwritten(queue: &BoundedQueue<Document>, label: &str) {
    let left = queue.len();
    if left > 0 {
        eprintln!("{label}: shutting down with {left} lines not written (MongoDB unreachable)");
    }
    let dropped = queue.dropped();
    if dropped > 0 {
        eprintln!("{label}: {dropped} lines were dropped and not reported");
    }
}

async fn report_drops(
    queue: &BoundedQueue<Document>,
    target: &SinkTarget,
    state: &mut SenderState,
) {
    let n = queue.take_dropped();
    if n == 0 {
        return;
    }
    let during_outage = std::mem::take(&mut state.outage_drops);
    eprintln!("{}: {}", state.label, drop_message(n, during_outage));
    if let Some(report) = &target.report
        && target
            .collection
            .insert_one(report(n, during_outage))
            .await
            .is_err()
    {
        // Not lost: it is reported with the next successful batch.
        queue.add_dropped(n);
        state.outage_drops |= during_outage;
    }
}

pub(crate) fn drop_message(n: u64, during_outage: bool) -> String {
    if during_outage {
        format!("mongo log sink: {n} lines dropped while MongoDB was unreachable")
    } else {
        format!("mongo log sink: {n} lines dropped (log buffer full)")
    }
}

async fn ensure_ttl_index(coll: &Collection<Document>, ttl: Duration) -> Result<(), MongoError> {
    let model = IndexModel::builder()
        .keys(doc! { "timestamp": 1 })
        .options(
            IndexOptions::builder()
                .name("timestamp_ttl".to_owned())
                .expire_after(ttl)
                .build(),
        )
        .build();
    match coll.create_index(model).await {
        Ok(_) => Ok(()),
        // IndexOptionsConflict / IndexKeySpecsConflict: the TTL changed in the config.
        Err(e) if matches!(&*e.kind, ErrorKind::Command(c) if c.code == 85 || c.code == 86) => coll
            .client()
            .database(&coll.namespace().db)
            .run_command(doc! {
                "collMod": coll.name(),
                "index": {
                    "keyPattern": { "timestamp": 1 },
                    "expireAfterSeconds": i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX),
                },
            })
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    }
}

/// Turns each event into an `application-logs` document.
pub(crate) struct MongoLayer {
    pub sink: DocumentSink,
    pub service: String,
}

impl<S> Layer<S> for MongoLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if super::is_own_target(event.metadata().target()) {
            return;
        }
        let rec = EventRecord::capture_in(event, &ctx);
        self.sink.push(event_document(&rec, &self.service));
    }
}

pub(crate) fn event_document(rec: &EventRecord, service: &str) -> Document {
    let mut d = doc! {
        "timestamp": bson::DateTime::from_millis(rec.time.timestamp_millis()),
        "level": rec.level.as_str(),
        "service": service,
        "target": &rec.target,
        "message": &rec.message,
    };
    for key in ["subreddit", "conversation_id"] {
        if let Some(v) = rec.lookup(key) {
            d.insert(key, json_to_bson(v));
        }
    }
    if !rec.fields.is_empty() {
        d.insert("fields", map_to_document(&rec.fields));
    }
    if !rec.span_fields.is_empty() {
        d.insert("span", map_to_document(&rec.span_fields));
    }
    if !rec.spans.is_empty() {
        d.insert(
            "spans",
            rec.spans.iter().map(|s| Bson::from(*s)).collect::<Vec<_>>(),
        );
    }
    d
}

pub(crate) fn report_document(service: &str, n: u64, during_outage: bool) -> Document {
    doc! {
        "timestamp": bson::DateTime::now(),
        "level": "WARN",
        "service": service,
        "target": "appealmod_shared::logging",
        "message": drop_message(n, during_outage),
        "fields": { "dropped": i64::try_from(n).unwrap_or(i64::MAX) },
    }
}

fn map_to_document(m: &Map<String, Value>) -> Document {
    m.iter()
        .map(|(k, v)| (k.clone(), json_to_bson(v)))
        .collect()
}

/// Plain conversion: field values are data, not MongoDB extended JSON.
fn json_to_bson(v: &Value) -> Bson {
    match v {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Bson::Int64(i)
            } else if let Some(f) = n.as_f64() {
                Bson::Double(f)
            } else {
                Bson::String(n.to_string())
            }
        }
        Value::String(s) => Bson::String(s.clone()),
        Value::Array(a) => Bson::Array(a.iter().map(json_to_bson).collect()),
        Value::Object(o) => Bson::Document(map_to_document(o)),
    }
}
