//! Builds the site: shared state, routes and middleware, bound to a listener.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;

use appealmod_shared::config::{Config, ConfigError, Secret};
use appealmod_shared::storage::Store;
use appealmod_shared::token::LinkSigner;

use crate::csrf::{CsrfKey, origin_of};
use crate::middleware::{log_requests, rate_limit_posts, security_headers};
use crate::rate_limit::RateLimiter;
use crate::routes;

/// What the site needs from the configuration.
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// `host:port`; port 0 picks a free port (tests).
    pub bind: String,
    pub public_base_url: String,
    pub link_secret: Secret,
    pub post_rate_per_minute: u32,
    /// The bot account moderators must invite.
    pub bot_username: Option<String>,
    /// Worker threads; `None` = one per CPU core.
    pub workers: Option<usize>,
}

impl AppSettings {
    pub fn from_config(c: &Config) -> Result<Self, ConfigError> {
        Ok(Self {
            bind: c.web.bind.clone(),
            public_base_url: c.web.public_base_url.clone(),
            link_secret: c.web.link_secret()?.clone(),
            post_rate_per_minute: c.web.post_rate_per_minute,
            bot_username: c.reddit.username.clone().filter(|u| !u.trim().is_empty()),
            workers: None,
        })
    }
}

/// Shared by every worker.
#[derive(Debug)]
pub struct AppState {
    pub store: Store,
    pub signer: LinkSigner,
    pub csrf: CsrfKey,
    /// `scheme://host[:port]` of `public_base_url`, compared with `Origin`.
    pub public_origin: String,
    pub bot_username: Option<String>,
    pub limiter: RateLimiter,
}

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds the listener and prepares the server; nothing is served until
    /// [`Application::run_until_stopped`]. `store` must already be migrated
    /// ([`Store::open`]), which is what makes the site ready.
    pub async fn build(settings: AppSettings, store: Store) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {} (web.bind)", settings.bind))?;
        let port = listener.local_addr()?.port();
        let https = settings.public_base_url.starts_with("https://");
        let state = web::Data::new(AppState {
            store,
            signer: LinkSigner::new(&settings.link_secret),
            csrf: CsrfKey::new(&settings.link_secret),
            public_origin: origin_of(&settings.public_base_url),
            bot_username: settings.bot_username.clone(),
            limiter: RateLimiter::per_minute(settings.post_rate_per_minute),
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .configure(routes::configure)
                // Outermost last: the log sees the final status, headers cover 429s too.
                .wrap(from_fn(rate_limit_posts))
                .wrap(security_headers(https))
                .wrap(from_fn(log_requests))
        })
        // A slow client must not hold a worker's connection forever.
        .client_request_timeout(std::time::Duration::from_secs(10))
        .shutdown_timeout(10);
        if let Some(n) = settings.workers {
            server = server.workers(n.max(1));
        }
        let server = server.listen(listener)?.run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests (graceful stop).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
