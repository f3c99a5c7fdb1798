//! Configuration of one simulator instance.

use std::fmt;
use std::net::SocketAddr;

/// The bot's Reddit account and OAuth "script" app credentials the simulator accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct BotAccount {
    /// Reddit username of the bot; it becomes a moderator of every subreddit created with
    /// `bot_is_mod: true`.
    pub username: String,
    /// Password for the `password` grant.
    pub password: String,
    /// OAuth client id (HTTP Basic user of `/api/v1/access_token`).
    pub client_id: String,
    /// OAuth client secret (HTTP Basic password of `/api/v1/access_token`).
    pub client_secret: String,
}

impl Default for BotAccount {
    fn default() -> Self {
        Self {
            username: "appealmod_bot".to_owned(),
            password: "sim-password".to_owned(),
            client_id: "sim-client-id".to_owned(),
            client_secret: "sim-client-secret".to_owned(),
        }
    }
}

// Secrets stay out of logs even when a config is debug-printed.
impl fmt::Debug for BotAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotAccount")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// The OAuth "web app" the moderator console logs in with (authorization-code grant).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebApp {
    /// OAuth client id (`client_id` of `/api/v1/authorize`, HTTP Basic user of the token call).
    pub client_id: String,
    /// OAuth client secret (HTTP Basic password of the token call).
    pub client_secret: String,
    /// The one redirect URI registered for the app; authorize requests must name it exactly.
    pub redirect_uri: String,
    /// Lifetime of an authorization code (Reddit: a few minutes).
    #[serde(default = "default_code_ttl")]
    pub code_ttl_secs: u64,
}

fn default_code_ttl() -> u64 {
    600
}

impl Default for WebApp {
    fn default() -> Self {
        Self {
            client_id: "sim-web-client-id".to_owned(),
            client_secret: "sim-web-client-secret".to_owned(),
            redirect_uri: "http://127.0.0.1:8080/auth/reddit/callback".to_owned(),
            code_ttl_secs: default_code_ttl(),
        }
    }
}

impl fmt::Debug for WebApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uri", &self.redirect_uri)
            .field("code_ttl_secs", &self.code_ttl_secs)
            .finish()
    }
}

/// Everything that decides how a simulator behaves. `Default` gives Reddit's own limits.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Seeds id counters and token strings: the same seed and the same script give the
    /// same ids.
    pub seed: u64,
    /// The bot's account and script app (password grant).
    pub bot: BotAccount,
    /// More bot accounts, each with its own script app and its own request budget (a pool
    /// of accounts); made moderators like any user (`set_moderator`, invites).
    pub extra_bots: Vec<BotAccount>,
    /// The web app simulated users log in to (authorization-code grant).
    pub web_app: WebApp,
    /// Lifetime of an access token (Reddit: 86400).
    pub token_ttl_secs: u64,
    /// Requests allowed per rate-limit window (Reddit: 600).
    pub rate_budget: u32,
    /// Length of a rate-limit window in seconds (Reddit: 600).
    pub rate_window_secs: u64,
    /// Address to bind; port 0 picks a free port.
    pub bind: SocketAddr,
    /// actix worker threads.
    pub workers: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            bot: BotAccount::default(),
            extra_bots: Vec::new(),
            web_app: WebApp::default(),
            token_ttl_secs: 3600,
            rate_budget: 600,
            rate_window_secs: 600,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            workers: 2,
        }
    }
}
