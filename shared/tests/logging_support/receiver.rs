//! A local webhook receiver (loopback only) that records every POST and answers as
//! scripted: enough HTTP/1.1 with keep-alive for reqwest, and nothing else.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use appealmod_shared::config::{Secret, WebhookConfig};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tracing::{error, info, info_span, warn};

/// The events every chat-webhook test routes, under the current dispatcher: in a
/// conversation span, a `steps` info, a warning and an error full of secrets; outside it,
/// a `main` sign-up naming its own subreddit, a line of the HTTP stack (never posted) and
/// a debug line (below the level).
pub fn emit_routing_events() {
    let span = info_span!(
        "conversation",
        subreddit = "pics",
        conversation_id = "2g8x1k"
    );
    let entered = span.enter();
    info!(slack = "steps", "sent the initial message");
    warn!("appeal form submitted twice");
    error!(
        password = "hunter2",
        "reply failed for carol@example.com: https://appeals.example/appeal/Zm9ybS10b2tlbg token=abc123"
    );
    drop(entered);
    info!(slack = "main", subreddit = "r/AskHistorians", "new sign-up");
    info!(target: "reqwest::connect", "the sender's own HTTP stack is never posted");
    tracing::debug!(slack = "main", "below the level: nowhere");
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub path: String,
    /// The query string, without `?` (empty when there is none).
    pub query: String,
    pub body: serde_json::Value,
    /// The body exactly as it came over the wire.
    pub raw: String,
    pub at: Instant,
}

impl Hit {
    /// A string member of the JSON body (`text` for Slack, `content` for Discord).
    pub fn str(&self, key: &str) -> String {
        self.body[key].as_str().unwrap().to_owned()
    }
}

/// One scripted answer.
#[derive(Debug, Clone, Copy)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<&'static str>,
    /// A JSON body (Discord's 429 carries `retry_after` here).
    pub json: Option<&'static str>,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            retry_after: None,
            json: None,
        }
    }
}

/// Per path, the answers to give in turn (then 200); `always` overrides.
#[derive(Default)]
struct Script {
    queued: HashMap<String, VecDeque<Reply>>,
    always: HashMap<String, u16>,
}

#[derive(Clone)]
pub struct Receiver {
    base: String,
    pub hits: Arc<Mutex<Vec<Hit>>>,
    script: Arc<Mutex<Script>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let r = Receiver {
            base,
            hits: Arc::default(),
            script: Arc::default(),
        };
        let rr = r.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let rr = rr.clone();
                tokio::spawn(async move { rr.serve(stream).await });
            }
        });
        r
    }

    /// Answers `path` with these, in turn, before answering 200 again.
    pub fn queue(&self, path: &str, replies: impl IntoIterator<Item = Reply>) {
        self.script
            .lock()
            .unwrap()
            .queued
            .entry(path.to_owned())
            .or_default()
            .extend(replies);
    }

    /// Answers `path` with `status`, always.
    pub fn always(&self, path: &str, status: u16) {
        self.script
            .lock()
            .unwrap()
            .always
            .insert(path.to_owned(), status);
    }

    async fn serve(&self, stream: tokio::net::TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut read = BufReader::new(read);
        loop {
            let mut request_line = String::new();
            if read.read_line(&mut request_line).await.unwrap_or(0) == 0 {
                return;
            }
            let target = request_line.split_whitespace().nth(1).unwrap_or("");
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            let (path, query) = (path.to_owned(), query.to_owned());
            let mut len = 0usize;
            loop {
                let mut h = String::new();
                if read.read_line(&mut h).await.unwrap_or(0) == 0 {
                    return;
                }
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':')
                    && k.eq_ignore_ascii_case("content-length")
                {
                    len = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            read.read_exact(&mut body).await.unwrap();
            self.hits.lock().unwrap().push(Hit {
                path: path.clone(),
                query,
                body: serde_json::from_slice(&body).unwrap(),
                raw: String::from_utf8(body).unwrap(),
                at: Instant::now(),
            });
            let reply = self.reply(&path);
            if write.write_all(response(reply).as_bytes()).await.is_err() {
                return;
            }
        }
    }

    fn reply(&self, path: &str) -> Reply {
        let mut s = self.script.lock().unwrap();
        match s.always.get(path) {
            Some(&st) => Reply::status(st),
            None => s
                .queued
                .get_mut(path)
                .and_then(|q| q.pop_front())
                .unwrap_or(Reply::status(200)),
        }
    }

    /// The URL of `path` on this receiver, as a configured hook.
    pub fn hook(&self, path: &str) -> Option<Secret> {
        Some(Secret::new(format!("{}{path}", self.base)))
    }

    /// A hook for every channel, at `path(channel)`.
    pub fn hooks(&self, path: fn(&str) -> String) -> WebhookConfig {
        WebhookConfig {
            main: self.hook(&path("main")),
            steps: self.hook(&path("steps")),
            alerts: self.hook(&path("alerts")),
            errors: self.hook(&path("errors")),
            logging: self.hook(&path("logging")),
        }
    }

    /// The string `key` of every body posted to `path`, in order.
    pub fn posted(&self, path: &str, key: &str) -> Vec<String> {
        self.hits(path).iter().map(|h| h.str(key)).collect()
    }

    pub fn hits(&self, path: &str) -> Vec<Hit> {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.path == path)
            .cloned()
            .collect()
    }
}

fn response(reply: Reply) -> String {
    let (kind, body) = match reply.json {
        Some(j) => ("application/json", j),
        None => ("text/plain", "ok"),
    };
    let extra = reply
        .retry_after
        .map(|r| format!("retry-after: {r}\r\n"))
        .unwrap_or_default();
    format!(
        "HTTP/1.1 {} X\r\ncontent-type: {kind}\r\ncontent-length: {}\r\n{extra}\r\n{body}",
        reply.status,
        body.len()
    )
}
