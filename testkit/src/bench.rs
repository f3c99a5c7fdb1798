//! What the benchmarks under `bot/examples/` share: their command-line numbers, a fresh
//! configuration key, and the release runner binary they start as processes.

use std::path::PathBuf;

use rand::Rng;

/// The word after `name` on the command line (`--accounts 1,2,4`).
pub fn text_arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// The number after `name` on the command line (`--secs 60`), else `default`.
pub fn arg(name: &str, default: u64) -> u64 {
    text_arg(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A fresh key for a runner's configuration (a fixed one would be refused as guessable).
pub fn random_key() -> String {
    let mut rng = rand::rng();
    (0..32)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// The release `appealmod` binary beside the running example
/// (`target/release/examples/NAME` → `target/release/appealmod`), when it was built.
pub fn runner_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe.parent()?.parent()?.join("appealmod");
    bin.is_file().then_some(bin)
}
