//! The example configuration's placeholder values, in one place. The example is a valid file
//! (a test parses it), so these pass validation; but anyone who read the repository knows
//! them, and a process started with one is unsafe or talks to nobody. Every binary refuses
//! them at start (`Config::refuse_placeholders`), and `check-config` reports them.

use super::{Config, Problem};

/// Secrets the example and the README's snippets show (`postgres://user:password@…`).
const EXAMPLE_SECRETS: &[&str] = &["change-me", "change-me-too", "password"];

/// How a value is recognised as a placeholder.
enum Pattern {
    /// The whole value is one of these.
    OneOf(&'static [&'static str]),
    /// The value contains this (the example's webhooks differ only in their last segment).
    Contains(&'static str),
    /// The password of a `scheme://user:password@host` URL is one of these.
    UrlPassword(&'static [&'static str]),
}

impl Pattern {
    fn matches(&self, value: &str) -> bool {
        match self {
            Self::OneOf(values) => values.contains(&value),
            Self::Contains(part) => value.contains(part),
            Self::UrlPassword(values) => url_password(value).is_some_and(|p| values.contains(&p)),
        }
    }
}

struct Placeholder {
    /// The key, or `section.*` for every key of a section.
    key: &'static str,
    pattern: Pattern,
    /// Follows the key in the message: what is wrong and what to do.
    advice: &'static str,
}

impl Placeholder {
    fn applies_to(&self, key: &str) -> bool {
        match self.key.strip_suffix('*') {
            Some(section) => key.starts_with(section),
            None => self.key == key,
        }
    }
}

/// Every known placeholder. Keep in step with `certs.example/config.yaml`.
const PLACEHOLDERS: &[Placeholder] = &[
    Placeholder {
        key: "reddit.password",
        pattern: Pattern::OneOf(EXAMPLE_SECRETS),
        advice: "is the example's placeholder: set the bot account's real Reddit password",
    },
    Placeholder {
        key: "reddit.client_id",
        pattern: Pattern::OneOf(&["your-client-id"]),
        advice: "is the example's placeholder: copy the id shown under the name of the bot's \
                 script app at https://www.reddit.com/prefs/apps",
    },
    Placeholder {
        key: "reddit.client_secret",
        pattern: Pattern::OneOf(EXAMPLE_SECRETS),
        advice: "is the example's placeholder: copy the secret of the bot's script app from \
                 https://www.reddit.com/prefs/apps",
    },
    Placeholder {
        key: "web.link_secret",
        pattern: Pattern::OneOf(&["replace-with-the-output-of-openssl-rand-hex-32"]),
        advice: "is the example's value: anyone who read the repository could forge appeal \
                 links. Generate one: openssl rand -hex 32",
    },
    Placeholder {
        key: "web.login.client_id",
        pattern: Pattern::OneOf(&["your-web-app-id"]),
        advice: "is the example's placeholder: copy the id of the console's Reddit web app \
                 from https://www.reddit.com/prefs/apps, or set it to ~ for no console",
    },
    Placeholder {
        key: "web.login.client_secret",
        pattern: Pattern::OneOf(EXAMPLE_SECRETS),
        advice: "is the example's placeholder: copy the secret of the console's Reddit web app \
                 from https://www.reddit.com/prefs/apps",
    },
    Placeholder {
        key: "web.session_key",
        pattern: Pattern::OneOf(&["replace-with-another-output-of-openssl-rand-hex-32"]),
        advice: "is the example's value: anyone who read the repository could forge console \
                 sessions. Generate one: openssl rand -hex 32",
    },
    Placeholder {
        key: "database.url",
        pattern: Pattern::UrlPassword(EXAMPLE_SECRETS),
        advice: "holds the example's placeholder password: put the database user's real \
                 password in the URL (postgres://user:PASSWORD@host:5432/appealmod)",
    },
    Placeholder {
        key: "mongodb.uri",
        pattern: Pattern::UrlPassword(EXAMPLE_SECRETS),
        advice: "holds the example's placeholder password: put the MongoDB user's real \
                 password in the URI, or set it to ~ for no MongoDB",
    },
    Placeholder {
        key: "slack.*",
        pattern: Pattern::Contains("/services/T000/B000/"),
        advice: "is the example's placeholder webhook: paste the incoming-webhook URL Slack \
                 gave you for this channel, or set it to ~ to send nothing there",
    },
];

/// Every placeholder value in `config`, one problem per key, in the order of the file.
pub(super) fn find(config: &Config) -> Vec<Problem> {
    checked_values(config)
        .into_iter()
        .filter_map(|(key, value)| {
            PLACEHOLDERS
                .iter()
                .find(|p| p.applies_to(&key) && p.pattern.matches(value))
                .map(|p| config.origins.problem(&key, p.advice))
        })
        .collect()
}

/// The settings a placeholder can be in, with their values.
fn checked_values(c: &Config) -> Vec<(String, &str)> {
    let mut values = vec![
        (
            "reddit.password".to_owned(),
            c.reddit.password.as_ref().map(|s| s.expose()),
        ),
        ("reddit.client_id".to_owned(), c.reddit.client_id.as_deref()),
        (
            "reddit.client_secret".to_owned(),
            c.reddit.client_secret.as_ref().map(|s| s.expose()),
        ),
        ("database.url".to_owned(), Some(c.database.url.expose())),
        (
            "mongodb.uri".to_owned(),
            c.mongodb.uri.as_ref().map(|s| s.expose()),
        ),
        (
            "web.link_secret".to_owned(),
            c.web.link_secret.as_ref().map(|s| s.expose()),
        ),
        (
            "web.login.client_id".to_owned(),
            c.web.login.client_id.as_deref(),
        ),
        (
            "web.login.client_secret".to_owned(),
            c.web.login.client_secret.as_ref().map(|s| s.expose()),
        ),
        (
            "web.session_key".to_owned(),
            c.web.session_key.as_ref().map(|s| s.expose()),
        ),
    ];
    for (name, hook) in c.slack.channels() {
        values.push((format!("slack.{name}"), hook.map(|h| h.expose())));
    }
    values
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (key, v)))
        .collect()
}

/// The password of `scheme://user:password@host…`, if the URL has one.
fn url_password(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let userinfo = &rest[..rest.rfind('@')?];
    userinfo.split_once(':').map(|(_, password)| password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_found() {
        assert_eq!(
            url_password("postgres://u:password@db/app"),
            Some("password")
        );
        assert_eq!(url_password("postgres://u@db/app"), None);
        assert_eq!(url_password("sqlite://data/app.sqlite"), None);
        assert_eq!(url_password("mongodb://localhost:27017"), None);
    }

    #[test]
    fn section_wildcards_match_every_key_of_the_section() {
        let slack = PLACEHOLDERS.iter().find(|p| p.key == "slack.*");
        let slack = slack.expect("a Slack placeholder");
        assert!(slack.applies_to("slack.errors"));
        assert!(!slack.applies_to("web.link_secret"));
    }
}
