//! Helpers shared by the `logging_*` integration tests.
#![allow(dead_code)]

pub mod receiver;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The SecantusDB/MongoDB URI for tests, or `None` (with a loud SKIPPED line) when the
/// caller explicitly allowed running without it. Never skips silently.
pub fn mongo_uri(test: &str) -> Option<String> {
    match std::env::var("APPEALMOD_TEST_MONGODB_URI") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ if std::env::var("APPEALMOD_TEST_ALLOW_NO_MONGO").as_deref() == Ok("1") => {
            let line = format!(
                "SKIPPED {test}: APPEALMOD_TEST_MONGODB_URI is not set and APPEALMOD_TEST_ALLOW_NO_MONGO=1"
            );
            println!("{line}");
            eprintln!("{line}");
            None
        }
        _ => panic!(
            "{test} needs MongoDB: APPEALMOD_TEST_MONGODB_URI is not set.\n\
             Run the tests with `./run.sh test` (it starts SecantusDB), or by hand:\n  \
             pip install SecantusDB\n  \
             secantusd-py --host 127.0.0.1 --port 27017 --storage-path :memory: &\n  \
             APPEALMOD_TEST_MONGODB_URI=mongodb://127.0.0.1:27017 cargo test -p appealmod-shared\n\
             (APPEALMOD_TEST_ALLOW_NO_MONGO=1 skips the MongoDB tests, loudly.)"
        ),
    }
}

/// A database name no other test (or earlier run) uses.
pub fn unique_db(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// Polls `check` until it returns true or the deadline passes.
pub async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if check().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An in-memory console for tests that read what was written.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
