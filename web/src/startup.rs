//! Builds the site: shared state, routes and middleware, bound to a listener.

use std::net::{IpAddr, TcpListener};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;

use actix_session::SessionMiddleware;
use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite};
use appealmod_reddit::web_login::{WebApp, WebLogin};
use appealmod_shared::clock::Clock;
use appealmod_shared::config::{
    Config, ConfigError, ConsoleLogin, MetricsConfig, ModmailLinks, Secret,
};
use appealmod_shared::metrics::WebRequests;
use appealmod_shared::storage::{ServingAccount, Store};
use appealmod_shared::token::{LinkSigner, Signer};

use crate::console::Console;
pub use crate::console::LoginSettings;
use crate::console::settings_form::Defaults;
use crate::csrf::{CsrfKey, origin_of};
use crate::form::BODY_TIMEOUT;
use crate::middleware::{
    count_requests, hold_body_until_answered, log_requests, noindex_appeals, rate_limit_posts,
    security_headers,
};
use crate::rate_limit::{LoginLimits, RateLimiter};
use crate::routes;
use crate::routes::appeal::ShownForms;
use crate::routes::live::Live;
pub use crate::routes::live::LiveSettings;
use appealmod_core::settings::Effective;
use appealmod_shared::domain::SubredditName;

/// What the site needs from the configuration.
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// `host:port`; port 0 picks a free port (tests).
    pub bind: String,
    pub public_base_url: String,
    pub link_secret: Secret,
    pub post_rate_per_minute: u32,
    /// The bot account moderators must invite (the default one of the pool).
    pub bot_username: Option<String>,
    /// The pool's other accounts (`reddit.accounts`): sign-up assigns each subreddit the
    /// one with the most headroom, and its console says which to invite.
    pub extra_bot_accounts: Vec<String>,
    /// Worker threads; `None` = one per CPU core.
    pub workers: Option<usize>,
    /// Reverse proxies whose forwarding headers name the client (`web.trusted_proxies`).
    pub trusted_proxies: Vec<IpAddr>,
    /// Longest time a form body may take to arrive ([`BODY_TIMEOUT`]; shorter in tests).
    pub body_timeout: Duration,
    /// The moderator console's Reddit login; `None` = no console.
    pub console: Option<ConsoleLogin>,
    /// The console's idle timeout and login rate limits.
    pub login: LoginSettings,
    /// Sent to Reddit during a console login.
    pub user_agent: String,
    /// The configured defaults the console shows for settings a subreddit has not set.
    pub defaults: Defaults,
    /// `/metrics`: off, on `bind`, or on a listener of its own.
    pub metrics: MetricsConfig,
    /// `bot.rng_seed`: the results page says which draw is in use.
    pub rng_seed: Option<u64>,
    /// The live view's streams (poll interval, limits).
    pub live: LiveSettings,
    /// What every handler takes as `now`: the system clock, moved forward by tests.
    pub clock: Clock,
    /// Where a modmail conversation opens for moderators (`web.modmail_url`).
    pub modmail: ModmailLinks,
    /// Where an appellant reads their conversation (`web.user_mail_url`).
    pub user_mail: ModmailLinks,
}

impl AppSettings {
    pub fn from_config(c: &Config) -> Result<Self, ConfigError> {
        Ok(Self {
            bind: c.web.bind.clone(),
            public_base_url: c.web.public_base_url.clone(),
            link_secret: c.web.link_secret()?.clone(),
            post_rate_per_minute: c.web.post_rate_per_minute,
            bot_username: c.reddit.username.clone().filter(|u| !u.trim().is_empty()),
            extra_bot_accounts: c
                .reddit
                .accounts
                .iter()
                .map(|a| a.username.clone())
                .collect(),
            workers: None,
            trusted_proxies: c.web.trusted_proxies.clone(),
            body_timeout: BODY_TIMEOUT,
            console: c.web.console_login()?,
            login: LoginSettings {
                session_idle: chrono::Duration::minutes(i64::from(c.web.session_idle_minutes)),
                per_client_per_minute: c.web.login_rate_per_minute,
                token_exchanges_per_minute: c.web.token_exchanges_per_minute,
            },
            user_agent: c.reddit.user_agent.clone(),
            defaults: c.settings_defaults(),
            metrics: c.metrics.clone(),
            rng_seed: c.bot.rng_seed,
            live: LiveSettings::default(),
            clock: Clock::system(),
            modmail: c.web.modmail_url.clone(),
            user_mail: c.web.user_mail_url.clone(),
        })
    }
}

/// The pool of bot accounts as pages name them.
#[derive(Debug, Clone, Default)]
pub struct BotNames {
    default: Option<String>,
    extra: Vec<(ServingAccount, String)>,
}

impl BotNames {
    /// The default account's name (unset: the site does not know it) and the others'
    /// (names Reddit would refuse were refused with the configuration).
    pub fn new(default: Option<String>, extra: &[String]) -> Self {
        let extra = extra
            .iter()
            .filter_map(|n| {
                let name = appealmod_shared::domain::RedditUsername::parse(n).ok()?;
                Some((ServingAccount::Extra(name), n.clone()))
            })
            .collect();
        Self { default, extra }
    }

    /// Every account, the default first.
    pub fn accounts(&self) -> Vec<ServingAccount> {
        std::iter::once(ServingAccount::Default)
            .chain(self.extra.iter().map(|(a, _)| a.clone()))
            .collect()
    }

    /// The name to invite for `account`: an account no longer configured is named as
    /// stored, so that the console still says who serves the subreddit.
    pub fn name_of(&self, account: &ServingAccount) -> String {
        match account {
            ServingAccount::Default => self
                .default
                .clone()
                .unwrap_or_else(|| "the bot account".to_owned()),
            ServingAccount::Extra(name) => self
                .extra
                .iter()
                .find(|(a, _)| a == account)
                .map_or_else(|| name.to_string(), |(_, n)| n.clone()),
        }
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
    /// Every account of the pool, by the name moderators invite.
    pub bot_names: BotNames,
    pub limiter: RateLimiter,
    /// `/login`, the callback and the code exchanges with Reddit.
    pub login_limits: LoginLimits,
    pub trusted_proxies: Vec<IpAddr>,
    pub body_timeout: Duration,
    pub console: Option<Console>,
    pub defaults: Defaults,
    /// Keys the exports' pseudonyms (the link secret under its own purpose).
    pub pseudonyms: Signer,
    pub metrics: MetricsConfig,
    pub rng_seed: Option<u64>,
    /// Requests by route pattern and status, for `/metrics`.
    pub web_requests: WebRequests,
    /// The live view's settings and its open streams.
    pub live: Live,
    /// Appeal forms shown lately, to give a post the database cannot take its form back.
    pub shown_forms: ShownForms,
    /// Where handlers read `now` ([`AppSettings::clock`]).
    pub clock: Clock,
    /// Where a modmail conversation opens ([`AppSettings::modmail`]).
    pub modmail: ModmailLinks,
    /// Where an appellant reads their conversation ([`AppSettings::user_mail`]).
    pub user_mail: ModmailLinks,
}

impl AppState {
    /// A subreddit's settings in effect: its console overrides over the configured
    /// defaults, resolved by core (the site keeps no rule of its own).
    pub async fn settings_in_effect(
        &self,
        sub: &SubredditName,
    ) -> Result<Effective, appealmod_shared::storage::StoreError> {
        let own = self.store.subreddit(sub).await?;
        Ok(self.defaults.resolve(own.as_ref()))
    }
}

/// What every worker shares, from the settings.
fn state_of(settings: &AppSettings, store: Store, console: Option<Console>) -> AppState {
    AppState {
        store,
        signer: LinkSigner::new(&settings.link_secret),
        csrf: CsrfKey::new(&settings.link_secret),
        public_origin: origin_of(&settings.public_base_url),
        bot_names: BotNames::new(settings.bot_username.clone(), &settings.extra_bot_accounts),
        limiter: RateLimiter::per_minute(settings.post_rate_per_minute),
        login_limits: LoginLimits::new(
            settings.login.per_client_per_minute,
            settings.login.token_exchanges_per_minute,
        ),
        trusted_proxies: settings.trusted_proxies.clone(),
        body_timeout: settings.body_timeout,
        console,
        defaults: settings.defaults.clone(),
        pseudonyms: Signer::new(&settings.link_secret),
        metrics: settings.metrics.clone(),
        rng_seed: settings.rng_seed,
        web_requests: WebRequests::default(),
        live: Live::new(settings.live.clone()),
        shown_forms: ShownForms::default(),
        clock: settings.clock.clone(),
        modmail: settings.modmail.clone(),
        user_mail: settings.user_mail.clone(),
    }
}

/// The console's login client and session settings, when the login is configured.
fn console_of(settings: &AppSettings) -> anyhow::Result<Option<(Console, Key)>> {
    let Some(c) = &settings.console else {
        return Ok(None);
    };
    let login = WebLogin::new(WebApp {
        client_id: c.client_id.clone(),
        client_secret: c.client_secret.expose().into(),
        redirect_uri: c.redirect_uri.clone(),
        auth_base_url: c.auth_base_url.clone(),
        api_base_url: c.api_base_url.clone(),
        user_agent: settings.user_agent.clone(),
        timeout: Duration::from_secs(15),
    })?;
    let console = Console {
        login,
        operators: c.operators.clone(),
        session_ttl: chrono::Duration::hours(i64::from(c.session_hours.max(1))),
        session_idle: settings.login.session_idle,
    };
    // At least 32 bytes (the configuration checks); HKDF gives the 64 the cookie needs.
    Ok(Some((
        console,
        Key::derive_from(c.session_key.expose().as_bytes()),
    )))
}

/// The session cookie: encrypted and signed, HttpOnly, SameSite=Lax (the login comes back
/// from Reddit as a top-level navigation), Secure over https, and no longer-lived than a
/// login. It carries the login's pending `state` and, once logged in, the id of a session
/// whose row (`console::logged_in`) decides whether it still counts.
fn session_middleware(
    key: Key,
    https: bool,
    ttl: chrono::Duration,
) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name("appealmod_session".to_owned())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(https)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(PersistentSession::default().session_ttl(
            actix_web::cookie::time::Duration::seconds(ttl.num_seconds()),
        ))
        .build()
}

pub struct Application {
    port: u16,
    server: Server,
    /// `metrics.bind`'s listener, when metrics are enabled there.
    metrics: Option<(u16, Server)>,
}

impl Application {
    /// Binds the listener and prepares the server; nothing is served until
    /// [`Application::run_until_stopped`]. `store` must already be migrated
    /// ([`Store::open`]), which is what makes the site ready.
    pub async fn build(settings: AppSettings, store: Store) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {} (web.bind)", settings.bind))?;
        Self::build_on(listener, settings, store).await
    }

    /// [`Application::build`] on a listener bound already (`settings.bind` unused). Whoever
    /// needs the port before the settings (its own address is in them: links, the login's
    /// redirect) binds port 0, reads the port and hands the listener over, so nothing else
    /// can take the port in between.
    pub async fn build_on(
        listener: TcpListener,
        settings: AppSettings,
        store: Store,
    ) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let metrics_listener = match (&settings.metrics.enabled, &settings.metrics.bind) {
            (true, Some(bind)) => Some(
                TcpListener::bind(bind)
                    .with_context(|| format!("cannot listen on {bind} (metrics.bind)"))?,
            ),
            _ => None,
        };
        let https = settings.public_base_url.starts_with("https://");
        let console = console_of(&settings)?;
        let ttl = console
            .as_ref()
            .map_or(chrono::Duration::hours(1), |(c, _)| c.session_ttl);
        // Without a console nothing is ever put in a session, so no cookie is ever sent.
        let key = console
            .as_ref()
            .map_or_else(Key::generate, |(_, k)| k.clone());
        let state = web::Data::new(state_of(&settings, store, console.map(|(c, _)| c)));
        let metrics = match metrics_listener {
            Some(l) => Some((l.local_addr()?.port(), metrics_server(l, state.clone())?)),
            None => None,
        };
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .configure(routes::configure)
                // Outermost last: the log sees the final status, headers cover 429s too.
                .wrap(session_middleware(key.clone(), https, ttl))
                .wrap(from_fn(rate_limit_posts))
                .wrap(from_fn(noindex_appeals))
                .wrap(security_headers(https))
                .wrap(from_fn(hold_body_until_answered))
                .wrap(from_fn(log_requests))
                .wrap(from_fn(count_requests))
        })
        // A slow client must not hold a worker's connection forever: this bounds the request
        // head; `body_timeout` bounds a form's body (`FormData::read`), and an unread body
        // closes the connection after the answer (`hold_body_until_answered`).
        .client_request_timeout(Duration::from_secs(10))
        // A client that closes its side is gone: stop at once rather than at the next write
        // into the dead socket. Otherwise a live view's stream (and its slot) would outlast
        // its browser by up to two heartbeats.
        .h1_allow_half_closed(false)
        .shutdown_timeout(10);
        if let Some(n) = settings.workers {
            server = server.workers(n.max(1));
        }
        let server = server.listen(listener)?.run();
        Ok(Self {
            port,
            server,
            metrics,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of `metrics.bind`'s listener, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(p, _)| *p)
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests (graceful stop).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.metrics {
            Some((_, metrics)) => futures_util::future::try_join(self.server, metrics)
                .await
                .map(|_| ()),
            None => self.server.await,
        }
    }
}

/// `metrics.bind`'s listener: `/metrics` only, with the site's state and security headers,
/// and one worker (a scraper asks every few seconds). Its requests are not the site's, so
/// they are not counted among them.
fn metrics_server(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(routes::live::configure_metrics_listener)
            .wrap(security_headers(false))
            .wrap(from_fn(log_requests))
    })
    .workers(1)
    .client_request_timeout(Duration::from_secs(10))
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_come_from_the_config_and_the_environment() {
        let yaml = "web:\n  link_secret: 0123456789abcdef0123456789abcdef\n  \
                    trusted_proxies: [\"10.0.0.5\", \"::1\"]\n";
        let c = Config::from_yaml_and_env(yaml, "test", std::iter::empty()).expect("config");
        let s = AppSettings::from_config(&c).expect("settings");
        let want: Vec<IpAddr> = vec!["10.0.0.5".parse().expect("ip"), "::1".parse().expect("ip")];
        assert_eq!(s.trusted_proxies, want);
        assert_eq!(s.body_timeout, BODY_TIMEOUT);

        // The override the README shows.
        let env = [(
            "APPEALMOD__WEB__TRUSTED_PROXIES".to_owned(),
            "[\"10.0.0.6\"]".to_owned(),
        )];
        let c = Config::from_yaml_and_env(yaml, "test", env).expect("config");
        let s = AppSettings::from_config(&c).expect("settings");
        assert_eq!(
            s.trusted_proxies,
            vec!["10.0.0.6".parse::<IpAddr>().expect("ip")]
        );

        let none = Config::from_yaml_and_env("{}", "test", std::iter::empty()).expect("config");
        assert!(
            none.web.trusted_proxies.is_empty(),
            "nothing trusted by default"
        );
    }
}
