//! Discord webhooks against a local HTTP receiver (loopback only) that records every POST:
//! the same routing, retries and redaction as Slack, in Discord's payload.
// Tests fail by panicking; that is what unwrap is for here.
#![allow(clippy::unwrap_used)]

mod logging_support;

use std::time::{Duration, Instant};

use appealmod_shared::config::{
    Config, DiscordConfig, LoggingConfig, MongoConfig, Secret, SlackConfig,
};
use appealmod_shared::logging::{
    Console, DISCORD_MAX_CONTENT_LEN, LogGuard, WEBHOOK_MAX_ATTEMPTS, build,
};
use logging_support::receiver::{Hit, Receiver, Reply, emit_routing_events};
use tracing::{Dispatch, error, info};

/// The receiver's path for a Discord channel's hook.
fn path(channel: &str) -> String {
    format!("/api/webhooks/{channel}/t0k3n")
}

fn hook(r: &Receiver, channel: &str) -> Option<Secret> {
    r.hook(&path(channel))
}

fn contents(r: &Receiver, channel: &str) -> Vec<String> {
    r.posted(&path(channel), "content")
}

fn all_hooks(r: &Receiver) -> DiscordConfig {
    r.hooks(path)
}

fn start(slack: &SlackConfig, discord: &DiscordConfig) -> (Dispatch, LogGuard) {
    let config = LoggingConfig {
        level: "info".to_owned(),
        file_dir: None,
        ..LoggingConfig::default()
    };
    build(
        &config,
        &MongoConfig::default(),
        slack,
        discord,
        "bot",
        Console::Off,
    )
    .unwrap()
}

/// Prints a payload as the receiver saw it (`--nocapture`).
fn show(channel: &str, h: &Hit) {
    println!(
        "{channel} payload as received: POST {}?{} {}",
        h.path, h.query, h.raw
    );
}

/// Exactly what Discord's execute-webhook endpoint expects: `content`, and mentions
/// that notify nobody; posted with `?wait=true`.
fn assert_discord_shape(h: &Hit) {
    assert_eq!(h.query, "wait=true", "{h:#?}");
    let mut keys: Vec<&String> = h.body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["allowed_mentions", "content"], "{h:#?}");
    assert_eq!(
        h.body["allowed_mentions"],
        serde_json::json!({ "parse": [] })
    );
    let content = h.str("content");
    assert!(!content.is_empty());
    assert!(content.encode_utf16().count() <= DISCORD_MAX_CONTENT_LEN);
}

#[tokio::test]
async fn events_are_routed_shaped_for_discord_and_redacted() {
    let r = Receiver::start().await;
    let (dispatch, guard) = start(&SlackConfig::default(), &all_hooks(&r));
    tracing::dispatcher::with_default(&dispatch, || {
        emit_routing_events();
        info!(
            slack = "main",
            subreddit = "r/AskHistorians",
            user_name = "x_y",
            "sign-up from @everyone <@123> with *stars* and [a](https://evil.example)"
        );
        error!(
            slack = "alerts",
            "posting to https://discord.com/api/webhooks/42/s3cr3tT0ken failed"
        );
    });
    assert!(guard.shutdown().await, "every channel drained in time");

    for h in r.hits.lock().unwrap().iter() {
        assert_discord_shape(h);
    }
    let links = "[r/pics](<https://www.reddit.com/r/pics>) [modmail 2g8x1k](<https://mod.reddit.com/mail/all/2g8x1k>) ";
    show("steps", &r.hits(&path("steps"))[0]);
    assert_eq!(
        contents(&r, "steps"),
        vec![format!("{links}**INFO** [bot] sent the initial message")]
    );
    let alerts = contents(&r, "alerts");
    assert_eq!(alerts.len(), 2, "{alerts:#?}");
    assert_eq!(
        alerts[0],
        format!("{links}**WARN** [bot] appeal form submitted twice")
    );
    assert_eq!(
        alerts[1],
        "**ERROR** [bot] posting to https://discord.com/api/webhooks/[redacted] failed"
    );
    let errors = contents(&r, "errors");
    println!("errors payload content: {}", errors[0]);
    assert_eq!(
        errors[0],
        format!(
            "{links}**ERROR** [bot] reply failed for [redacted email]: https://appeals.example/appeal/[redacted] token=[redacted] password=[redacted]"
        )
    );
    assert_eq!(errors.len(), 2, "the second error too: {errors:#?}");
    show("main", &r.hits(&path("main"))[1]);
    let ask = "[r/AskHistorians](<https://www.reddit.com/r/AskHistorians>) **INFO** [bot]";
    assert_eq!(
        contents(&r, "main"),
        vec![
            format!("{ask} new sign-up"),
            format!(
                "{ask} sign-up from @everyone \\<@123\\> with \\*stars\\* and [a]\\(https://evil.example) user\\_name=x\\_y"
            )
        ]
    );
    let logging = contents(&r, "logging");
    assert_eq!(logging.len(), 6, "everything at the level: {logging:#?}");
    assert_eq!(logging[0], contents(&r, "steps")[0]);
    assert_eq!(logging[2], errors[0]);
    for h in r.hits.lock().unwrap().iter() {
        let c = h.str("content");
        for secret in [
            "hunter2",
            "carol@",
            "Zm9ybS10b2tlbg",
            "abc123",
            "s3cr3tT0ken",
        ] {
            assert!(!c.contains(secret), "{secret} leaked: {c}");
        }
        assert!(!c.contains("HTTP stack") && !c.contains("below the level"));
    }
}

#[tokio::test]
async fn long_messages_are_cut_to_discords_limit() {
    let r = Receiver::start().await;
    let discord = DiscordConfig {
        logging: hook(&r, "logging"),
        ..DiscordConfig::default()
    };
    let (dispatch, guard) = start(&SlackConfig::default(), &discord);
    // Each "é😀" is 3 UTF-16 units (the emoji takes two), as Discord counts.
    let long = "é😀".repeat(1500);
    tracing::dispatcher::with_default(&dispatch, || {
        info!(subreddit = "pics", "{long}");
        info!(
            "{}",
            "x".repeat(DISCORD_MAX_CONTENT_LEN - "**INFO** [bot] ".len())
        );
    });
    assert!(guard.shutdown().await);

    let hits = r.hits(&path("logging"));
    assert_eq!(hits.len(), 2);
    for h in &hits {
        assert_discord_shape(h);
    }
    let cut = hits[0].str("content");
    let units = cut.encode_utf16().count();
    assert!(
        (DISCORD_MAX_CONTENT_LEN - 2..=DISCORD_MAX_CONTENT_LEN).contains(&units),
        "{units} units"
    );
    assert!(cut.starts_with("[r/pics](<https://www.reddit.com/r/pics>) **INFO** [bot] é😀"));
    assert!(cut.ends_with('…'), "the cut shows");
    let exact = hits[1].str("content");
    assert_eq!(exact.encode_utf16().count(), DISCORD_MAX_CONTENT_LEN);
    assert!(!exact.ends_with('…'), "exactly the limit is not cut");
}

#[tokio::test]
async fn rate_limited_messages_wait_for_discords_retry_after() {
    let r = Receiver::start().await;
    // Discord's 429: `retry_after` in seconds in the JSON body, and rounded up in the
    // header; the body's precise value is the one to wait.
    r.queue(
        &path("logging"),
        [Reply {
            retry_after: Some("5"),
            json: Some(r#"{"message": "You are being rate limited.", "retry_after": 0.3, "global": false}"#),
            ..Reply::status(429)
        }],
    );
    // Only the body says how long: longer than the 1 s used when nothing says.
    r.queue(
        &path("errors"),
        [Reply {
            json: Some(
                r#"{"message": "You are being rate limited.", "retry_after": 2.0, "global": true}"#,
            ),
            ..Reply::status(429)
        }],
    );
    let discord = DiscordConfig {
        errors: hook(&r, "errors"),
        logging: hook(&r, "logging"),
        ..DiscordConfig::default()
    };
    let (dispatch, guard) = start(&SlackConfig::default(), &discord);
    tracing::dispatcher::with_default(&dispatch, || error!("deliver me once"));
    assert!(guard.shutdown_within(Duration::from_secs(10)).await);

    for (channel, at_least, below) in [("logging", 250, 3000), ("errors", 1900, 5000)] {
        let hits = r.hits(&path(channel));
        assert_eq!(hits.len(), 2, "{channel}: one 429, one 200: {hits:#?}");
        assert_eq!(hits[0].body, hits[1].body, "the same message again");
        let waited = hits[1].at - hits[0].at;
        assert!(
            waited >= Duration::from_millis(at_least) && waited < Duration::from_millis(below),
            "{channel}: retry_after honoured: {waited:?}"
        );
    }
}

#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let r = Receiver::start().await;
    r.queue(&path("main"), [Reply::status(503), Reply::status(502)]);
    r.always(&path("errors"), 500);
    let discord = DiscordConfig {
        main: hook(&r, "main"),
        errors: hook(&r, "errors"),
        logging: hook(&r, "logging"),
        ..DiscordConfig::default()
    };
    let (dispatch, guard) = start(&SlackConfig::default(), &discord);
    let t = Instant::now();
    tracing::dispatcher::with_default(&dispatch, || {
        info!(slack = "main", "runner started");
        error!("boom");
    });
    assert!(
        t.elapsed() < Duration::from_millis(100),
        "logging never waits on Discord"
    );
    assert!(guard.shutdown_within(Duration::from_secs(10)).await);
    assert!(t.elapsed() < Duration::from_secs(8), "no hang");

    let main = r.hits(&path("main"));
    assert_eq!(main.len(), 3, "503, 502, then delivered: {main:#?}");
    assert!(main.iter().all(|h| h.body == main[0].body));
    assert_eq!(
        r.hits(&path("errors")).len(),
        WEBHOOK_MAX_ATTEMPTS as usize,
        "given up after the bounded attempts"
    );
    assert_eq!(
        contents(&r, "logging").len(),
        2,
        "other channels unaffected"
    );
}

#[tokio::test]
async fn slack_and_discord_get_the_same_event_each_in_its_own_format() {
    let r = Receiver::start().await;
    // A revoked Discord hook (404 is not retried) does not hold Slack up.
    r.always(&path("main"), 404);
    let slack = SlackConfig {
        main: r.hook("/hooks/main"),
        ..SlackConfig::default()
    };
    let discord = DiscordConfig {
        main: hook(&r, "main"),
        logging: hook(&r, "logging"),
        ..DiscordConfig::default()
    };
    let (dispatch, guard) = start(&slack, &discord);
    tracing::dispatcher::with_default(&dispatch, || {
        info!(slack = "main", subreddit = "pics", "a <new> sign-up & more");
    });
    assert!(guard.shutdown().await);

    let slack_hits = r.hits("/hooks/main");
    assert_eq!(slack_hits.len(), 1);
    assert_eq!(
        slack_hits[0].body,
        serde_json::json!({
            "text": "<https://www.reddit.com/r/pics|r/pics> *INFO* [bot] a &lt;new&gt; sign-up &amp; more"
        })
    );
    assert_eq!(
        slack_hits[0].query, "",
        "Slack's URL is posted to as configured"
    );
    assert_eq!(r.hits(&path("main")).len(), 1, "a 404 is not retried");
    let logging = r.hits(&path("logging"));
    assert_eq!(logging.len(), 1);
    assert_discord_shape(&logging[0]);
    assert_eq!(
        logging[0].str("content"),
        "[r/pics](<https://www.reddit.com/r/pics>) **INFO** [bot] a \\<new\\> sign-up & more"
    );
}

fn parse(yaml: &str) -> Result<Config, Vec<String>> {
    Config::from_yaml_and_env(yaml, "test.yaml", Vec::new()).map_err(|e| e.lines())
}

#[test]
fn config_takes_discord_hooks_and_refuses_obviously_wrong_ones() {
    let ok = parse(
        "discord:\n  \
           main: https://discord.com/api/webhooks/123456789/AbC-dEf_0\n  \
           steps: https://ptb.discord.com/api/v10/webhooks/1/t\n  \
           alerts: http://127.0.0.1:9/relay\n  \
           errors: ''\n  \
           logging: ~\n\
         slack:\n  \
           main: https://discord.com/api/webhooks/1/t/slack\n",
    )
    .unwrap();
    assert!(ok.discord.main.is_some() && ok.discord.logging.is_none());
    assert!(format!("{ok:?}").contains("[redacted]"));

    let lines = parse(
        "discord:\n  \
           main: https://hooks.slack.com/services/T1/B1/xyzSECRET\n  \
           steps: https://discord.com/api/webhooks/1/tokSECRET/slack\n  \
           alerts: ftp://discord.com/api/webhooks/1/tokSECRET\n  \
           errors: https://discord.com/channels/1/2\n  \
           logging: http://discord.com/api/webhooks/1/tokSECRET\n\
         slack:\n  \
           errors: https://discord.com/api/webhooks/1/tokSECRET\n",
    )
    .unwrap_err();
    println!("{}", lines.join("\n"));
    let keyed = |key: &str| {
        lines
            .iter()
            .find(|l| l.contains(&format!("`{key}`")))
            .unwrap_or_else(|| panic!("{key} refused: {lines:#?}"))
            .clone()
    };
    assert!(keyed("discord.main").contains("Slack webhook URL"));
    assert!(keyed("discord.steps").contains("drop /slack"));
    assert!(keyed("discord.alerts").contains("http(s) URL"));
    assert!(keyed("discord.errors").contains("not a Discord webhook URL"));
    assert!(keyed("discord.logging").contains("https://"));
    assert!(keyed("slack.errors").contains("`discord` section"));
    assert_eq!(lines.len(), 6, "{lines:#?}");
    assert!(
        lines.iter().all(|l| !l.contains("SECRET")),
        "a hook URL is a secret: {lines:#?}"
    );

    let env = Config::from_yaml_and_env(
        "",
        "test.yaml",
        vec![(
            "APPEALMOD__DISCORD__ERRORS".to_owned(),
            "http://127.0.0.1:9/hook".to_owned(),
        )],
    )
    .unwrap();
    assert_eq!(
        env.discord.errors.as_ref().map(Secret::expose),
        Some("http://127.0.0.1:9/hook")
    );
}
