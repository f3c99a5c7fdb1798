//! `web.modmail_url`: where a modmail conversation opens when the site links to one — the
//! console's appeal list and live view, and the pages that send an appellant back to their
//! conversation. Reddit's modmail by default; the sandbox points it at the simulator's view
//! of a conversation, so its links stay inside the sandbox.

use serde::{Deserialize, Serialize};

use crate::domain::ConversationId;

/// A base URL to which a conversation id is appended (`…/mail/all/` + `2g8x1k`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ModmailLinks(String);

impl ModmailLinks {
    /// Reddit's modmail.
    pub const REDDIT: &'static str = "https://mod.reddit.com/mail/all/";

    /// An `http(s)://` URL without query or fragment; a missing final `/` is added.
    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim();
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .ok_or(
                "must start with https:// (or http://), e.g. https://mod.reddit.com/mail/all/",
            )?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err("must name a host, e.g. https://mod.reddit.com/mail/all/".to_owned());
        }
        if s.contains(['?', '#']) || s.chars().any(char::is_whitespace) {
            return Err(
                "must be a plain base URL (no spaces, no `?` or `#`): the conversation id is \
                 appended to it"
                    .to_owned(),
            );
        }
        let mut base = s.to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(Self(base))
    }

    /// Where `conversation` opens.
    pub fn conversation(&self, conversation: &ConversationId) -> String {
        format!("{}{}", self.0, conversation.as_str())
    }

    /// Where users read their messages on Reddit: `user_message(Some(id))` is one
    /// conversation (its `legacyFirstMessageId`), `user_message(None)` all of them.
    pub const REDDIT_USER: &'static str = "https://www.reddit.com/message/messages/";

    pub fn user_default() -> Self {
        Self(Self::REDDIT_USER.to_owned())
    }

    /// The user's view of a conversation by Reddit's `legacyFirstMessageId` (letters and
    /// digits only, as Reddit writes it); without one, their messages.
    pub fn user_message(&self, legacy_first_message_id: Option<&str>) -> String {
        match legacy_first_message_id {
            Some(id) if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()) => {
                format!("{}{id}", self.0)
            }
            _ => self.0.clone(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ModmailLinks {
    fn default() -> Self {
        Self(Self::REDDIT.to_owned())
    }
}

impl TryFrom<String> for ModmailLinks {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<ModmailLinks> for String {
    fn from(m: ModmailLinks) -> Self {
        m.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reddit_by_default_and_any_base_url_otherwise() {
        let id = ConversationId::parse("2g8x1k").expect("id");
        assert_eq!(
            ModmailLinks::default().conversation(&id),
            "https://mod.reddit.com/mail/all/2g8x1k"
        );
        let sim = ModmailLinks::parse("http://127.0.0.1:9000/_sim/view").expect("valid");
        assert_eq!(
            sim.conversation(&id),
            "http://127.0.0.1:9000/_sim/view/2g8x1k"
        );
        let user = ModmailLinks::user_default();
        assert_eq!(
            user.user_message(Some("12tz1li")),
            "https://www.reddit.com/message/messages/12tz1li"
        );
        assert_eq!(
            user.user_message(None),
            "https://www.reddit.com/message/messages/"
        );
        assert_eq!(
            user.user_message(Some("../x")),
            "https://www.reddit.com/message/messages/",
            "anything but Reddit's letters and digits is not appended"
        );
        for bad in [
            "mod.reddit.com/mail/all/",
            "javascript:alert(1)",
            "https://",
            "https://x.test/mail?id=",
            "https://x.test/a b/",
        ] {
            assert!(ModmailLinks::parse(bad).is_err(), "{bad}");
        }
    }
}
