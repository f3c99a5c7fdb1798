//! The one typed configuration: a YAML file, then `APPEALMOD__SECTION__KEY` environment
//! overrides. Unknown keys are refused, every error names its key path, secrets never print.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::domain::{Messages, RedditUsername, SubredditName};

mod modmail;
mod placeholders;
mod problem;
mod strength;
mod url_mask;

pub use modmail::ModmailLinks;
use problem::Origins;
pub use problem::{Problem, Source};

/// Default location of the configuration file.
pub const DEFAULT_CONFIG_PATH: &str = "certs/config.yaml";
/// Environment variable naming another configuration file.
pub const CONFIG_PATH_ENV: &str = "APPEALMOD_CONFIG";
/// Prefix of environment overrides: `APPEALMOD__REDDIT__USERNAME=...`.
pub const ENV_PREFIX: &str = "APPEALMOD__";

/// A secret from the configuration. Printing or serialising it shows `[redacted]`.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(SecretString::from(s.into()))
    }
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("[redacted]")
    }
}

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
    origins: Origins,
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
        }
    }
}

/// Credentials the runners need, present and non-empty.
#[derive(Debug, Clone)]
pub struct RedditCredentials {
    pub username: String,
    pub password: Secret,
    pub client_id: String,
    pub client_secret: Secret,
}

impl RedditConfig {
    /// The runners cannot start without these; the site does not need them.
    pub fn credentials(&self) -> Result<RedditCredentials, ConfigError> {
        let missing = |key: &str| ConfigError::Invalid {
            path: format!("reddit.{key}"),
            message: "is required to run the bot: set it in the config file or via \
                      APPEALMOD__REDDIT__"
                .to_owned()
                + &key.to_ascii_uppercase(),
        };
        let username = self
            .username
            .clone()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("username"))?;
        let password = self
            .password
            .clone()
            .filter(|s| !s.expose().is_empty())
            .ok_or_else(|| missing("password"))?;
        let client_id = self
            .client_id
            .clone()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("client_id"))?;
        let client_secret = self
            .client_secret
            .clone()
            .filter(|s| !s.expose().is_empty())
            .ok_or_else(|| missing("client_secret"))?;
        Ok(RedditCredentials {
            username,
            password,
            client_id,
            client_secret,
        })
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
    /// Where a modmail conversation opens when the site links to one (the console, and the
    /// pages that send an appellant back to their conversation): a base URL the
    /// conversation id is appended to. Reddit's modmail by default.
    pub modmail_url: ModmailLinks,
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

/// A usable console login: the web app's credentials, the redirect URI and the session key.
#[derive(Debug, Clone)]
pub struct ConsoleLogin {
    pub client_id: String,
    pub client_secret: Secret,
    pub redirect_uri: String,
    pub auth_base_url: String,
    pub api_base_url: String,
    pub session_key: Secret,
    pub session_hours: u32,
    pub operators: Vec<RedditUsername>,
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
        }
    }
}

impl WebConfig {
    pub const MIN_SECRET_LEN: usize = 32;

    /// The console's login, when `web.login.client_id` is set: `Ok(None)` means no console
    /// (the site still serves appeal forms). A half-done setup is an error naming the key.
    pub fn console_login(&self) -> Result<Option<ConsoleLogin>, ConfigError> {
        let Some(client_id) = self
            .login
            .client_id
            .clone()
            .filter(|s| !s.trim().is_empty())
        else {
            return Ok(None);
        };
        let invalid = |path: &str, message: &str| ConfigError::Invalid {
            path: path.to_owned(),
            message: message.to_owned(),
        };
        let client_secret = self
            .login
            .client_secret
            .clone()
            .filter(|s| !s.expose().is_empty())
            .ok_or_else(|| {
                invalid(
                    "web.login.client_secret",
                    "is required with web.login.client_id: the secret of the Reddit web app \
                     (https://www.reddit.com/prefs/apps)",
                )
            })?;
        let session_key = self
            .session_key
            .clone()
            .filter(|s| s.expose().len() >= Self::MIN_SECRET_LEN)
            .ok_or_else(|| {
                invalid(
                    "web.session_key",
                    "is required with web.login.client_id and must be at least 32 characters; \
                     generate one with `openssl rand -hex 32`",
                )
            })?;
        let redirect_uri = self.login.redirect_uri.clone().unwrap_or_else(|| {
            format!(
                "{}/auth/reddit/callback",
                self.public_base_url.trim_end_matches('/')
            )
        });
        Ok(Some(ConsoleLogin {
            client_id,
            client_secret,
            redirect_uri,
            auth_base_url: self.login.auth_base_url.clone(),
            api_base_url: self.login.api_base_url.clone(),
            session_key,
            session_hours: self.session_hours,
            operators: self.operators.clone(),
        }))
    }

    /// The link-signing key; both the bot (which makes links) and the site need it.
    pub fn link_secret(&self) -> Result<&Secret, ConfigError> {
        match &self.link_secret {
            Some(s) if s.expose().len() >= Self::MIN_SECRET_LEN => Ok(s),
            Some(_) => Err(ConfigError::Invalid {
                path: "web.link_secret".to_owned(),
                message: format!(
                    "must be at least {} characters; generate one with `openssl rand -hex 32`",
                    Self::MIN_SECRET_LEN
                ),
            }),
            None => Err(ConfigError::Invalid {
                path: "web.link_secret".to_owned(),
                message: "is required to sign appeal links; generate one with \
                          `openssl rand -hex 32` and set it in the config file or via \
                          APPEALMOD__WEB__LINK_SECRET"
                    .to_owned(),
            }),
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

    fn problems(&self) -> Vec<(&'static str, String)> {
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

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "configuration file {path} not found. Create it from the example: \
         `mkdir -p certs && cp certs.example/config.yaml certs/config.yaml`, then edit it \
         (or choose another file with --config PATH or APPEALMOD_CONFIG)"
    )]
    NotFound { path: PathBuf },
    #[error("cannot read configuration file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not YAML; `location` is (line, column), both from 1.
    #[error("{origin}{}: syntax error: {message}", at_line(*.location))]
    Syntax {
        origin: String,
        location: Option<(usize, usize)>,
        message: String,
    },
    /// A key the program does not know, or a value of the wrong type.
    #[error("{0}")]
    Parse(Problem),
    #[error("configuration `{path}` {message}")]
    Invalid { path: String, message: String },
    /// Values of the right type that cannot work; all of them, so that one edit fixes all.
    #[error("{}", join_lines(.0))]
    InvalidValues(Vec<Problem>),
    /// The example's placeholders and keys too easy to guess
    /// ([`Config::refuse_placeholders`]); all of them.
    #[error("{}", join_lines(.0))]
    Placeholders(Vec<Problem>),
}

impl ConfigError {
    /// One line per problem, for printing each with the program's prefix.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Self::InvalidValues(problems) | Self::Placeholders(problems) => {
                problems.iter().map(Problem::to_string).collect()
            }
            other => vec![other.to_string()],
        }
    }
}

fn at_line(location: Option<(usize, usize)>) -> String {
    location
        .map(|(line, column)| format!(" line {line}, column {column}"))
        .unwrap_or_default()
}

fn join_lines(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    lines.join("\n")
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

    /// Which file to read: `--config` if given, else `APPEALMOD_CONFIG`, else the default.
    pub fn resolve_path(cli: Option<&Path>) -> PathBuf {
        cli.map(Path::to_path_buf)
            .or_else(|| std::env::var_os(CONFIG_PATH_ENV).map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_PATH))
    }

    /// Reads the file and applies the process environment's overrides.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::NotFound {
                    path: path.to_path_buf(),
                });
            }
            Err(source) => {
                return Err(ConfigError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Self::from_yaml_and_env(&text, &path.display().to_string(), std::env::vars())
    }

    /// Reads the file if it exists; otherwise starts from the defaults. Used by the commands
    /// that run on embedded defaults (the sandbox, `migrate`).
    pub fn load_or_default(path: &Path) -> Result<Self, ConfigError> {
        match Self::load(path) {
            Err(ConfigError::NotFound { .. }) => {
                Self::from_yaml_and_env("{}", "defaults", std::env::vars())
            }
            other => other,
        }
    }

    /// Parses YAML text, applies `APPEALMOD__…` overrides from `env`, validates. The
    /// example's placeholders pass: refusing them is [`Config::refuse_placeholders`].
    pub fn from_yaml_and_env(
        text: &str,
        origin: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut value = parse_yaml(text, origin)?;
        let mut origins = Origins::new(origin);
        apply_env(&mut value, env, &mut origins)?;
        let mut config: Config =
            serde_path_to_error::deserialize(value).map_err(|e| type_error(e, &origins))?;
        config.origins = origins;
        config.validate()?;
        Ok(config)
    }

    /// Refuses the example's placeholder values (see `config/placeholders.rs`) and keys too
    /// easy to guess (`config/strength.rs`), naming every one and what to put instead. A
    /// separate step from parsing: the example must stay a valid file, and the embedded
    /// defaults hold no placeholder.
    pub fn refuse_placeholders(&self) -> Result<(), ConfigError> {
        let mut found = placeholders::find(self);
        found.extend(strength::find(self, &found));
        if found.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Placeholders(found))
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let problems = self.invalid_values();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::InvalidValues(problems))
        }
    }

    /// Every value that has the right type but cannot work.
    fn invalid_values(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut bad =
            |key: &str, message: String| problems.push(self.origins.problem(key, message));
        for (key, message) in self.invalid_bot_values() {
            bad(key, message);
        }
        // 0 reads like "never expires" (as `mongodb.log_ttl_days: 0` does), but it would
        // make every appeal link expire the moment the bot sends it.
        if self.web.readout_window_days == Some(0) {
            bad(
                "web.readout_window_days",
                "must be at least 1 (days), or unset for the link lifetime plus \
                 bot.update_cutoff"
                    .to_owned(),
            );
        }
        if self.web.link_ttl_days == 0 {
            bad(
                "web.link_ttl_days",
                "must be at least 1 (days): 0 would make every appeal link expire the moment \
                 it is sent; the default is 30"
                    .to_owned(),
            );
        }
        for (key, value) in [
            ("reddit.auth_base_url", self.reddit.auth_base_url.as_str()),
            ("reddit.api_base_url", self.reddit.api_base_url.as_str()),
            ("web.public_base_url", self.web.public_base_url.as_str()),
        ] {
            if let Err(m) = check_http_url(value) {
                bad(key, m);
            }
        }
        for (key, message) in self.invalid_webhooks() {
            bad(&key, message);
        }
        for (key, message) in self.invalid_connection_values() {
            bad(key, message);
        }
        for (key, message) in self.invalid_console_values() {
            bad(key, message);
        }
        for (key, message) in self.metrics.problems() {
            bad(key, message);
        }
        if self.web.link_secret.is_some()
            && let Err(ConfigError::Invalid { message, .. }) = self.web.link_secret()
        {
            bad("web.link_secret", message);
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.logging.level) {
            bad(
                "logging.level",
                format!("is not a valid filter ({e}); try `info` or `debug`"),
            );
        }
        problems
    }

    /// Values of the `bot` section that cannot work.
    fn invalid_bot_values(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let mut bad = |key: &'static str, message: String| problems.push((key, message));
        if !(0.0..=1.0).contains(&self.bot.treatment_fraction) {
            bad(
                "bot.treatment_fraction",
                format!(
                    "must be between 0.0 and 1.0, got {}",
                    self.bot.treatment_fraction
                ),
            );
        }
        if self.bot.dialogue_update_interval == 0 {
            bad(
                "bot.dialogue_update_interval",
                "must be at least 1 (seconds)".to_owned(),
            );
        }
        if self.bot.update_cutoff == 0 {
            bad("bot.update_cutoff", "must be at least 1 (days)".to_owned());
        }
        // A read-back sooner than a request can last would miss a write that lands late.
        // (The lease may be shorter: a taken-over entry is read back only after the settle
        // time, so a live attempt cannot be doubled by its new holder.)
        let timeout = self.reddit.request_timeout_secs;
        if self.bot.settle_secs <= timeout {
            bad(
                "bot.settle_secs",
                format!(
                    "must be longer than reddit.request_timeout_secs ({timeout}): a write may \
                     land after the client stopped waiting; the default is 60"
                ),
            );
        }
        // Renewed every third of it: a shorter lease would be lost to one slow database
        // write. A long one only delays the take-over of a dead sender's entries.
        if !(6..=3600).contains(&self.bot.lease_secs) {
            bad(
                "bot.lease_secs",
                "must be between 6 and 3600 (seconds); the default is 15".to_owned(),
            );
        }
        if self.bot.permission_retry_minutes == 0 {
            bad(
                "bot.permission_retry_minutes",
                "must be at least 1 (minutes)".to_owned(),
            );
        }
        if !(1..=60).contains(&self.bot.attention_check_minutes) {
            bad(
                "bot.attention_check_minutes",
                "must be between 1 and 60 (minutes); the default is 5".to_owned(),
            );
        }
        problems
    }

    /// Console login settings that cannot work.
    fn invalid_console_values(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if let Err(ConfigError::Invalid { path, message }) = self.web.console_login() {
            let key = if path == "web.session_key" {
                "web.session_key"
            } else {
                "web.login.client_secret"
            };
            problems.push((key, message));
        }
        if self.web.session_hours == 0 || self.web.session_hours > 24 * 7 {
            problems.push((
                "web.session_hours",
                format!(
                    "must be between 1 and 168 (hours), got {}; the default is 12",
                    self.web.session_hours
                ),
            ));
        }
        problems.extend(self.invalid_login_limits());
        let urls = [
            (
                "web.login.auth_base_url",
                Some(&self.web.login.auth_base_url),
            ),
            ("web.login.api_base_url", Some(&self.web.login.api_base_url)),
            (
                "web.login.redirect_uri",
                self.web.login.redirect_uri.as_ref(),
            ),
        ];
        for (key, value) in urls {
            if let Some(Err(m)) = value.map(|v| check_http_url(v)) {
                problems.push((key, m));
            }
        }
        problems
    }

    /// The console's idle timeout and login rate limits, when they cannot work.
    fn invalid_login_limits(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let idle = self.web.session_idle_minutes;
        if idle == 0 || idle > 24 * 7 * 60 {
            problems.push((
                "web.session_idle_minutes",
                format!("must be between 1 and 10080 (minutes), got {idle}; the default is 60"),
            ));
        }
        let limits = [
            (
                "web.login_rate_per_minute",
                self.web.login_rate_per_minute,
                30,
            ),
            (
                "web.token_exchanges_per_minute",
                self.web.token_exchanges_per_minute,
                60,
            ),
        ];
        for (key, value, default) in limits {
            if value == 0 {
                problems.push((
                    key,
                    format!(
                        "must be at least 1: 0 would refuse every login; the default is {default}"
                    ),
                ));
            }
        }
        problems
    }

    /// Database, MongoDB and Reddit connection settings that cannot work.
    fn invalid_connection_values(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let db = self.database.url.expose();
        if !(db.starts_with("sqlite:")
            || db.starts_with("postgres://")
            || db.starts_with("postgresql://"))
        {
            problems.push((
                "database.url",
                "must start with sqlite:// (embedded file) or postgres:// (server)".to_owned(),
            ));
        }
        if !(100..=60_000).contains(&self.database.web_acquire_timeout_ms) {
            problems.push((
                "database.web_acquire_timeout_ms",
                "must be between 100 and 60000 (milliseconds); the default is 1500".to_owned(),
            ));
        }
        if let Some(uri) = &self.mongodb.uri {
            let u = uri.expose();
            if !(u.starts_with("mongodb://") || u.starts_with("mongodb+srv://")) {
                problems.push((
                    "mongodb.uri",
                    "must start with mongodb:// or mongodb+srv://".to_owned(),
                ));
            }
        }
        if self.reddit.user_agent.trim().is_empty() {
            problems.push((
                "reddit.user_agent",
                "must not be empty: Reddit rejects requests without one".to_owned(),
            ));
        }
        problems
    }

    /// The effective settings as YAML. Secrets show as `[redacted]`, except that the
    /// database and MongoDB URLs show everything but their password: which host and
    /// database the processes use is what an operator checks there.
    pub fn to_redacted_yaml(&self) -> String {
        let mut value = match serde_yaml::to_value(self) {
            Ok(v) => v,
            Err(e) => return format!("<cannot print configuration: {e}>"),
        };
        let urls = [
            ("database", "url", Some(&self.database.url)),
            ("mongodb", "uri", self.mongodb.uri.as_ref()),
        ];
        for (section, key, url) in urls {
            if let (Some(url), Some(slot)) =
                (url, value.get_mut(section).and_then(|s| s.get_mut(key)))
            {
                *slot = serde_yaml::Value::String(url_mask::mask_url_password(url.expose()));
            }
        }
        serde_yaml::to_string(&value)
            .unwrap_or_else(|e| format!("<cannot print configuration: {e}>"))
    }
}

/// The file's text as a YAML tree; an empty file (or `~`) is an empty mapping.
fn parse_yaml(text: &str, origin: &str) -> Result<serde_yaml::Value, ConfigError> {
    if text.trim().is_empty() {
        return Ok(serde_yaml::Value::Mapping(Default::default()));
    }
    match serde_yaml::from_str::<serde_yaml::Value>(text) {
        Ok(serde_yaml::Value::Null) => Ok(serde_yaml::Value::Mapping(Default::default())),
        Ok(value) => Ok(value),
        Err(e) => {
            let location = e.location().map(|l| (l.line(), l.column()));
            let mut message = e.to_string();
            // serde_yaml repeats the position inside the message; it is already in front.
            if let Some((line, column)) = location {
                message = message.replacen(&format!(" at line {line} column {column}"), "", 1);
            }
            Err(ConfigError::Syntax {
                origin: origin.to_owned(),
                location,
                message,
            })
        }
    }
}

/// A key the program does not know, or a value of the wrong type, blamed on its source.
fn type_error(e: serde_path_to_error::Error<serde_yaml::Error>, origins: &Origins) -> ConfigError {
    let path: Vec<String> = e.path().iter().map(|s| s.to_string()).collect();
    let key = match e.path().to_string() {
        top if top == "." => "(top level)".to_owned(),
        key => key,
    };
    let origin = origins.source_of(&path);
    let mut message = explain(&e.into_inner().to_string());
    if matches!(origin, Source::Env(_)) && message.starts_with("invalid type") {
        message.push_str(". Environment values are read as YAML scalars: true, false, 0.25, ~");
    }
    ConfigError::Parse(Problem {
        origin,
        key,
        message,
    })
}

/// Applies the `APPEALMOD__SECTION__KEY` overrides in `env`, noting which keys each set.
fn apply_env(
    value: &mut serde_yaml::Value,
    env: impl IntoIterator<Item = (String, String)>,
    origins: &mut Origins,
) -> Result<(), ConfigError> {
    for (key, raw) in env {
        let Some(rest) = key.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        if path.iter().any(String::is_empty) {
            return Err(ConfigError::Invalid {
                path: key.clone(),
                message: "is not a valid override name (expected APPEALMOD__SECTION__KEY)"
                    .to_owned(),
            });
        }
        set_path(value, &path, parse_env_value(&raw)).map_err(|message| {
            ConfigError::Parse(Problem {
                origin: Source::Env(key.clone()),
                key: path.join("."),
                message,
            })
        })?;
        origins.record_override(path, &key);
    }
    Ok(())
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
    /// `slack.*` and `discord.*` hooks that are not URLs, or obviously the other service's.
    fn invalid_webhooks(&self) -> Vec<(String, String)> {
        let sections: [(&str, &WebhookConfig, HookCheck); 2] = [
            ("slack", &self.slack, check_slack_hook),
            ("discord", &self.discord, check_discord_hook),
        ];
        let mut problems = Vec::new();
        for (section, hooks, check) in sections {
            for (name, hook) in hooks.channels() {
                let Some(url) = hook.map(|h| h.expose().trim()) else {
                    continue;
                };
                // Empty is "off", as the sinks read it.
                if url.is_empty() {
                    continue;
                }
                // Unlike `check_http_url`, never quotes the value: a hook URL is a secret.
                let checked = match url::Url::parse(url) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                        check(&u)
                    }
                    Ok(_) => Err("must be an http(s) URL".to_owned()),
                    Err(e) => Err(format!("is not a URL ({e})")),
                };
                if let Err(m) = checked {
                    problems.push((format!("{section}.{name}"), m));
                }
            }
        }
        problems
    }
}

/// What a section requires of a hook URL beyond being http(s).
type HookCheck = fn(&url::Url) -> Result<(), String>;

fn is_discord_host(u: &url::Url) -> bool {
    u.host_str().is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        ["discord.com", "discordapp.com"]
            .iter()
            .any(|d| h == *d || h.ends_with(&format!(".{d}")))
    })
}

fn is_slack_host(u: &url::Url) -> bool {
    u.host_str()
        .is_some_and(|h| h.eq_ignore_ascii_case("hooks.slack.com"))
}

/// A Discord webhook in the `slack` section gets `{"text": …}`, which Discord refuses,
/// unless it is Discord's Slack-compatible endpoint (`…/slack`).
fn check_slack_hook(u: &url::Url) -> Result<(), String> {
    if is_discord_host(u) && !u.path().trim_end_matches('/').ends_with("/slack") {
        return Err("is a Discord webhook URL: put it in the `discord` section".to_owned());
    }
    Ok(())
}

/// Other hosts (a relay, a local receiver) are taken as they are; Discord's own URLs must
/// be webhook URLs as Discord shows them (`https://discord.com/api/webhooks/{id}/{token}`).
fn check_discord_hook(u: &url::Url) -> Result<(), String> {
    if is_slack_host(u) {
        return Err("is a Slack webhook URL: put it in the `slack` section".to_owned());
    }
    if !is_discord_host(u) {
        return Ok(());
    }
    let segments: Vec<&str> = u.path_segments().map(Iterator::collect).unwrap_or_default();
    let rest = match segments.as_slice() {
        ["api", "webhooks", rest @ ..] => rest,
        ["api", v, "webhooks", rest @ ..] if v.starts_with('v') => rest,
        _ => &[][..],
    };
    let advice = "copy the URL from the channel's Integrations > Webhooks > Copy Webhook URL";
    let is_id = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match rest {
        [id, token] if is_id(id) && !token.is_empty() => {
            if u.scheme() == "https" {
                Ok(())
            } else {
                Err(format!("must be https:// ({advice})"))
            }
        }
        [_, _, kind @ ("slack" | "github")] => Err(format!(
            "ends in /{kind}, Discord's endpoint for {kind}-shaped messages: drop /{kind} ({advice})"
        )),
        _ => Err(format!(
            "is not a Discord webhook URL (https://discord.com/api/webhooks/ID/TOKEN): {advice}"
        )),
    }
}

fn check_http_url(s: &str) -> Result<(), String> {
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(_) => Err(format!("must be an http(s) URL, got {s:?}")),
        Err(e) => Err(format!("is not a URL ({e})")),
    }
}

/// serde's messages for unknown fields are accurate but terse; say what to do.
fn explain(inner: &str) -> String {
    if inner.starts_with("unknown field") {
        format!("{inner}. Check the spelling against certs.example/config.yaml")
    } else {
        inner.to_owned()
    }
}

/// Environment values are YAML scalars (`true`, `0.5`, `~`); anything else is a string.
fn parse_env_value(raw: &str) -> serde_yaml::Value {
    match serde_yaml::from_str::<serde_yaml::Value>(raw) {
        Ok(
            v @ (serde_yaml::Value::Bool(_)
            | serde_yaml::Value::Number(_)
            | serde_yaml::Value::Null),
        ) => v,
        Ok(v @ serde_yaml::Value::Sequence(_)) if raw.trim_start().starts_with('[') => v,
        _ => serde_yaml::Value::String(raw.to_owned()),
    }
}

fn set_path(
    root: &mut serde_yaml::Value,
    path: &[String],
    v: serde_yaml::Value,
) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Ok(());
    };
    let mut cur = root;
    for p in parents {
        let map = cur
            .as_mapping_mut()
            .ok_or_else(|| format!("cannot set `{p}`: its parent is not a section"))?;
        let key = serde_yaml::Value::String(p.clone());
        cur = map
            .entry(key)
            .or_insert_with(|| serde_yaml::Value::Mapping(Default::default()));
        if cur.is_null() {
            *cur = serde_yaml::Value::Mapping(Default::default());
        }
    }
    let map = cur
        .as_mapping_mut()
        .ok_or_else(|| format!("cannot set `{last}`: its parent is not a section"))?;
    map.insert(serde_yaml::Value::String(last.clone()), v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_yaml_and_env(
            yaml,
            "test.yaml",
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../certs.example/config.yaml");

    fn example() -> Config {
        let text = std::fs::read_to_string(EXAMPLE).expect("certs.example/config.yaml exists");
        Config::from_yaml_and_env(&text, "certs/config.yaml", std::iter::empty())
            .expect("example parses")
    }

    #[test]
    fn example_config_parses() {
        let c = example();
        assert!(
            c.reddit.credentials().is_ok(),
            "the example fills every Reddit key"
        );
        assert!(c.web.link_secret().is_ok());
        assert!(c.slack.main.is_some());
    }

    #[test]
    fn example_config_is_refused_naming_every_placeholder() {
        let err = example().refuse_placeholders().unwrap_err();
        let ConfigError::Placeholders(problems) = &err else {
            panic!("expected placeholders, got {err}");
        };
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "reddit.password",
                "reddit.client_id",
                "reddit.client_secret",
                "web.link_secret",
                "web.login.client_id",
                "web.login.client_secret",
                "web.session_key",
                "slack.main"
            ],
            "{err}"
        );
        for p in problems {
            assert_eq!(p.origin, Source::File("certs/config.yaml".into()));
        }
        let text = err.to_string();
        assert!(
            text.contains(
                "certs/config.yaml: `web.link_secret` is the example's value: anyone who read \
                 the repository could forge appeal links. Generate one: openssl rand -hex 32"
            ),
            "{text}"
        );
        assert_eq!(err.lines().len(), 8, "one line per placeholder: {text}");
    }

    /// The values `./run.sh sandbox` writes (simulator-only credentials, a random secret).
    #[test]
    fn sandbox_config_is_not_refused() {
        let c = parse(
            "reddit:\n  username: appealmod_bot\n  password: sandbox-password\n  \
             client_id: sandbox-client\n  client_secret: sandbox-secret\n  \
             auth_base_url: http://127.0.0.1:9\n  api_base_url: http://127.0.0.1:9\n\
             database:\n  url: sqlite:///tmp/appealmod-sandbox.x/appealmod.sqlite\n\
             web:\n  link_secret: 5f2b9c0e4d6a8b1c3e5f7a9b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d\n",
            &[],
        )
        .expect("parses");
        c.refuse_placeholders()
            .expect("the sandbox's values are not placeholders");
        assert!(
            parse("", &[])
                .expect("defaults")
                .refuse_placeholders()
                .is_ok()
        );
    }

    #[test]
    fn placeholder_passwords_in_urls_are_refused() {
        let c = parse(
            "database:\n  url: postgres://appealmod:change-me@db:5432/appealmod\n\
             mongodb:\n  uri: mongodb://logs:password@mongo:27017\n",
            &[],
        )
        .expect("parses");
        let err = c.refuse_placeholders().unwrap_err().to_string();
        assert!(
            err.contains("`database.url` holds the example's placeholder password"),
            "{err}"
        );
        assert!(
            err.contains("`mongodb.uri` holds the example's placeholder password"),
            "{err}"
        );
        assert!(
            !err.contains("change-me@"),
            "the URL itself is not printed: {err}"
        );
        let real = parse(
            "database:\n  url: postgres://appealmod:Xk2v9qLr@db:5432/appealmod\n",
            &[],
        )
        .expect("parses");
        assert!(real.refuse_placeholders().is_ok());
    }

    #[test]
    fn keys_too_easy_to_guess_are_refused() {
        let yaml = format!(
            "web:\n  link_secret: {}\n  session_key: 0123456789abcdef0123456789abcdef\n",
            "a".repeat(32)
        );
        let c = parse(&yaml, &[]).expect("long enough to parse");
        let lines = c.refuse_placeholders().unwrap_err().lines();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with(
                "test.yaml: `web.link_secret` is too easy to guess: it has 1 different \
                 characters (at least 8 needed). Generate one: openssl rand -hex 32"
            ),
            "{lines:?}"
        );
        assert!(
            lines[1].starts_with(
                "test.yaml: `web.session_key` is too easy to guess: about 32 bits of entropy \
                 estimated (at least 112 needed)"
            ),
            "{lines:?}"
        );
        let c = parse("", &[("APPEALMOD__WEB__LINK_SECRET", &"ab".repeat(16))]).expect("parses");
        let err = c.refuse_placeholders().unwrap_err().to_string();
        assert!(
            err.starts_with(
                "environment variable APPEALMOD__WEB__LINK_SECRET: `web.link_secret` is too \
                 easy to guess"
            ),
            "{err}"
        );
        // The example's placeholder is reported once, as the placeholder it is.
        let placeholder = parse(
            "web:\n  link_secret: replace-with-the-output-of-openssl-rand-hex-32\n",
            &[],
        )
        .expect("parses");
        let lines = placeholder.refuse_placeholders().unwrap_err().lines();
        assert_eq!(lines.len(), 1, "{lines:?}");
    }

    #[test]
    fn placeholders_from_the_environment_name_the_variable() {
        let c = parse("", &[("APPEALMOD__REDDIT__PASSWORD", "change-me")]).expect("parses");
        let err = c.refuse_placeholders().unwrap_err().to_string();
        assert!(
            err.starts_with("environment variable APPEALMOD__REDDIT__PASSWORD: `reddit.password`"),
            "{err}"
        );
    }

    #[test]
    fn link_ttl_of_zero_days_is_refused() {
        let err = parse("web:\n  link_ttl_days: 0\n", &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`web.link_ttl_days` must be at least 1 (days)"),
            "{err}"
        );
    }

    #[test]
    fn the_readout_window_is_the_link_lifetime_plus_the_cutoff_unless_set() {
        let c = parse("", &[]).expect("defaults");
        assert_eq!(c.readout_window_days(), 30 + 14);
        let c = parse("web:\n  link_ttl_days: 7\nbot:\n  update_cutoff: 3\n", &[]).expect("parses");
        assert_eq!(c.readout_window_days(), 10);
        let c = parse("web:\n  readout_window_days: 21\n", &[]).expect("parses");
        assert_eq!(c.readout_window_days(), 21);
        let err = parse("web:\n  readout_window_days: 0\n", &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`web.readout_window_days` must be at least 1 (days)"),
            "{err}"
        );
    }

    #[test]
    fn every_invalid_value_is_reported_at_once() {
        let err = parse(
            "bot:\n  treatment_fraction: 1.5\n  update_cutoff: 0\nlogging:\n  level: \"info,=x=\"\n",
            &[],
        )
        .unwrap_err();
        let lines = err.lines();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].contains("bot.treatment_fraction"), "{lines:?}");
        assert!(lines[1].contains("bot.update_cutoff"), "{lines:?}");
        assert!(lines[2].contains("logging.level"), "{lines:?}");
    }

    #[test]
    fn invalid_env_value_names_the_variable_not_the_file() {
        let err = parse(
            "bot:\n  debug: false\n",
            &[("APPEALMOD__BOT__DEBUG", "yes")],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("environment variable APPEALMOD__BOT__DEBUG: `bot.debug` invalid type"),
            "{err}"
        );
        assert!(!err.contains("test.yaml"), "{err}");
        let err = parse("", &[("APPEALMOD__BOT__TREATMENT_FRACTION", "1.5")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("environment variable APPEALMOD__BOT__TREATMENT_FRACTION:"),
            "{err}"
        );
        // A bad value in the file is still the file's.
        let err = parse(
            "bot:\n  debug: yes please\n",
            &[("APPEALMOD__BOT__RNG_SEED", "1")],
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("test.yaml: `bot.debug`"), "{err}");
    }

    #[test]
    fn the_sites_wait_for_a_connection_is_bounded() {
        assert_eq!(
            parse("", &[])
                .expect("defaults")
                .database
                .web_acquire_timeout_ms,
            1500
        );
        for bad in ["0", "99", "60001"] {
            let err = parse("", &[("APPEALMOD__DATABASE__WEB_ACQUIRE_TIMEOUT_MS", bad)])
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("`database.web_acquire_timeout_ms` must be between 100 and 60000"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn yaml_syntax_error_names_line_and_column() {
        let err = parse("bot:\n  debug: false\n treatment_fraction: 0.5\n", &[]).unwrap_err();
        let ConfigError::Syntax { location, .. } = &err else {
            panic!("expected a syntax error, got {err}");
        };
        let (line, column) = location.expect("a position");
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "test.yaml line {line}, column {column}: syntax error: "
            )),
            "{text}"
        );
        assert_eq!(line, 3, "{text}");
        assert!(
            !text.contains(&format!("at line {line} column {column}")),
            "said once: {text}"
        );
    }

    #[test]
    fn printed_urls_mask_only_their_password() {
        let c = parse(
            "database:\n  url: postgres://appealmod:dbpass@db:5432/appealmod\n\
             mongodb:\n  uri: mongodb://logs:mongopass@mongo:27017/?authSource=admin\n\
             reddit:\n  password: hunter2hunter2\n",
            &[],
        )
        .expect("parses");
        let printed = c.to_redacted_yaml();
        assert!(
            printed.contains("url: postgres://appealmod:[redacted]@db:5432/appealmod"),
            "{printed}"
        );
        assert!(
            printed.contains("uri: mongodb://logs:[redacted]@mongo:27017/?authSource=admin"),
            "{printed}"
        );
        assert!(
            printed.contains("password: '[redacted]'")
                || printed.contains("password: \"[redacted]\""),
            "{printed}"
        );
        for secret in ["dbpass", "mongopass", "hunter2"] {
            assert!(!printed.contains(secret), "{secret} leaked:\n{printed}");
        }
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = parse("", &[]).expect("defaults");
        assert_eq!(c.bot.treatment_fraction, 0.5);
        assert_eq!(c.database.url.expose(), "sqlite://data/appealmod.sqlite");
        assert!(c.mongodb.uri.is_none());
        assert!(c.reddit.credentials().is_err());
    }

    #[test]
    fn typo_is_reported_with_its_path() {
        let err = parse("bot:\n  treatment_fracton: 0.3\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("`bot.treatment_fracton`"), "{err}");
        assert!(err.contains("unknown field `treatment_fracton`"), "{err}");
        assert!(
            err.contains("treatment_fraction"),
            "names the expected keys: {err}"
        );
    }

    #[test]
    fn wrong_type_is_reported_with_its_path() {
        let err = parse("bot:\n  dialogue_update_interval: soon\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("bot.dialogue_update_interval"), "{err}");
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let err = parse("bot:\n  treatment_fraction: 1.5\n", &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bot.treatment_fraction") && err.contains("between 0.0 and 1.0"),
            "{err}"
        );
        let err = parse("database:\n  url: mysql://x\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("database.url"), "{err}");
        let err = parse("web:\n  link_secret: short\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("web.link_secret"), "{err}");
    }

    #[test]
    fn env_overrides_file() {
        let c = parse(
            "bot:\n  debug: false\nreddit:\n  username: filebot\n",
            &[
                ("APPEALMOD__BOT__DEBUG", "true"),
                ("APPEALMOD__BOT__TREATMENT_FRACTION", "0.25"),
                ("APPEALMOD__REDDIT__PASSWORD", "hunter2"),
                ("APPEALMOD__SLACK__ERRORS", "http://127.0.0.1:9/hook"),
                ("OTHER_VAR", "ignored"),
            ],
        )
        .expect("parses");
        assert!(c.bot.debug);
        assert_eq!(c.bot.treatment_fraction, 0.25);
        assert_eq!(c.reddit.username.as_deref(), Some("filebot"));
        assert_eq!(
            c.reddit.password.as_ref().map(Secret::expose),
            Some("hunter2")
        );
        assert!(c.slack.errors.is_some());
    }

    #[test]
    fn env_typo_is_refused() {
        let err = parse("", &[("APPEALMOD__BOT__DEBUGG", "true")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `debugg`"), "{err}");
    }

    #[test]
    fn secrets_never_print() {
        let c = parse(
            "reddit:\n  password: hunter2hunter2\n  client_secret: topsecretvalue\nweb:\n  link_secret: 0123456789abcdef0123456789abcdef\nslack:\n  main: https://hooks.slack.com/services/T000/B000/XXXXSECRET\n",
            &[("APPEALMOD__DATABASE__URL", "postgres://user:dbpass@localhost/app")],
        )
        .expect("parses");
        let printed = format!("{}\n{:?}", c.to_redacted_yaml(), c);
        for secret in [
            "hunter2hunter2",
            "topsecretvalue",
            "0123456789abcdef",
            "XXXXSECRET",
            "dbpass",
        ] {
            assert!(!printed.contains(secret), "{secret} leaked:\n{printed}");
        }
        assert!(printed.contains("[redacted]"));
    }
}
