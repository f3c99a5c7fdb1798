//! `reddit-sim`: serve the Reddit simulator until Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use clap::Parser;
use reddit_sim::{BotAccount, SimConfig, SimServer, WebApp};

/// A local stand-in for Reddit's OAuth and modmail API.
#[derive(Parser, Debug)]
#[command(name = "reddit-sim", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8081)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Seed for ids and tokens.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, env = "SIM_BOT_USERNAME", default_value = "appealmod_bot")]
    bot_username: String,
    #[arg(long, env = "SIM_BOT_PASSWORD", default_value = "sim-password")]
    bot_password: String,
    #[arg(long, env = "SIM_CLIENT_ID", default_value = "sim-client-id")]
    client_id: String,
    #[arg(long, env = "SIM_CLIENT_SECRET", default_value = "sim-client-secret")]
    client_secret: String,
    /// Client id of the OAuth "web app" users log in to (moderator console).
    #[arg(long, env = "SIM_WEB_CLIENT_ID", default_value = "sim-web-client-id")]
    web_client_id: String,
    #[arg(
        long,
        env = "SIM_WEB_CLIENT_SECRET",
        default_value = "sim-web-client-secret"
    )]
    web_client_secret: String,
    /// The web app's one registered redirect URI.
    #[arg(
        long,
        env = "SIM_WEB_REDIRECT_URI",
        default_value = "http://127.0.0.1:8080/auth/reddit/callback"
    )]
    web_redirect_uri: String,
    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl: u64,
    /// Requests per rate-limit window.
    #[arg(long, default_value_t = 600)]
    rate_budget: u32,
    /// Rate-limit window in seconds.
    #[arg(long, default_value_t = 600)]
    rate_window: u64,
    /// HTTP worker threads.
    #[arg(long, default_value_t = 2)]
    workers: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let cfg = SimConfig {
        seed: args.seed,
        bot: BotAccount {
            username: args.bot_username,
            password: args.bot_password,
            client_id: args.client_id,
            client_secret: args.client_secret,
        },
        extra_bots: Vec::new(),
        web_app: WebApp {
            client_id: args.web_client_id,
            client_secret: args.web_client_secret,
            redirect_uri: args.web_redirect_uri,
            ..WebApp::default()
        },
        token_ttl_secs: args.token_ttl,
        rate_budget: args.rate_budget,
        rate_window_secs: args.rate_window,
        bind: SocketAddr::new(args.host, args.port),
        workers: args.workers,
    };
    tracing::info!(?cfg, "starting");
    let server = SimServer::start(cfg).await?;
    tracing::info!(url = %server.base_url(), "control pages at {}/_sim", server.base_url());
    shutdown_signal().await;
    tracing::info!("stopping");
    server.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "no SIGTERM handler; Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
