//! `appealmod-web`: reads the configuration, opens the database and serves the site.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;

use appealmod_shared::config::Config;
use appealmod_shared::logging;
use appealmod_shared::storage::{PoolSettings, Store};
use appealmod_web::startup::{AppSettings, Application};

/// The AppealMod website: landing page, sign-up and personal appeal forms.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// Configuration file (default: $APPEALMOD_CONFIG, else certs/config.yaml).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let path = Config::resolve_path(cli.config.as_deref());
    let config = match Config::load(&path) {
        Ok(c) => c,
        Err(e) => return refuse(&e.lines()),
    };
    let settings = match settings_for_start(&config) {
        Ok(s) => s,
        Err(problems) => return refuse(&problems),
    };
    let guard = match logging::init(
        &config.logging,
        &config.mongodb,
        &config.slack,
        &config.discord,
        "web",
    ) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("appealmod-web: cannot start logging: {e:#}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let result = run(&config, settings).await;
    if let Err(e) = &result {
        tracing::error!(error = ?e, "appealmod-web stopped with an error");
    }
    guard.shutdown().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("appealmod-web: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Exit code for a configuration error, as for `appealmod`.
const EXIT_CONFIG: u8 = 2;

/// Checked before anything starts, all problems at once: with the example's link key anyone
/// could forge appeal links, and without one no link can be verified.
fn settings_for_start(config: &Config) -> Result<AppSettings, Vec<String>> {
    let mut problems = match config.refuse_placeholders() {
        Ok(()) => Vec::new(),
        Err(e) => e.lines(),
    };
    match AppSettings::from_config(config) {
        Ok(s) if problems.is_empty() => Ok(s),
        Ok(_) => Err(problems),
        Err(e) => {
            problems.push(e.to_string());
            Err(problems)
        }
    }
}

fn refuse(problems: &[String]) -> ExitCode {
    for p in problems {
        eprintln!("appealmod-web: configuration error: {p}");
    }
    ExitCode::from(EXIT_CONFIG)
}

async fn run(config: &Config, settings: AppSettings) -> anyhow::Result<()> {
    // A short wait for a connection: with the database away, a page answers 503 at once
    // (the appeal form with the answers kept) instead of after the runners' long wait.
    let pool = PoolSettings {
        max_connections: config.database.max_connections,
        acquire_timeout: Duration::from_millis(config.database.web_acquire_timeout_ms),
    };
    let store = Store::open_with(config.database.url.expose(), pool)
        .await
        .context("cannot open the database")?;
    let app = Application::build(settings.clone(), store.clone()).await?;
    tracing::info!(
        slack = "main",
        bind = %settings.bind,
        port = app.port(),
        public_base_url = %settings.public_base_url,
        "Website started"
    );
    app.run_until_stopped()
        .await
        .context("the web server failed")?;
    tracing::info!("Website stopped");
    store.close().await;
    Ok(())
}
