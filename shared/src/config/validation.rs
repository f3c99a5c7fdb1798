//! Validation: values of the right type that cannot work, all reported at once, and the
//! example's placeholders refused before anything runs.

use super::{Config, ConfigError, Problem, WebhookConfig, placeholders, strength};

impl Config {
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

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
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
        for (key, message) in self.reddit.invalid_accounts() {
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
        // Renewed every third of it, between passes' database writes: a shorter one could
        // be lost to one slow write and the work would hop between replicas.
        if !(6..=600).contains(&self.bot.runner_lease_secs) {
            bad(
                "bot.runner_lease_secs",
                "must be between 6 and 600 (seconds); the default is 30".to_owned(),
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
