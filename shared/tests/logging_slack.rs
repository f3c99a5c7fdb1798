//! Slack webhooks against a local HTTP receiver that records every POST.
// Tests fail by panicking; that is what unwrap is for here.
#![allow(clippy::unwrap_used)]

mod logging_support;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use appealmod_shared::config::{LoggingConfig, MongoConfig, Secret, SlackConfig};
use appealmod_shared::logging::{Console, SLACK_MAX_ATTEMPTS, build};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tracing::{error, info, info_span, warn};

#[derive(Debug, Clone)]
struct Hit {
    path: String,
    text: String,
    at: Instant,
}

/// Per path, the statuses to answer in turn (then 200); `always` overrides.
#[derive(Default)]
struct Script {
    queued: HashMap<String, VecDeque<(u16, Option<&'static str>)>>,
    always: HashMap<String, u16>,
}

#[derive(Clone)]
struct Receiver {
    base: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    script: Arc<Mutex<Script>>,
}

impl Receiver {
    async fn start() -> Self {
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

    /// Minimal HTTP/1.1 with keep-alive: enough for reqwest's POSTs.
    async fn serve(&self, stream: tokio::net::TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut read = BufReader::new(read);
        loop {
            let mut request_line = String::new();
            if read.read_line(&mut request_line).await.unwrap_or(0) == 0 {
                return;
            }
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .to_owned();
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
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let text = json["text"].as_str().unwrap().to_owned();
            self.hits.lock().unwrap().push(Hit {
                path: path.clone(),
                text,
                at: Instant::now(),
            });
            let (status, retry_after) = {
                let mut s = self.script.lock().unwrap();
                match s.always.get(&path) {
                    Some(&st) => (st, None),
                    None => s
                        .queued
                        .get_mut(&path)
                        .and_then(|q| q.pop_front())
                        .unwrap_or((200, None)),
                }
            };
            let extra = retry_after
                .map(|r| format!("retry-after: {r}\r\n"))
                .unwrap_or_default();
            let resp = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n{extra}\r\nok"
            );
            if write.write_all(resp.as_bytes()).await.is_err() {
                return;
            }
        }
    }

    fn hook(&self, channel: &str) -> Option<Secret> {
        Some(Secret::new(format!("{}/hooks/{channel}", self.base)))
    }

    fn hits(&self, channel: &str) -> Vec<Hit> {
        let path = format!("/hooks/{channel}");
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.path == path)
            .cloned()
            .collect()
    }
}

fn logging_config() -> LoggingConfig {
    LoggingConfig {
        level: "info".to_owned(),
        file_dir: None,
        ..LoggingConfig::default()
    }
}

fn all_hooks(r: &Receiver) -> SlackConfig {
    SlackConfig {
        main: r.hook("main"),
        steps: r.hook("steps"),
        alerts: r.hook("alerts"),
        errors: r.hook("errors"),
        logging: r.hook("logging"),
    }
}

#[tokio::test]
async fn events_are_routed_linked_and_redacted() {
    let r = Receiver::start().await;
    let (dispatch, guard) = build(
        &logging_config(),
        &MongoConfig::default(),
        &all_hooks(&r),
        "bot",
        Console::Off,
    )
    .unwrap();
    {
        let _d = tracing::dispatcher::set_default(&dispatch);
        let span = info_span!(
            "conversation",
            subreddit = "pics",
            conversation_id = "2g8x1k"
        );
        let _e = span.enter();
        info!(slack = "steps", "sent the initial message");
        warn!("appeal form submitted twice");
        error!(
            password = "hunter2",
            "reply failed for carol@example.com: https://appeals.example/appeal/Zm9ybS10b2tlbg token=abc123"
        );
        drop(_e);
        info!(slack = "main", subreddit = "r/AskHistorians", "new sign-up");
        info!(target: "reqwest::connect", "the sender's own HTTP stack is never posted");
        tracing::debug!(slack = "main", "below the level: nowhere");
    }
    assert!(guard.shutdown().await, "every channel drained in time");

    let texts = |c: &str| r.hits(c).into_iter().map(|h| h.text).collect::<Vec<_>>();
    let links = "<https://www.reddit.com/r/pics|r/pics> <https://mod.reddit.com/mail/all/2g8x1k|modmail 2g8x1k> ";
    let steps = texts("steps");
    println!("steps payload text: {}", steps[0]);
    assert_eq!(
        steps,
        vec![format!("{links}*INFO* [bot] sent the initial message")]
    );
    assert_eq!(
        texts("alerts"),
        vec![format!("{links}*WARN* [bot] appeal form submitted twice")]
    );
    let errors = texts("errors");
    println!("errors payload text: {}", errors[0]);
    assert_eq!(
        errors,
        vec![format!(
            "{links}*ERROR* [bot] reply failed for [redacted email]: https://appeals.example/appeal/[redacted] token=[redacted] password=[redacted]"
        )]
    );
    assert_eq!(
        texts("main"),
        vec![
            "<https://www.reddit.com/r/AskHistorians|r/AskHistorians> *INFO* [bot] new sign-up"
                .to_owned()
        ]
    );
    let logging = texts("logging");
    assert_eq!(logging.len(), 4, "everything at the level: {logging:#?}");
    assert_eq!(logging[0], steps[0]);
    assert_eq!(logging[2], errors[0]);
    for t in r.hits.lock().unwrap().iter() {
        assert!(!t.text.contains("hunter2") && !t.text.contains("carol@"));
        assert!(!t.text.contains("HTTP stack"));
    }
}

#[tokio::test]
async fn rate_limited_message_is_delivered_once_after_retry_after() {
    let r = Receiver::start().await;
    r.script
        .lock()
        .unwrap()
        .queued
        .insert("/hooks/logging".to_owned(), [(429, Some("1"))].into());
    let slack = SlackConfig {
        logging: r.hook("logging"),
        ..SlackConfig::default()
    };
    let (dispatch, guard) = build(
        &logging_config(),
        &MongoConfig::default(),
        &slack,
        "bot",
        Console::Off,
    )
    .unwrap();
    tracing::dispatcher::with_default(&dispatch, || info!("deliver me once"));
    assert!(guard.shutdown_within(Duration::from_secs(10)).await);

    let hits = r.hits("logging");
    assert_eq!(hits.len(), 2, "one 429, one 200: {hits:#?}");
    assert_eq!(hits[0].text, hits[1].text);
    let waited = hits[1].at - hits[0].at;
    assert!(
        waited >= Duration::from_millis(900),
        "Retry-After honoured: {waited:?}"
    );
}

#[tokio::test]
async fn failing_hook_gives_up_after_bounded_attempts() {
    let r = Receiver::start().await;
    r.script
        .lock()
        .unwrap()
        .always
        .insert("/hooks/errors".to_owned(), 500);
    let slack = SlackConfig {
        errors: r.hook("errors"),
        logging: r.hook("logging"),
        ..SlackConfig::default()
    };
    let (dispatch, guard) = build(
        &logging_config(),
        &MongoConfig::default(),
        &slack,
        "bot",
        Console::Off,
    )
    .unwrap();
    let t = Instant::now();
    tracing::dispatcher::with_default(&dispatch, || error!("boom"));
    assert!(
        t.elapsed() < Duration::from_millis(100),
        "logging never waits on Slack"
    );
    assert!(guard.shutdown_within(Duration::from_secs(10)).await);
    let took = t.elapsed();
    assert!(took < Duration::from_secs(8), "no hang: {took:?}");
    assert_eq!(r.hits("errors").len(), SLACK_MAX_ATTEMPTS as usize);
    assert_eq!(r.hits("logging").len(), 1, "other channels unaffected");
}

#[tokio::test]
async fn dropping_the_guard_is_bounded_even_when_slack_is_down() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let slack = SlackConfig {
        logging: Some(Secret::new(format!("http://127.0.0.1:{port}/hook"))),
        ..SlackConfig::default()
    };
    let (dispatch, guard) = build(
        &logging_config(),
        &MongoConfig::default(),
        &slack,
        "bot",
        Console::Off,
    )
    .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        for i in 0..5000 {
            info!("line {i}");
        }
    });
    let t = Instant::now();
    drop(guard);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}
