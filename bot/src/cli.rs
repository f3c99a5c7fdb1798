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

use appealmod_core::decide::Trigger;

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

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
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
    /// Move a subreddit to another bot account (audited). Invite the new account as a
    /// moderator first, and keep the old one until what it already tried is finished.
    MoveSubreddit {
        /// The account to move to: `default` or a username from `reddit.accounts`.
        #[arg(long)]
        to: String,
        /// Who asks (written in the audit log; default: $USER).
        #[arg(long)]
        by: Option<String>,
        /// The subreddit, with or without `r/`.
        subreddit: String,
    },
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
            print_problems(&e.lines());
            return EXIT_CONFIG;
        }
    };
    if cli.command == Command::CheckConfig {
        return check_config(&path, &config);
    }
    // Before logging starts: a placeholder Slack hook must not be posted to, and a runner
    // must not sign links with the example's key.
    let problems = preflight(&cli.command, &config);
    if !problems.is_empty() {
        print_problems(&problems);
        return EXIT_CONFIG;
    }
    execute(cli.command, config).await
}

/// Runs a command whose configuration passed [`preflight`].
async fn execute(command: Command, config: Config) -> i32 {
    match command {
        Command::MoveSubreddit { to, by, subreddit } => {
            crate::pool::move_subreddit(&config, &subreddit, &to, by.as_deref()).await
        }
        // Handled in `main_with`: it reports instead of running.
        Command::CheckConfig => 0,
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
            let recent = matches!(command, Command::Recent { .. });
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

/// Everything that stops `command` from starting with `config`, all at once (one edit
/// fixes them all). Every command refuses the example's placeholders; the runners and
/// `check-config` also need the Reddit credentials, the link key and valid trigger rules.
pub fn preflight(command: &Command, config: &Config) -> Vec<String> {
    let mut problems = match config.refuse_placeholders() {
        Ok(()) => Vec::new(),
        Err(e) => e.lines(),
    };
    // Migrations and moves need only the database (a move names a configured account).
    if matches!(command, Command::Migrate | Command::MoveSubreddit { .. }) {
        return problems;
    }
    if let Err(e) = config.reddit.credentials() {
        problems.push(e.to_string());
    }
    if let Err(e) = config.web.link_secret() {
        problems.push(e.to_string());
    }
    if let Err(e) = Trigger::from_config(config.bot.trigger.as_ref()) {
        problems.push(e.to_string());
    }
    problems
}

fn print_problems(problems: &[String]) {
    for p in problems {
        eprintln!("appealmod: configuration error: {p}");
    }
}

fn check_config(path: &std::path::Path, config: &Config) -> i32 {
    let problems = preflight(&Command::CheckConfig, config);
    // A closed pipe (`check-config | head`) is not an error worth a panic.
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "# effective configuration from {} (secrets shown as [redacted], of database URLs \
         only the password)\n{}",
        path.display(),
        config.to_redacted_yaml()
    );
    if problems.is_empty() {
        let _ = writeln!(out, "# OK");
        0
    } else {
        print_problems(&problems);
        EXIT_CONFIG
    }
}

async fn run(config: Config, recent: bool, once: bool) -> anyhow::Result<()> {
    let service = if recent { "bot-recent" } else { "bot-started" };
    let guard = logging::init(
        &config.logging,
        &config.mongodb,
        &config.slack,
        &config.discord,
        service,
    )?;
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
    let store = Store::open(
        config.database.url.expose(),
        config.database.max_connections,
    )
    .await
    .context("opening the database")?;
    let contexts = crate::pool::contexts(config, &store, guard.conversation_log())?;
    let kind = if recent { "recent" } else { "started" };
    let replica = Arc::new(crate::pool::replica(config, &store, kind, &contexts));
    info!(
        slack = "main",
        runner = kind,
        replica = replica.id(),
        accounts = contexts.len(),
        debug = config.bot.debug,
        "runner starting"
    );
    let runners = crate::pool::Runners::start(recent, &contexts).await?;
    let interval = Duration::from_secs(config.bot.dialogue_update_interval);
    let stop = stop_signal();
    let keeper = crate::pool::keep_leases(replica.clone(), once, stop.clone());
    let held = keeper.held.clone();
    let wake = keeper.wake.clone();
    if once {
        keeper.first_look.notified().await;
    }
    loop {
        let accounts = held.lock().map(|h| h.clone()).unwrap_or_default();
        runners.pass(kind, &accounts).await;
        if once || stop.is_stopping() {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            // A lease taken over: its work resumes now, not at the next interval.
            _ = wake.notified() => {}
            _ = stop.stopped() => break,
        }
    }
    keeper.task.abort();
    replica.stop().await;
    info!(slack = "main", runner = kind, "runner stopped");
    store.close().await;
    Ok(())
}

/// SIGTERM / Ctrl-C: a signal during a pass lets the pass finish (its journal entries are
/// then complete), a signal while waiting stops at once.
#[derive(Clone)]
pub(crate) struct Stop(tokio::sync::watch::Receiver<bool>);

impl Stop {
    pub(crate) fn is_stopping(&self) -> bool {
        *self.0.borrow()
    }

    /// Returns once the signal came (at once if it came before).
    pub(crate) async fn stopped(&self) {
        let mut rx = self.0.clone();
        let _ = rx.wait_for(|s| *s).await;
    }
}

fn stop_signal() -> Stop {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = tx.send(true);
    });
    Stop(rx)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Config {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../certs.example/config.yaml");
        let text = std::fs::read_to_string(path).expect("the example exists");
        Config::from_yaml_and_env(&text, "certs/config.yaml", std::iter::empty())
            .expect("the example parses")
    }

    #[test]
    fn every_command_refuses_the_example() {
        for command in [
            Command::Recent { once: true },
            Command::Started { once: false },
            Command::Migrate,
            Command::CheckConfig,
        ] {
            let problems = preflight(&command, &example());
            let named: Vec<&str> = problems
                .iter()
                .filter_map(|p| p.split('`').nth(1))
                .collect();
            assert_eq!(
                named,
                [
                    "reddit.password",
                    "reddit.client_id",
                    "reddit.client_secret",
                    "web.link_secret",
                    "web.login.client_id",
                    "web.login.client_secret",
                    "web.session_key",
                    "slack.main",
                ],
                "{command:?}: {problems:#?}"
            );
            assert!(
                problems[3].contains("`web.link_secret` is the example's value"),
                "{problems:#?}"
            );
        }
    }

    #[test]
    fn runners_need_credentials_but_migrate_does_not() {
        let defaults =
            Config::from_yaml_and_env("", "defaults", std::iter::empty()).expect("defaults parse");
        assert!(preflight(&Command::Migrate, &defaults).is_empty());
        let problems = preflight(&Command::Recent { once: true }, &defaults);
        assert!(
            problems.iter().any(|p| p.contains("reddit.username")),
            "{problems:#?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("web.link_secret")),
            "{problems:#?}"
        );
    }
}
