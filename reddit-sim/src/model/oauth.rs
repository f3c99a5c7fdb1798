//! OAuth state: access tokens and whom they act for, the web app's single-use
//! authorization codes and refresh tokens, and one request budget per account.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use super::{Sim, key};
use crate::ratelimit::RateLimiter;

/// What an access token stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// Lower-cased account the token acts as.
    pub account: String,
    /// The OAuth app it was issued to.
    pub client_id: String,
    /// Granted scopes; `*` is every scope (the password grant of a script app).
    pub scopes: Vec<String>,
    /// When it stops working.
    pub expires: DateTime<Utc>,
}

impl Grant {
    /// Whether the token may call an endpoint that needs `scope`.
    pub fn allows(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == "*" || s == scope)
    }
}

/// A user's consent to the web app: behind an authorization code or a refresh token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebAppGrant {
    /// Lower-cased account that consented.
    pub account: String,
    /// Scopes consented to.
    pub scopes: Vec<String>,
    /// The `redirect_uri` of the authorization request; the code exchange must repeat it.
    pub redirect_uri: String,
    /// `duration=permanent`: the code exchange also hands out a refresh token.
    pub permanent: bool,
    /// End of a code's short life (unused for refresh tokens).
    pub expires: DateTime<Utc>,
}

/// Why a code exchange failed, as the `error` of Reddit's token answer.
pub const INVALID_GRANT: &str = "invalid_grant";

impl Sim {
    fn random_token(&mut self, prefix: &str) -> String {
        format!(
            "{prefix}-{:016x}{:016x}",
            self.rng.random::<u64>(),
            self.rng.random::<u64>()
        )
    }

    fn ttl(secs: u64) -> Duration {
        Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 2_000))
    }

    /// A new access token for `account`, valid for the configured lifetime.
    pub fn issue_token(
        &mut self,
        account: &str,
        client_id: &str,
        scopes: Vec<String>,
        now: DateTime<Utc>,
    ) -> String {
        let token = self.random_token("sim");
        let grant = Grant {
            account: key(account),
            client_id: client_id.to_owned(),
            scopes,
            expires: now + Self::ttl(self.cfg.token_ttl_secs),
        };
        self.grants.insert(token.clone(), grant);
        token
    }

    /// The grant behind a bearer token, if it is known and not expired.
    pub fn grant(&self, token: &str, now: DateTime<Utc>) -> Option<&Grant> {
        self.grants.get(token).filter(|g| now < g.expires)
    }

    /// Revokes every access token (refresh tokens stay, as after a normal expiry).
    pub fn expire_all_tokens(&mut self) {
        self.grants.clear();
    }

    /// A single-use authorization code for the web app.
    pub fn issue_code(&mut self, mut grant: WebAppGrant, now: DateTime<Utc>) -> String {
        let code = self.random_token("code");
        grant.expires = now + Self::ttl(self.cfg.web_app.code_ttl_secs);
        self.codes.insert(code.clone(), grant);
        code
    }

    /// Uses up `code`: it works once, before it expires, and only with the redirect URI of
    /// its authorization request. Anything else is `invalid_grant`, as on Reddit.
    pub fn redeem_code(
        &mut self,
        code: &str,
        redirect_uri: &str,
        now: DateTime<Utc>,
    ) -> Result<WebAppGrant, &'static str> {
        // Removed whatever happens next: a code is never good twice.
        let grant = self.codes.remove(code).ok_or(INVALID_GRANT)?;
        if now >= grant.expires || grant.redirect_uri != redirect_uri {
            return Err(INVALID_GRANT);
        }
        Ok(grant)
    }

    /// A refresh token for a permanent web-app grant.
    pub fn issue_refresh_token(&mut self, grant: WebAppGrant) -> String {
        let token = self.random_token("refresh");
        self.refresh_tokens.insert(token.clone(), grant);
        token
    }

    /// The consent behind a refresh token.
    pub fn refresh_grant(&self, token: &str) -> Option<WebAppGrant> {
        self.refresh_tokens.get(token).cloned()
    }

    /// The request budget of `account` (one window per account, all with the configured
    /// budget), opened on first use.
    pub fn rate_for(&mut self, account: &str) -> &mut RateLimiter {
        let (budget, window) = (self.cfg.rate_budget, self.cfg.rate_window_secs);
        self.rates
            .entry(account.to_owned())
            .or_insert_with(|| RateLimiter::new(budget, window))
    }

    /// New budget and window for every account; current windows start over.
    pub fn reconfigure_rates(&mut self, budget: u32, window_secs: u64) {
        self.cfg.rate_budget = budget;
        self.cfg.rate_window_secs = window_secs;
        self.rates.clear();
    }
}
