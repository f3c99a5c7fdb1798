//! `init` installs the stack globally, once per process.
// Tests fail by panicking; that is what unwrap is for here.
#![allow(clippy::unwrap_used)]

use appealmod_shared::config::{DiscordConfig, LoggingConfig, MongoConfig, SlackConfig};
use appealmod_shared::logging::init;

#[test]
fn init_installs_once_and_refuses_a_second_subscriber() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = LoggingConfig {
        file_dir: Some(tmp.path().to_owned()),
        ..LoggingConfig::default()
    };
    let guard = init(
        &cfg,
        &MongoConfig::default(),
        &SlackConfig::default(),
        &DiscordConfig::default(),
        "test",
    )
    .unwrap();
    tracing::info!("through the global subscriber");
    let err = init(
        &cfg,
        &MongoConfig::default(),
        &SlackConfig::default(),
        &DiscordConfig::default(),
        "test",
    )
    .unwrap_err();
    assert!(err.to_string().contains("already installed"), "{err:#}");
    drop(guard);
    let file = std::fs::read_dir(tmp.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let text = std::fs::read_to_string(file.path()).unwrap();
    assert!(text.contains("through the global subscriber"), "{text}");
}
