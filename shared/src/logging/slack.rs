//! Slack's side of the chat webhooks (`webhook.rs` sends): `mrkdwn` text, `{"text": …}`.

use serde_json::Value;

/// Slack truncates long messages anyway; a bounded text also bounds memory per line.
pub(crate) const MAX_TEXT_CHARS: usize = 3500;

/// `<url|label>`; the labels built here hold no control character.
pub(crate) fn link(url: &str, label: &str) -> String {
    format!("<{url}|{label}>")
}

/// `&`, `<`, `>` are Slack's control characters in `text`.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(crate) fn payload(text: &str) -> Value {
    serde_json::json!({ "text": text })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls() {
        assert_eq!(escape("a<b>&c"), "a&lt;b&gt;&amp;c");
    }
}
