//! The console's Reddit login: a Reddit "web app" and the OAuth authorization-code grant.
//!
//! The site sends the moderator to [`WebLogin::authorize_url`], Reddit sends them back with
//! a single-use code, [`WebLogin::exchange`] turns it into a short-lived token (HTTP Basic
//! auth with the app's id and secret), and [`WebLogin::me`] and [`WebLogin::moderated`] read
//! who they are and what they moderate. The token is the moderator's own, asked for with
//! `duration=temporary` (no refresh token), and is dropped once those two calls are done:
//! the site never keeps it nor uses it for anything else.

use std::time::Duration;

use appealmod_core::domain::{ModeratedSubreddit, RedditUsername};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};

use crate::wire;

/// The scopes the console asks for: who you are (`identity`) and what you moderate
/// (`mysubreddits`). Nothing that can read or change anything else.
pub const SCOPES: &[&str] = &["identity", "mysubreddits"];

/// Pages of 100 moderated subreddits read at most (a moderator of more than 1,000 sees the
/// first 1,000).
const MAX_PAGES: usize = 10;

/// The web app, as registered at https://www.reddit.com/prefs/apps.
#[derive(Debug, Clone)]
pub struct WebApp {
    pub client_id: String,
    pub client_secret: SecretString,
    pub redirect_uri: String,
    /// Where the consent page and the token endpoint are (`https://www.reddit.com`).
    pub auth_base_url: String,
    /// Where the API is (`https://oauth.reddit.com`).
    pub api_base_url: String,
    pub user_agent: String,
    pub timeout: Duration,
}

/// Why a login failed. Every variant is shown to the moderator as a page saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Reddit refused the code: used already, expired, or for another redirect URI.
    #[error("Reddit refused the login code ({0}); it may have been used already or expired")]
    CodeRefused(String),
    /// Reddit refused the web app's id or secret (401 from the token endpoint).
    #[error("Reddit refused the web app's credentials: check web.login.client_id / client_secret")]
    BadClient,
    /// The token does not carry a scope the console needs (the moderator unticked one).
    #[error("Reddit did not grant the console the access it needs ({0})")]
    Scope(String),
    /// Reddit did not answer, or answered 5xx.
    #[error("Reddit did not answer the login ({0}); try again in a minute")]
    Unavailable(String),
    /// Reddit answered in a shape this client does not know.
    #[error("could not read Reddit's answer to the login: {0}")]
    Decode(String),
}

/// A moderator's access token, valid for the few calls of one login. Never printed.
pub struct UserToken(SecretString);

impl std::fmt::Debug for UserToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserToken([redacted])")
    }
}

/// The web app's client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct WebLogin {
    app: WebApp,
    http: reqwest::Client,
}

fn percent(v: &str) -> String {
    url_encode(v)
}

/// `application/x-www-form-urlencoded`-style encoding of a query value.
fn url_encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl WebLogin {
    pub fn new(app: WebApp) -> Result<Self, LoginError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(app.user_agent.clone())
            .timeout(app.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| LoginError::Unavailable(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { app, http })
    }

    /// Where to send the moderator: Reddit's consent page for this app, with `state` (the
    /// caller binds it to the browser's session and checks it on the way back).
    pub fn authorize_url(&self, state: &str) -> String {
        format!(
            "{}/api/v1/authorize?client_id={}&response_type=code&state={}&redirect_uri={}&duration=temporary&scope={}",
            self.app.auth_base_url.trim_end_matches('/'),
            percent(&self.app.client_id),
            percent(state),
            percent(&self.app.redirect_uri),
            percent(&SCOPES.join(" ")),
        )
    }

    /// Trades the code Reddit sent back for the moderator's token. Never retried: a code
    /// works once, so a second try after a lost answer could only be refused.
    pub async fn exchange(&self, code: &str) -> Result<UserToken, LoginError> {
        let url = format!(
            "{}/api/v1/access_token",
            self.app.auth_base_url.trim_end_matches('/')
        );
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.app.redirect_uri.as_str()),
        ];
        let resp = self
            .http
            .post(&url)
            .basic_auth(
                &self.app.client_id,
                Some(self.app.client_secret.expose_secret()),
            )
            .form(&form)
            .send()
            .await
            .map_err(|e| LoginError::Unavailable(e.to_string()))?;
        let status = resp.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(LoginError::BadClient);
        }
        let body = Self::body(resp).await?;
        let t: wire::TokenResponse =
            serde_json::from_slice(&body).map_err(|e| LoginError::Decode(e.to_string()))?;
        if let Some(e) = t.error {
            let code = e.as_str().map_or_else(|| e.to_string(), str::to_owned);
            return Err(match code.as_str() {
                "invalid_client" | "unauthorized_client" => LoginError::BadClient,
                _ => LoginError::CodeRefused(code),
            });
        }
        let granted = t.scope.unwrap_or_default();
        let missing: Vec<&str> = SCOPES
            .iter()
            .copied()
            .filter(|s| !granted.split([' ', ',']).any(|g| g == *s || g == "*"))
            .collect();
        if !missing.is_empty() {
            return Err(LoginError::Scope(missing.join(", ")));
        }
        t.access_token
            .filter(|v| !v.is_empty())
            .map(|v| UserToken(v.into()))
            .ok_or_else(|| LoginError::Decode("the answer has no access_token".to_owned()))
    }

    /// Who the token belongs to, as Reddit spells the name.
    pub async fn me(&self, token: &UserToken) -> Result<RedditUsername, LoginError> {
        let body = self.get(token, "/api/v1/me", &[]).await?;
        let me: wire::Me =
            serde_json::from_slice(&body).map_err(|e| LoginError::Decode(e.to_string()))?;
        RedditUsername::parse(&me.name).map_err(|e| LoginError::Decode(format!("name: {e}")))
    }

    /// Every subreddit the token's account moderates, with its permissions there (profile
    /// subreddits left out), following Reddit's pages.
    pub async fn moderated(
        &self,
        token: &UserToken,
    ) -> Result<Vec<ModeratedSubreddit>, LoginError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![("limit", "100".to_owned())];
            if let Some(a) = &after {
                query.push(("after", a.clone()));
            }
            let body = self
                .get(token, "/subreddits/mine/moderator", &query)
                .await?;
            let page: wire::MineModerator =
                serde_json::from_slice(&body).map_err(|e| LoginError::Decode(e.to_string()))?;
            out.extend(
                Vec::<ModeratedSubreddit>::try_from(&page)
                    .map_err(|e| LoginError::Decode(e.to_string()))?,
            );
            match page.data.after {
                Some(a) if !a.is_empty() => after = Some(a),
                _ => break,
            }
        }
        Ok(out)
    }

    async fn get(
        &self,
        token: &UserToken,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<u8>, LoginError> {
        let url = format!("{}{path}", self.app.api_base_url.trim_end_matches('/'));
        let resp = self
            .http
            .get(&url)
            .query(&[("raw_json", "1")])
            .query(query)
            .bearer_auth(token.0.expose_secret())
            .send()
            .await
            .map_err(|e| LoginError::Unavailable(e.to_string()))?;
        match resp.status() {
            s if s.is_success() => Self::body(resp).await,
            StatusCode::FORBIDDEN => Err(LoginError::Scope(format!("403 on {path}"))),
            s => Err(LoginError::Unavailable(format!("HTTP {s} on {path}"))),
        }
    }

    async fn body(resp: reqwest::Response) -> Result<Vec<u8>, LoginError> {
        let status = resp.status();
        if status.is_server_error() {
            return Err(LoginError::Unavailable(format!("HTTP {status}")));
        }
        resp.bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| LoginError::Unavailable(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login() -> WebLogin {
        WebLogin::new(WebApp {
            client_id: "web-id".into(),
            client_secret: "s3cret".into(),
            redirect_uri: "https://appeals.example.org/auth/reddit/callback".into(),
            auth_base_url: "https://www.reddit.com/".into(),
            api_base_url: "https://oauth.reddit.com".into(),
            user_agent: "test".into(),
            timeout: Duration::from_secs(5),
        })
        .expect("client")
    }

    #[test]
    fn authorize_url_asks_for_a_temporary_code_with_the_two_scopes() {
        let u = login().authorize_url("st@te/1");
        assert_eq!(
            u,
            "https://www.reddit.com/api/v1/authorize?client_id=web-id&response_type=code\
             &state=st%40te%2F1&redirect_uri=https%3A%2F%2Fappeals.example.org%2Fauth%2Freddit%2Fcallback\
             &duration=temporary&scope=identity%20mysubreddits"
        );
        let t = UserToken("abc".into());
        assert_eq!(format!("{t:?}"), "UserToken([redacted])");
    }
}
