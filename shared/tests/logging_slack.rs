//! Slack webhooks against a local HTTP receiver that records every POST.
// Tests fail by panicking; that is what unwrap is for here.
#![allow(clippy::unwrap_used)]

mod logging_support;

use std::time::{Duration, Instant};

use appealmod_shared::config::{DiscordConfig, LoggingConfig, MongoConfig, Secret, SlackConfig};
use appealmod_shared::logging::{Console, WEBHOOK_MAX_ATTEMPTS, build};
use logging_support::receiver::{Receiver, Reply, emit_routing_events};
use tracing::{error, info};

/// The receiver's path for a Slack channel's hook.
fn path(channel: &str) -> String {
    format!("/hooks/{channel}")
}

fn hook(r: &Receiver, channel: &str) -> Option<Secret> {
    r.hook(&path(channel))
}

fn texts(r: &Receiver, channel: &str) -> Vec<String> {
    r.posted(&path(channel), "text")
}

fn logging_config() -> LoggingConfig {
    LoggingConfig {
        level: "info".to_owned(),
        file_dir: None,
        ..LoggingConfig::default()
    }
}

fn all_hooks(r: &Receiver) -> SlackConfig {
    r.hooks(path)
}

#[tokio::test]
async fn events_are_routed_linked_and_redacted() {
    let r = Receiver::start().await;
    let (dispatch, guard) = build(
        &logging_config(),
        &MongoConfig::default(),
        &all_hooks(&r),
        &DiscordConfig::default(),
        "bot",
        Console::Off,
    )
    .unwrap();
    tracing::dispatcher::with_default(&dispatch, emit_routing_events);
    assert!(guard.shutdown().await, "every channel drained in time");

    let texts = |c: &str| texts(&r, c);
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
    for h in r.hits.lock().unwrap().iter() {
        let t = h.str("text");
        assert!(!t.contains("hunter2") && !t.contains("carol@"));
        assert!(!t.contains("HTTP stack"));
    }
}

#[tokio::test]
async fn rate_limited_message_is_delivered_once_after_retry_after() {
    let r = Receiver::start().await;
    r.queue(
        "/hooks/logging",
        [Reply {
            retry_after: Some("1"),
            ..Reply::status(429)
        }],
    );
    let slack = SlackConfig {
        logging: hook(&r, "logging"),
        ..SlackConfig::default()
    };
    let (dispatch, guard) = build(
        &logging_config(),
        &MongoConfig::default(),
        &slack,
        &DiscordConfig::default(),
        "bot",
        Console::Off,
    )
    .unwrap();
    tracing::dispatcher::with_default(&dispatch, || info!("deliver me once"));
    assert!(guard.shutdown_within(Duration::from_secs(10)).await);

    let hits = r.hits("/hooks/logging");
    assert_eq!(hits.len(), 2, "one 429, one 200: {hits:#?}");
    assert_eq!(hits[0].body, hits[1].body);
    let waited = hits[1].at - hits[0].at;
    assert!(
        waited >= Duration::from_millis(900),
        "Retry-After honoured: {waited:?}"
    );
}

#[tokio::test]
async fn failing_hook_gives_up_after_bounded_attempts() {
    let r = Receiver::start().await;
    r.always("/hooks/errors", 500);
    let slack = SlackConfig {
        errors: hook(&r, "errors"),
        logging: hook(&r, "logging"),
        ..SlackConfig::default()
    };
    let (dispatch, guard) = build(
        &logging_config(),
        &MongoConfig::default(),
        &slack,
        &DiscordConfig::default(),
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
    assert_eq!(texts(&r, "errors").len(), WEBHOOK_MAX_ATTEMPTS as usize);
    assert_eq!(texts(&r, "logging").len(), 1, "other channels unaffected");
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
        &DiscordConfig::default(),
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
