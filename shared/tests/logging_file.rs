//! Console and file sinks: rotation directory, formats, redaction.
// Tests fail by panicking; that is what unwrap is for here.
#![allow(clippy::unwrap_used)]

mod logging_support;

use appealmod_shared::config::{
    ConsoleFormat, DiscordConfig, LoggingConfig, MongoConfig, SlackConfig,
};
use appealmod_shared::logging::{Console, build};
use logging_support::Captured;
use tracing::{debug, error, info, info_span};

fn config(console: ConsoleFormat, file_dir: Option<std::path::PathBuf>) -> LoggingConfig {
    LoggingConfig {
        level: "info".to_owned(),
        console,
        file_dir,
        file_prefix: "appealmod-test.log".to_owned(),
    }
}

fn emit() {
    let span = info_span!(
        "conversation",
        subreddit = "pics",
        conversation_id = "2g8x1k"
    );
    let _e = span.enter();
    info!(user = "bob", "hello file");
    error!(
        password = "hunter2",
        "login failed for bob@example.com via https://appeals.example/appeal/SECRETTOKEN1 with Bearer abc.def"
    );
    debug!("below the configured level");
}

#[test]
fn events_land_in_the_daily_file_created_on_demand() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("not-yet").join("logs");
    let cfg = config(ConsoleFormat::Human, Some(dir.clone()));
    let (dispatch, guard) = build(
        &cfg,
        &MongoConfig::default(),
        &SlackConfig::default(),
        &DiscordConfig::default(),
        "test",
        Console::Off,
    )
    .unwrap();
    tracing::dispatcher::with_default(&dispatch, emit);
    // The non-blocking writer only guarantees the lines are on disk once its guard drops.
    drop(guard);

    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "one file per day: {files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(name, format!("appealmod-test.log.{today}"));

    let text = std::fs::read_to_string(&files[0]).unwrap();
    println!("{text}");
    assert!(text.contains("hello file"), "{text}");
    assert!(
        text.contains("subreddit=\"pics\""),
        "span fields shown: {text}"
    );
    assert!(!text.contains("below the configured level"));
    assert!(!text.contains('\x1b'), "no colours in files");
    for secret in ["hunter2", "bob@example.com", "SECRETTOKEN1", "abc.def"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(text.contains("password=\"[redacted]\""), "{text}");
    assert!(text.contains("/appeal/[redacted]"), "{text}");
}

#[test]
fn json_console_lines_are_structured_and_redacted() {
    let out = Captured::default();
    let w = out.clone();
    let cfg = config(ConsoleFormat::Json, None);
    let (dispatch, guard) = build(
        &cfg,
        &MongoConfig::default(),
        &SlackConfig::default(),
        &DiscordConfig::default(),
        "bot",
        Console::writer(move || w.clone()),
    )
    .unwrap();
    tracing::dispatcher::with_default(&dispatch, emit);
    drop(guard);

    let text = out.text();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    let hello = &lines[0];
    assert_eq!(hello["message"], "hello file");
    assert_eq!(hello["level"], "INFO");
    assert_eq!(hello["service"], "bot");
    assert_eq!(hello["fields"]["user"], "bob");
    assert_eq!(hello["span"]["subreddit"], "pics");
    assert_eq!(hello["span"]["conversation_id"], "2g8x1k");
    assert!(hello["timestamp"].as_str().unwrap().ends_with('Z'));
    let err = &lines[1];
    assert_eq!(err["fields"]["password"], "[redacted]");
    let msg = err["message"].as_str().unwrap();
    assert_eq!(
        msg,
        "login failed for [redacted email] via https://appeals.example/appeal/[redacted] with Bearer [redacted]"
    );
}

#[test]
fn human_console_is_plain_text_with_span_context() {
    let out = Captured::default();
    let w = out.clone();
    let cfg = config(ConsoleFormat::Human, None);
    let (dispatch, guard) = build(
        &cfg,
        &MongoConfig::default(),
        &SlackConfig::default(),
        &DiscordConfig::default(),
        "web",
        Console::writer(move || w.clone()),
    )
    .unwrap();
    tracing::dispatcher::with_default(&dispatch, emit);
    drop(guard);
    let text = out.text();
    assert!(text.contains(" INFO "), "{text}");
    assert!(text.contains("conversation{"), "{text}");
    assert!(text.contains("hello file user=\"bob\""), "{text}");
    assert!(!text.contains("hunter2"));
}

#[test]
fn invalid_level_is_a_clear_error() {
    let mut cfg = config(ConsoleFormat::Human, None);
    cfg.level = "info,[=".to_owned();
    let err = build(
        &cfg,
        &MongoConfig::default(),
        &SlackConfig::default(),
        &DiscordConfig::default(),
        "web",
        Console::Off,
    )
    .unwrap_err();
    assert!(err.to_string().contains("logging.level"), "{err:#}");
}

#[test]
fn invalid_mongo_uri_is_reported_without_its_password() {
    let mongo = appealmod_shared::config::MongoConfig {
        uri: Some(appealmod_shared::config::Secret::new(
            "mongodb://app:pa55word@db.example:notaport/",
        )),
        ..MongoConfig::default()
    };
    let err = build(
        &config(ConsoleFormat::Human, None),
        &mongo,
        &SlackConfig::default(),
        &DiscordConfig::default(),
        "web",
        Console::Off,
    )
    .unwrap_err();
    let msg = format!("{err:#}");
    println!("{msg}");
    assert!(msg.contains("mongodb.uri"), "{msg}");
    assert!(!msg.contains("pa55word"), "{msg}");
}
