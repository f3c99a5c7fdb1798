//! Secrets: the type that never prints, and the parts of the configuration that hand them
//! out (the bot's credentials, the console's login, the link key) or print around them.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{Config, ConfigError, RedditConfig, WebConfig, url_mask};
use crate::domain::RedditUsername;

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

impl RedditConfig {
    /// The credentials of `reddit.accounts`, in their order (checked by
    /// [`RedditConfig::invalid_accounts`] when the file was loaded).
    pub fn extra_credentials(&self) -> Vec<RedditCredentials> {
        self.accounts
            .iter()
            .map(|a| RedditCredentials {
                username: a.username.clone(),
                password: a.password.clone(),
                client_id: a.client_id.clone(),
                client_secret: a.client_secret.clone(),
            })
            .collect()
    }

    /// `reddit.accounts` entries that cannot work: a name Reddit would refuse, one listed
    /// twice (or the default account again: one account, one rate limit), an empty secret.
    pub(super) fn invalid_accounts(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut seen: Vec<String> = self
            .username
            .iter()
            .map(|u| u.to_ascii_lowercase())
            .collect();
        for (i, a) in self.accounts.iter().enumerate() {
            let key = |k: &str| format!("reddit.accounts[{i}].{k}");
            match RedditUsername::parse(&a.username) {
                Err(e) => {
                    problems.push((key("username"), format!("is not a Reddit username: {e}")))
                }
                Ok(name) if seen.contains(&name.key()) => problems.push((
                    key("username"),
                    format!(
                        "u/{} is configured already: each account once (it has one rate limit)",
                        a.username
                    ),
                )),
                Ok(name) => seen.push(name.key()),
            }
            for (k, empty) in [
                ("password", a.password.expose().is_empty()),
                ("client_id", a.client_id.is_empty()),
                ("client_secret", a.client_secret.expose().is_empty()),
            ] {
                if empty {
                    problems.push((key(k), "must not be empty".to_owned()));
                }
            }
        }
        problems
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

impl Config {
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
