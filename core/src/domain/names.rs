//! Newtypes for the names users type or Reddit sends: parsed once, never invalid afterwards.
//!
//! Reddit compares user and subreddit names case-insensitively, so each type keeps the
//! spelling it was given (for display) and offers a lowercase `key()` for storage and lookups.

use std::fmt;

/// Why a name, id or address was refused. The message is meant for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(String);

impl ParseError {
    fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

macro_rules! name_type_common {
    ($t:ident) => {
        impl $t {
            /// The name as given (Reddit's own spelling when it came from Reddit).
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// Lowercase form, used for uniqueness and comparisons.
            pub fn key(&self) -> String {
                self.0.to_ascii_lowercase()
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.0.eq_ignore_ascii_case(&other.0)
            }
        }
        impl Eq for $t {}
        /// Ordered as compared: by [`key`](Self::key), case-insensitively.
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for $t {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.key().cmp(&other.key())
            }
        }
        impl std::hash::Hash for $t {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.key().hash(state)
            }
        }
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $t::parse(&s).map_err(serde::de::Error::custom)
            }
        }
        impl std::str::FromStr for $t {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $t::parse(s)
            }
        }
    };
}

/// A Reddit account name, without the `u/` prefix.
///
/// Reddit allows 3–20 letters, digits, `_` and `-` for new accounts; a few legacy accounts are
/// shorter, so 1–20 is accepted (the bot must never drop a real appellant's name).
#[derive(Debug, Clone)]
pub struct RedditUsername(String);
name_type_common!(RedditUsername);

impl RedditUsername {
    pub const MAX_LEN: usize = 20;

    /// Accepts `name`, `u/name` and `/u/name`, with surrounding spaces.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        let s = s
            .strip_prefix("/u/")
            .or_else(|| s.strip_prefix("u/"))
            .or_else(|| s.strip_prefix("/user/"))
            .unwrap_or(s);
        let s = s.strip_suffix('/').unwrap_or(s);
        if s.is_empty() {
            return Err(ParseError::new(
                "Enter a Reddit username, e.g. u/example_user.",
            ));
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(ParseError::new(
                "A Reddit username has at most 20 characters.",
            ));
        }
        if !s.chars().all(is_name_char) {
            return Err(ParseError::new(
                "A Reddit username has only letters, digits, '_' and '-'.",
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

/// A subreddit name, without the `r/` prefix.
#[derive(Debug, Clone)]
pub struct SubredditName(String);
name_type_common!(SubredditName);

impl SubredditName {
    pub const MAX_LEN: usize = 21;

    /// Accepts `name`, `r/name`, `/r/name/` and subreddit URLs such as
    /// `https://www.reddit.com/r/name/` (also old., new., np. and no host prefix).
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ParseError::new(
                "Enter a subreddit, e.g. r/example or https://www.reddit.com/r/example/.",
            ));
        }
        let path = if let Some(rest) = strip_scheme(s) {
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host = host.to_ascii_lowercase();
            if host != "reddit.com" && !host.ends_with(".reddit.com") {
                return Err(ParseError::new(
                    "That link is not a reddit.com address. Enter the subreddit's name or its reddit.com link.",
                ));
            }
            let path = path.split(['?', '#']).next().unwrap_or("");
            let Some(after) = path.strip_prefix("r/") else {
                return Err(ParseError::new(
                    "That link does not point to a subreddit (expected …/r/name/).",
                ));
            };
            // Anything after the name (e.g. /about/) is allowed and ignored.
            after.split('/').next().unwrap_or("")
        } else {
            let s = s.strip_prefix('/').unwrap_or(s);
            let s = s.strip_prefix("r/").unwrap_or(s);
            s.strip_suffix('/').unwrap_or(s)
        };
        if path.is_empty() {
            return Err(ParseError::new("The subreddit name is missing."));
        }
        if path.chars().count() > Self::MAX_LEN {
            return Err(ParseError::new(
                "A subreddit name has at most 21 characters.",
            ));
        }
        if path.chars().count() < 2 {
            return Err(ParseError::new(
                "A subreddit name has at least 2 characters.",
            ));
        }
        if !path.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(ParseError::new(
                "A subreddit name has only letters, digits and '_'.",
            ));
        }
        if path.starts_with('_') {
            return Err(ParseError::new("A subreddit name cannot start with '_'."));
        }
        Ok(Self(path.to_owned()))
    }
}

fn strip_scheme(s: &str) -> Option<&str> {
    let lower = s.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    if lower.starts_with("https://") {
        Some(&s[8..])
    } else if lower.starts_with("http://") {
        Some(&s[7..])
    } else if s.to_ascii_lowercase().starts_with("www.reddit.com/")
        || s.to_ascii_lowercase().starts_with("old.reddit.com/")
        || s.to_ascii_lowercase().starts_with("reddit.com/")
    {
        Some(s)
    } else {
        None
    }
}

/// A modmail conversation id (base-36, as Reddit sends it, e.g. `ik72`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConversationId(String);

impl ConversationId {
    pub const MAX_LEN: usize = 16;

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ParseError::new("A conversation id cannot be empty."));
        }
        if s.len() > Self::MAX_LEN {
            return Err(ParseError::new(
                "A conversation id has at most 16 characters.",
            ));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        {
            return Err(ParseError::new(
                "A conversation id has only lowercase letters and digits.",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where a moderator opens this conversation.
    pub fn modmail_url(&self) -> String {
        format!("https://mod.reddit.com/mail/all/{}", self.0)
    }
}

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for ConversationId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ConversationId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ConversationId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An e-mail address as typed in the sign-up form (trimmed; syntax checked, not delivery).
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ParseError::new("Enter an e-mail address."));
        }
        if s.len() > Self::MAX_LEN {
            return Err(ParseError::new(
                "An e-mail address has at most 254 characters.",
            ));
        }
        if !email_address::EmailAddress::is_valid(s)
            || s.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(ParseError::new(
                "That does not look like an e-mail address (expected name@example.org).",
            ));
        }
        let (_, domain) = s.rsplit_once('@').unwrap_or(("", ""));
        if !domain.contains('.') || domain.starts_with('[') {
            return Err(ParseError::new(
                "The e-mail address needs a domain such as example.org.",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// E-mail addresses are personal data: debug output shows only the domain.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let domain = self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
        write!(f, "Email(***@{domain})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subreddit_forms_normalise() {
        for input in [
            "AskHistorians",
            "r/AskHistorians",
            "/r/AskHistorians/",
            " r/AskHistorians ",
            "https://www.reddit.com/r/AskHistorians/",
            "https://old.reddit.com/r/AskHistorians",
            "http://reddit.com/r/AskHistorians/about/rules/",
            "www.reddit.com/r/AskHistorians/",
            "https://www.reddit.com/r/AskHistorians/?sort=new",
        ] {
            let n = SubredditName::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(n.as_str(), "AskHistorians", "{input}");
            assert_eq!(n.key(), "askhistorians");
        }
    }

    #[test]
    fn subreddit_bad_input() {
        for input in [
            "",
            "   ",
            "r/",
            "a",
            "this_name_is_far_too_long_for_reddit",
            "r/has space",
            "r/semi;colon",
            "r/<script>",
            "r/x'--",
            "_leading",
            "https://evil.example/r/foo",
            "https://www.reddit.com/u/someone",
            "https://reddit.com.evil.example/r/foo",
            "r/ünicode",
        ] {
            assert!(SubredditName::parse(input).is_err(), "accepted {input:?}");
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(
            RedditUsername::parse("u/Some_User-1").unwrap().as_str(),
            "Some_User-1"
        );
        assert_eq!(RedditUsername::parse("/u/abc").unwrap().as_str(), "abc");
        assert_eq!(
            RedditUsername::parse("Abc").unwrap(),
            RedditUsername::parse("aBC").unwrap()
        );
        for bad in [
            "",
            "u/",
            "a b",
            "name;drop",
            "<b>x</b>",
            "x".repeat(21).as_str(),
            "ünï",
            "a\nb",
            "@user",
        ] {
            assert!(RedditUsername::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn conversation_ids() {
        assert_eq!(ConversationId::parse("ik72").unwrap().as_str(), "ik72");
        assert_eq!(
            ConversationId::parse("ik72").unwrap().modmail_url(),
            "https://mod.reddit.com/mail/all/ik72"
        );
        for bad in [
            "",
            "IK72",
            "ik 72",
            "../etc",
            "x".repeat(17).as_str(),
            "a;b",
        ] {
            assert!(ConversationId::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn emails() {
        assert!(Email::parse("mod@example.org").is_ok());
        assert!(Email::parse(" Mod.Team+r@sub.example.co.uk ").is_ok());
        let long = format!("{}@example.org", "a".repeat(250));
        for bad in [
            "",
            "plain",
            "a@b",
            "a b@example.org",
            "a@example.org\r\nBcc: x@y.z",
            "@example.org",
            "a@",
            long.as_str(),
            "<script>@x.org",
        ] {
            assert!(Email::parse(bad).is_err(), "accepted {bad:?}");
        }
        let dbg = format!("{:?}", Email::parse("secret.person@example.org").unwrap());
        assert!(!dbg.contains("secret.person"), "{dbg}");
    }
}
