//! The configuration's shape: every section, its keys and their defaults. Loading is in
//! `loading.rs`, the checks of values in `validation.rs`, secrets and what needs them in
//! `secrets.rs`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::problem::Origins;
use super::{ModmailLinks, Secret};
use appealmod_core::settings::{DEFAULT_MAX_REMINDERS, Defaults};

use crate::domain::{Language, Messages, RedditUsername, SubredditName};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub reddit: RedditConfig,
    pub database: DatabaseConfig,
    pub mongodb: MongoConfig,
    pub bot: BotConfig,
    pub web: WebConfig,
    pub slack: SlackConfig,
    pub discord: DiscordConfig,
    pub logging: LoggingConfig,
    pub metrics: MetricsConfig,
    /// Which keys came from the environment, so that problems name the right place.
    #[serde(skip)]
    pub(super) origins: Origins,
}

/// The bot's Reddit account and script app.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedditConfig {
    /// The bot account's name (without `u/`).
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    /// Reddit asks for `<platform>:<app id>:<version> (by /u/<owner>)`.
    pub user_agent: String,
    /// Where tokens come from (`/api/v1/access_token`).
    pub auth_base_url: String,
    /// Where API calls go.
    pub api_base_url: String,
    /// Per-request timeout in seconds.
    pub request_timeout_secs: u64,
    /// More bot accounts (a pool): each serves the subreddits assigned to it (sign-up picks
    /// the one with the most headroom; `appealmod move-subreddit` moves one), with its own
    /// script app and so its own share of Reddit's rate limit. The account above stays the
    /// default; an empty list is the one-account setup. The other keys above apply to all.
    pub accounts: Vec<ExtraAccount>,
}

/// One more bot account and its script app (`reddit.accounts`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraAccount {
    /// The account's name (without `u/`).
    pub username: String,
    pub password: Secret,
    pub client_id: String,
    pub client_secret: Secret,
}

impl Default for RedditConfig {
    fn default() -> Self {
        Self {
            username: None,
            password: None,
            client_id: None,
            client_secret: None,
            user_agent: concat!(
                "rust:appealmod:v",
                env!("CARGO_PKG_VERSION"),
                " (by /u/appealmod)"
            )
            .to_owned(),
            auth_base_url: "https://www.reddit.com".to_owned(),
            api_base_url: "https://oauth.reddit.com".to_owned(),
            request_timeout_secs: 30,
            accounts: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://path` (created on first run) or `postgres://user@host/db`.
    pub url: Secret,
    pub max_connections: u32,
    /// Milliseconds a page of the site waits for a database connection before it answers
    /// 503 ("try again in a minute"; the appeal form keeps the answers). The runners wait
    /// longer: nobody is watching them.
    pub web_acquire_timeout_ms: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: Secret::new("sqlite://data/appealmod.sqlite"),
            max_connections: 5,
            web_acquire_timeout_ms: 1500,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MongoConfig {
    /// `mongodb://…`; unset = no MongoDB (no Mongo logging, no conversation snapshots).
    pub uri: Option<Secret>,
    pub database: String,
    /// `application-logs` documents expire after this many days (TTL index).
    pub log_ttl_days: u32,
    /// Lines kept while MongoDB is unreachable; older ones are dropped and counted.
    pub buffer_capacity: usize,
}

impl Default for MongoConfig {
    fn default() -> Self {
        Self {
            uri: None,
            database: "appealmod".to_owned(),
            log_ttl_days: 30,
            buffer_capacity: 10_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BotConfig {
    /// Dry run: read Reddit and decide, but apply nothing to Reddit.
    pub debug: bool,
    /// Share of new appellants put in the treatment group (0.0–1.0); per-subreddit
    /// settings may override it.
    pub treatment_fraction: f64,
    /// Seconds between runner passes.
    pub dialogue_update_interval: u64,
    /// Days without change after which an appellant is no longer followed.
    pub update_cutoff: u32,
    /// Days after a denied appeal before the same user is prompted again.
    pub appeal_cooldown_days: u32,
    /// Minimum hours between two ban-status checks of the same appellant.
    pub ban_check_interval_hours: u32,
    /// Ban-status checks per started pass (oldest first). A fixed rate: the Reddit budget
    /// they use does not grow with the number of appellants; each is checked less often.
    pub ban_checks_per_pass: u32,
    /// Seconds after an attempt whose outcome is unknown (timeout, dropped connection, 5xx,
    /// crash) before Reddit is read back to decide whether to resend. Well above the
    /// request timeout, because Reddit may apply a write after the client gave up waiting.
    pub settle_secs: u64,
    /// Seconds a sender holds an entry it is applying without renewing the hold; it renews
    /// it every third of this while its call lasts (a rate-limit wait included). When a
    /// sender dies mid-call, another takes the entry over at its first pass after this, and
    /// reads Reddit back once the settle time has passed before it sends anything.
    pub lease_secs: u64,
    /// Seconds a runner replica holds its share of the work (each bot account's passes)
    /// without renewing it; it renews every third of this. A replica that dies has its
    /// work taken over within this and a third of it (several replicas need PostgreSQL; on
    /// SQLite the others wait as standbys).
    pub runner_lease_secs: u64,
    /// Minutes between retries of a write Reddit refused for lack of permission (401/403).
    pub permission_retry_minutes: u64,
    /// Days such a write waits for the permission to come back before it is given up.
    pub permission_hold_days: u32,
    /// Minutes between the bot's checks of a served subreddit that needs attention (the bot
    /// is not a moderator there, lacks a permission, or a write was refused with 401/403),
    /// so that a re-invite is accepted and held writes go out soon; 1 to 60.
    pub attention_check_minutes: u64,
    /// Hours a subreddit needs attention before its checks slow down to hourly.
    pub attention_backoff_hours: u32,
    /// Seconds: an appeal form filled faster than this is flagged in the moderators' note.
    pub fast_fill_secs: u32,
    /// Whether a completed appeal also leaves a Reddit Mod Note on the appellant, for
    /// subreddits whose console never chose (each subreddit can turn it on or off). Reddit
    /// calls the permission it needs Manage Users: the Access the bot holds anyway.
    pub reddit_mod_notes: bool,
    /// Seed for the group draw (tests and replays); unset = from the OS.
    pub rng_seed: Option<u64>,
    /// Subreddits enabled at start (sign-ups on the site add more).
    pub subreddits: Vec<SubredditName>,
    /// Default messages; per-subreddit settings override them.
    pub messages: Messages,
    /// Trigger rules (see the README); unset = the original bot's rules.
    pub trigger: Option<serde_yaml::Value>,
}

impl Default for BotConfig {
    fn default() -> Self {
        Self {
            debug: false,
            treatment_fraction: 0.5,
            dialogue_update_interval: 60,
            update_cutoff: 14,
            appeal_cooldown_days: 30,
            ban_check_interval_hours: 6,
            ban_checks_per_pass: 2,
            settle_secs: 60,
            lease_secs: 15,
            runner_lease_secs: 30,
            permission_retry_minutes: 60,
            permission_hold_days: 7,
            attention_check_minutes: 5,
            attention_backoff_hours: 24,
            fast_fill_secs: 30,
            reddit_mod_notes: false,
            rng_seed: None,
            subreddits: Vec::new(),
            messages: Messages::default(),
            trigger: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Address the site listens on.
    pub bind: String,
    /// The site's public address, used in appeal links (no trailing slash needed).
    pub public_base_url: String,
    /// Key for signing appeal links and form tokens (at least 32 characters).
    pub link_secret: Option<Secret>,
    /// Days an appeal link stays valid.
    pub link_ttl_days: u32,
    /// POSTs per minute allowed from one IP address.
    pub post_rate_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` header names the client for the
    /// POST rate limit. Empty: the TCP peer is the client and those headers are ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Moderators log in to the console with Reddit (a "web app"); unset = no console.
    pub login: LoginConfig,
    /// Encrypts and signs the console's session cookie (at least 32 characters).
    pub session_key: Option<Secret>,
    /// Hours a console login lasts before Reddit is asked again.
    pub session_hours: u32,
    /// Minutes a console session may go unused before it ends (the next page asks for a
    /// login again).
    pub session_idle_minutes: u32,
    /// Requests per minute one client may make to `/login`, and as many to the login's
    /// callback (the same client as for `post_rate_per_minute`).
    pub login_rate_per_minute: u32,
    /// Login codes the site exchanges for a token with Reddit per minute, for all clients
    /// together.
    pub token_exchanges_per_minute: u32,
    /// Reddit accounts that see and may change every subreddit's console.
    pub operators: Vec<RedditUsername>,
    /// Days after which the readout counts an appeal that is still open with the outcome it
    /// has so far; unset = `link_ttl_days` + `bot.update_cutoff` ([`Config::readout_window_days`]).
    pub readout_window_days: Option<u32>,
    /// Where a modmail conversation opens for moderators (the console, the live view): a
    /// base URL the conversation id is appended to. Reddit's modmail by default.
    pub modmail_url: ModmailLinks,
    /// Where an appellant reads their conversation (the pages that send them back to it):
    /// a base URL Reddit's `legacyFirstMessageId` is appended to; alone, it is their
    /// messages. `mod.reddit.com` opens for moderators only, so appellants never get it.
    pub user_mail_url: ModmailLinks,
}

/// The Reddit "web app" moderators log in with (OAuth authorization code). The site uses a
/// moderator's token only during the login, to learn who they are and what they moderate.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoginConfig {
    /// The web app's id (https://www.reddit.com/prefs/apps, type "web app"); unset = the
    /// console is off.
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    /// Registered with the app; unset = `{web.public_base_url}/auth/reddit/callback`.
    pub redirect_uri: Option<String>,
    /// Where the login page and the token endpoint are.
    pub auth_base_url: String,
    /// Where `/api/v1/me` and `/subreddits/mine/moderator` are.
    pub api_base_url: String,
}

impl Default for LoginConfig {
    fn default() -> Self {
        Self {
            client_id: None,
            client_secret: None,
            redirect_uri: None,
            auth_base_url: "https://www.reddit.com".to_owned(),
            api_base_url: "https://oauth.reddit.com".to_owned(),
        }
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            public_base_url: "http://127.0.0.1:8080".to_owned(),
            link_secret: None,
            link_ttl_days: 30,
            post_rate_per_minute: 30,
            trusted_proxies: Vec::new(),
            login: LoginConfig::default(),
            session_key: None,
            session_hours: 12,
            session_idle_minutes: 60,
            login_rate_per_minute: 30,
            token_exchanges_per_minute: 60,
            operators: Vec::new(),
            readout_window_days: None,
            modmail_url: ModmailLinks::default(),
            user_mail_url: ModmailLinks::user_default(),
        }
    }
}

/// Chat webhooks, one per channel; each is optional (unset or empty = off). The `slack`
/// and `discord` sections have these keys; an event's `slack = "…"` field names the
/// channel on both.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// Important status messages (sign-ups, start/stop).
    pub main: Option<Secret>,
    /// Dialogue steps per conversation.
    pub steps: Option<Secret>,
    /// Rare but important events (warnings).
    pub alerts: Option<Secret>,
    /// Errors.
    pub errors: Option<Secret>,
    /// Every log line at or above `logging.level`.
    pub logging: Option<Secret>,
}

/// Slack incoming webhooks (`https://hooks.slack.com/services/…`).
pub type SlackConfig = WebhookConfig;
/// Discord channel webhooks (`https://discord.com/api/webhooks/{id}/{token}`).
pub type DiscordConfig = WebhookConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsoleFormat {
    Human,
    Json,
}

/// `GET /metrics` (Prometheus text format), served by the site for all three processes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Off by default.
    pub enabled: bool,
    /// A listener of its own for `/metrics`, e.g. `127.0.0.1:9464`; unset = on `web.bind`.
    pub bind: Option<String>,
    /// The bearer token a scraper must send (secret); required unless `bind` is a loopback
    /// address.
    pub token: Option<Secret>,
}

impl MetricsConfig {
    /// Whether a request's `Authorization` header may read `/metrics`: the token when one
    /// is set (compared in constant time), else anyone who reaches the loopback listener.
    pub fn accepts(&self, authorization: Option<&str>) -> bool {
        match &self.token {
            Some(token) => authorization
                .and_then(|h| h.strip_prefix("Bearer "))
                .is_some_and(|given| {
                    let (a, b) = (given.trim().as_bytes(), token.expose().as_bytes());
                    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
                }),
            None => true,
        }
    }

    pub(super) fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.enabled {
            return out;
        }
        let bind = match self.bind.as_deref().map(str::parse::<std::net::SocketAddr>) {
            Some(Err(e)) => {
                out.push((
                    "metrics.bind",
                    format!("is not an address:port ({e}); e.g. 127.0.0.1:9464"),
                ));
                return out;
            }
            Some(Ok(addr)) => Some(addr),
            None => None,
        };
        let loopback = bind.is_some_and(|a| a.ip().is_loopback());
        match &self.token {
            Some(t) if t.expose().trim().len() < 16 => out.push((
                "metrics.token",
                "must be at least 16 characters; `openssl rand -hex 32` makes one".to_owned(),
            )),
            None if !loopback => out.push((
                "metrics.token",
                "is required unless metrics.bind is a loopback address (e.g. 127.0.0.1:9464): \
                 /metrics would be open to anyone who reaches the site"
                    .to_owned(),
            )),
            _ => {}
        }
        out
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingConfig {
    /// A tracing filter such as `info` or `info,appealmod_bot=debug`.
    pub level: String,
    pub console: ConsoleFormat,
    /// Directory of the daily-rotated log file; unset = no file.
    pub file_dir: Option<PathBuf>,
    /// File name prefix (`appealmod.log.2026-11-23`).
    pub file_prefix: String,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
            console: ConsoleFormat::Human,
            file_dir: Some(PathBuf::from("logs")),
            file_prefix: "appealmod.log".to_owned(),
        }
    }
}

impl WebhookConfig {
    pub fn channels(&self) -> [(&'static str, Option<&Secret>); 5] {
        [
            ("main", self.main.as_ref()),
            ("steps", self.steps.as_ref()),
            ("alerts", self.alerts.as_ref()),
            ("errors", self.errors.as_ref()),
            ("logging", self.logging.as_ref()),
        ]
    }
}

impl Config {
    /// The readout's window: `web.readout_window_days`, else the link's lifetime plus the
    /// days the bot keeps following a quiet appellant (by then an appeal is completed,
    /// handed over, taken over or abandoned, unless its user kept writing).
    pub fn readout_window_days(&self) -> u32 {
        self.web.readout_window_days.unwrap_or_else(|| {
            self.web
                .link_ttl_days
                .saturating_add(self.bot.update_cutoff)
        })
    }

    /// The settings a subreddit that set nothing gets, from this configuration: the one
    /// source of defaults for the bot, the console and the tests.
    pub fn settings_defaults(&self) -> Defaults {
        Defaults {
            messages: self.bot.messages.clone(),
            treatment_fraction: self.bot.treatment_fraction,
            cooldown_days: self.bot.appeal_cooldown_days,
            max_reminders: DEFAULT_MAX_REMINDERS,
            link_ttl_days: self.web.link_ttl_days,
            mod_notes: self.bot.reddit_mod_notes,
            fast_fill_secs: self.bot.fast_fill_secs,
            readout_window_days: self.readout_window_days(),
            language: Language::default(),
            recusal: false,
            public_debrief: false,
        }
    }
}
