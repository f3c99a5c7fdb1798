//! The `appealmod` command: runners, configuration check, migrations.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tracing::{error, info};

use appealmod_shared::config::Config;
use appealmod_shared::logging;
use appealmod_shared::storage::Store;

use crate::context::{BotContext, reddit_client};
use crate::core::Trigger;
use crate::runners::{PassReport, RecentRunner, StartedRunner};

#[derive(Parser, Debug)]
#[command(
    name = "appealmod",
    version,
    about = "appealmod: the Reddit ban-appeal bot"
)]
pub struct Cli {
    /// Configuration file (default: $APPEALMOD_CONFIG or certs/config.yaml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Run the recent-conversations runner.
    Recent {
        /// One pass, then exit.
        #[arg(long)]
        once: bool,
    },
    /// Run the started-conversations runner.
    Started {
        #[arg(long)]
        once: bool,
    },
    /// Validate the configuration and print the effective settings (secrets masked).
    CheckConfig,
    /// Apply database migrations and exit.
    Migrate,
}

/// Exit code for a configuration error (distinct from runtime failures).
pub const EXIT_CONFIG: i32 = 2;

pub async fn main_with(cli: Cli) -> i32 {
    let path = Config::resolve_path(cli.config.as_deref());
    let config = match cli.command {
        // Migrations need only the database; run them on defaults when there is no file.
        Command::Migrate => Config::load_or_default(&path),
        _ => Config::load(&path),
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            eprintln!("appealmod: configuration error: {e}");
            return EXIT_CONFIG;
        }
    };
    match cli.command {
        Command::CheckConfig => check_config(&path, &config),
        Command::Migrate => match Store::open(config.database.url.expose(), 1).await {
            Ok(s) => {
                s.close().await;
                println!(
                    "migrations applied ({})",
                    if config.database.url.expose().starts_with("sqlite") {
                        "SQLite"
                    } else {
                        "PostgreSQL"
                    }
                );
                0
            }
            Err(e) => {
                eprintln!("appealmod: {e}");
                1
            }
        },
        Command::Recent { once } | Command::Started { once } => {
            let recent = matches!(cli.command, Command::Recent { .. });
            match run(config, recent, once).await {
                Ok(()) => 0,
                Err(e) => {
                    error!("{e:#}");
                    eprintln!("appealmod: {e:#}");
                    1
                }
            }
        }
    }
}

fn check_config(path: &std::path::Path, config: &Config) -> i32 {
    let mut problems = Vec::new();
    if let Err(e) = config.reddit.credentials() {
        problems.push(e.to_string());
    }
    if let Err(e) = config.web.link_secret() {
        problems.push(e.to_string());
    }
    if let Err(e) = Trigger::from_config(config.bot.trigger.as_ref()) {
        problems.push(e.to_string());
    }
    // A closed pipe (`check-config | head`) is not an error worth a panic.
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "# effective configuration from {} (secrets shown as [redacted])\n{}",
        path.display(),
        config.to_redacted_yaml()
    );
    if problems.is_empty() {
        let _ = writeln!(out, "# OK");
        0
    } else {
        for p in &problems {
            eprintln!("appealmod: configuration error: {p}");
        }
        EXIT_CONFIG
    }
}

async fn run(config: Config, recent: bool, once: bool) -> anyhow::Result<()> {
    let service = if recent { "bot-recent" } else { "bot-started" };
    let guard = logging::init(&config.logging, &config.mongodb, &config.slack, service)?;
    let result = run_inner(&config, recent, once, &guard).await;
    guard.shutdown().await;
    result
}

async fn run_inner(
    config: &Config,
    recent: bool,
    once: bool,
    guard: &logging::LogGuard,
) -> anyhow::Result<()> {
    let creds = config.reddit.credentials()?;
    let store = Store::open(
        config.database.url.expose(),
        config.database.max_connections,
    )
    .await
    .context("opening the database")?;
    let reddit = reddit_client(&config.reddit, &creds, Default::default())?;
    let ctx = BotContext::new(
        config,
        store.clone(),
        reddit,
        creds.username.clone(),
        guard.conversation_log(),
    )?;
    let name = if recent { "recent" } else { "started" };
    info!(
        slack = "main",
        runner = name,
        debug = config.bot.debug,
        "runner starting"
    );
    let interval = Duration::from_secs(config.bot.dialogue_update_interval);
    if recent {
        let runner = RecentRunner::start(ctx.clone()).await?;
        drive(name, once, interval, || runner.run_once()).await;
    } else {
        let runner = StartedRunner::start(ctx.clone()).await?;
        drive(name, once, interval, || runner.run_once()).await;
    }
    info!(slack = "main", runner = name, "runner stopped");
    store.close().await;
    Ok(())
}

/// Runs passes every `interval` until SIGTERM / Ctrl-C. A signal during a pass lets the
/// pass finish (its journal entries are then complete), a signal while waiting stops at once.
async fn drive<F, Fut>(name: &str, once: bool, interval: Duration, mut pass: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<PassReport>>,
{
    let stop = Arc::new(tokio::sync::Notify::new());
    let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let stop = stop.clone();
        let stopping = stopping.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            stopping.store(true, std::sync::atomic::Ordering::SeqCst);
            // notify_one keeps a permit, so a signal between the check and the wait is not lost.
            stop.notify_one();
        });
    }
    loop {
        match pass().await {
            Ok(r) if !r.is_idle() => info!(
                runner = name,
                fetched = r.fetched,
                flagged = r.flagged,
                sent = r.sent.sent,
                decided = ?r.decided,
                "pass done"
            ),
            Ok(_) => {}
            Err(e) => error!(runner = name, "pass failed: {e:#}"),
        }
        if once || stopping.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.notified() => return,
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
