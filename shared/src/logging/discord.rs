//! Discord's side of the chat webhooks (`webhook.rs` sends): Markdown `content`, no
//! mention ever pinging anyone, posted with `?wait=true` so that a 2xx means the message
//! was saved.

use serde_json::Value;

/// Discord refuses a `content` longer than 2000 characters, counted in UTF-16 units.
pub const MAX_CONTENT_LEN: usize = 2000;

/// A masked link; `<…>` keeps Discord from unfurling a preview under every log line.
pub(crate) fn link(url: &str, label: &str) -> String {
    format!("[{label}](<{url}>)")
}

/// Log text is shown as written: backslash-escapes what Discord would read as Markdown —
/// emphasis, strike, code, spoilers and escapes (`* _ ~ ` | \`), tags for mentions,
/// channels, emoji and timestamps (`<`), quotes (`>`), headings and lists at a line's
/// start (`#`, `-`), and masked links (`](`).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut line_start = true;
    let mut prev = '\0';
    for c in s.chars() {
        let special = matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '<' | '>')
            || (line_start && matches!(c, '#' | '-'))
            || (c == '(' && prev == ']');
        if special {
            out.push('\\');
        }
        out.push(c);
        if c == '\n' {
            line_start = true;
        } else if !c.is_whitespace() {
            line_start = false;
        }
        prev = c;
    }
    out
}

/// `allowed_mentions.parse = []`: `@everyone`, `@here`, `<@id>` and role tags in a log
/// line stay text and notify nobody.
pub(crate) fn payload(text: &str) -> Value {
    serde_json::json!({ "content": text, "allowed_mentions": { "parse": [] } })
}

/// The webhook URL with `wait=true`: Discord then answers once the message is saved (200
/// with the message) instead of 204 before it, so an error is an error.
pub(crate) fn endpoint(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if !u.query_pairs().any(|(k, _)| k == "wait") {
                u.query_pairs_mut().append_pair("wait", "true");
            }
            u.into()
        }
        // Configuration validation refuses such a URL; posting tells the operator again.
        Err(_) => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown() {
        assert_eq!(
            escape("*bold* _it_ ~~s~~ `c` ||x|| a\\b <@123> >q"),
            "\\*bold\\* \\_it\\_ \\~\\~s\\~\\~ \\`c\\` \\|\\|x\\|\\| a\\\\b \\<@123\\> \\>q"
        );
        assert_eq!(escape("# h\n- item\na-b #c"), "\\# h\n\\- item\na-b #c");
        assert_eq!(
            escape("[x](https://e.example) [bot]"),
            "[x]\\(https://e.example) [bot]"
        );
    }

    #[test]
    fn endpoint_waits() {
        assert_eq!(
            endpoint("https://discord.com/api/webhooks/1/abc"),
            "https://discord.com/api/webhooks/1/abc?wait=true"
        );
        assert_eq!(
            endpoint("https://discord.com/api/webhooks/1/abc?thread_id=9"),
            "https://discord.com/api/webhooks/1/abc?thread_id=9&wait=true"
        );
        assert_eq!(
            endpoint("http://127.0.0.1:9/h?wait=false"),
            "http://127.0.0.1:9/h?wait=false"
        );
    }
}
