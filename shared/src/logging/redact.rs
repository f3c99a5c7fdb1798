//! The one place that decides what must never reach a log sink. Every sink (console, file,
//! MongoDB, Slack, Discord) collects fields through [`FieldCollector`] or formats them through
//! [`RedactingFields`], so a secret is hidden the same way everywhere.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::Writer;

pub const REDACTED: &str = "[redacted]";

/// Field names whose value is never logged, whatever it looks like. Matched on the
/// `_`/`.`-separated words of the name so that `form_token` or `client_secret` count too.
const SECRET_WORDS: &[&str] = &[
    "token",
    "password",
    "passwd",
    "secret",
    "email",
    "authorization",
    "cookie",
    "apikey",
];

pub fn is_secret_field(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "api_key"
        || lower
            .split(['_', '.', '-'])
            .any(|word| SECRET_WORDS.contains(&word))
}

struct Rule {
    re: Regex,
    replacement: &'static str,
}

fn rule(pattern: &str, replacement: &'static str) -> Rule {
    // The patterns are constants covered by tests; a typo must fail loudly in CI, not
    // silently log secrets.
    #[allow(clippy::expect_used)]
    let re = Regex::new(pattern).expect("redaction pattern is valid");
    Rule { re, replacement }
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        // Userinfo in URLs (`mongodb://user:pass@host`) before the e-mail rule sees `pass@host`.
        rule(
            r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@]+:)[^@\s/]+@",
            "${1}[redacted]@",
        ),
        rule(
            r"(?i)https://hooks\.slack\.com/[^\s>|\x22']+",
            "https://hooks.slack.com/[redacted]",
        ),
        rule(
            r"(?i)(https://(?:[a-z0-9\-]+\.)?discord(?:app)?\.com/api/(?:v\d+/)?webhooks/)[^\s>|\x22')]+",
            "${1}[redacted]",
        ),
        // Appeal links carry the appellant's personal token.
        rule(r"(?i)(/appeal/)[A-Za-z0-9_\-.~%=+]+", "${1}[redacted]"),
        rule(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*", "${1} [redacted]"),
        rule(r"(?i)\b(basic)\s+[A-Za-z0-9+/]{8,}=*", "${1} [redacted]"),
        // `password=…`, `"access_token": "…"`, `client_secret: …` in query strings, JSON, YAML.
        rule(
            r#"(?i)\b((?:access_|refresh_|link_|form_|id_)?token|password|passwd|(?:client_|link_)?secret|api_?key)(["']?\s*[:=]\s*["']?)[^\s"'&,;}<>]+"#,
            "${1}${2}[redacted]",
        ),
        rule(
            r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
            "[redacted email]",
        ),
    ]
});

/// Hides secrets that appear inside free text (messages, `Debug` output, error chains).
pub fn redact_text(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for r in RULES.iter() {
        if let Cow::Owned(s) = r.re.replace_all(&out, r.replacement) {
            out = Cow::Owned(s);
        }
    }
    out
}

/// Collects an event's or a span's fields as JSON values, already redacted. The `message`
/// field is kept apart because every sink shows it first.
#[derive(Default, Debug, Clone)]
pub struct FieldCollector {
    pub message: Option<String>,
    pub fields: Map<String, Value>,
}

impl FieldCollector {
    pub fn from_record(record: impl RecordFields) -> Self {
        let mut c = Self::default();
        record.record(&mut c);
        c
    }

    fn put(&mut self, field: &Field, value: Value) {
        let name = field.name();
        let value = if is_secret_field(name) {
            Value::String(REDACTED.to_owned())
        } else {
            value
        };
        if name == "message" {
            if let Value::String(s) = value {
                self.message = Some(s);
            } else {
                self.message = Some(value.to_string());
            }
        } else {
            // `log` records bridged into tracing carry these; they are noise in documents.
            if name.starts_with("log.") {
                return;
            }
            self.fields.insert(name.to_owned(), value);
        }
    }

    fn put_text(&mut self, field: &Field, text: &str) {
        self.put(field, Value::String(redact_text(text).into_owned()));
    }
}

impl Visit for FieldCollector {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, serde_json::json!(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::Bool(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put_text(field, value);
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        // The whole cause chain: the top-level message alone rarely says what to fix.
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(s) = source {
            let _ = write!(text, ": {s}");
            source = s.source();
        }
        self.put_text(field, &text);
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put_text(field, &format!("{value:?}"));
    }
}

/// Human-readable field formatter for the console and file layers: the same output as
/// tracing's default (`message key=value …`) but with redaction applied.
#[derive(Debug, Default, Clone, Copy)]
pub struct RedactingFields;

impl<'writer> FormatFields<'writer> for RedactingFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let c = FieldCollector::from_record(fields);
        let mut first = true;
        if let Some(m) = &c.message {
            writer.write_str(m)?;
            first = false;
        }
        for (k, v) in &c.fields {
            if !first {
                writer.write_char(' ')?;
            }
            first = false;
            match v {
                Value::String(s) => write!(writer, "{k}={s:?}")?,
                other => write!(writer, "{k}={other}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_field_names() {
        for n in [
            "token",
            "password",
            "secret",
            "link_secret",
            "email",
            "form_token",
            "client_secret",
            "Authorization",
            "api_key",
        ] {
            assert!(is_secret_field(n), "{n}");
        }
        for n in [
            "subreddit",
            "conversation_id",
            "message",
            "username",
            "slack",
        ] {
            assert!(!is_secret_field(n), "{n}");
        }
    }

    #[test]
    fn redacts_text() {
        let cases = [
            (
                "see https://appeals.example/appeal/AbC-123_x.y?x=1 now",
                "see https://appeals.example/appeal/[redacted]?x=1 now",
            ),
            (
                "Authorization: Bearer eyJhbGciOi.JIUzI1.NiJ9==",
                "Authorization: Bearer [redacted]",
            ),
            (
                r#"{"access_token": "abc.def", "expires_in": 3600}"#,
                r#"{"access_token": "[redacted]", "expires_in": 3600}"#,
            ),
            (
                "grant_type=password&username=bot&password=hunter2&x=1",
                "grant_type=password&username=bot&password=[redacted]&x=1",
            ),
            (
                "hook https://hooks.slack.com/services/T0/B0/xyz failed",
                "hook https://hooks.slack.com/[redacted] failed",
            ),
            (
                "hook https://discord.com/api/webhooks/1234567890/AbC-xyz_0?wait=true failed",
                "hook https://discord.com/api/webhooks/[redacted] failed",
            ),
            (
                "<https://canary.discordapp.com/api/v10/webhooks/1/t0k3n>",
                "<https://canary.discordapp.com/api/v10/webhooks/[redacted]>",
            ),
            (
                "mail alice.b+x@example.co.uk now",
                "mail [redacted email] now",
            ),
            (
                "mongodb://app:s3cr3t@db.example:27017/x",
                "mongodb://app:[redacted]@db.example:27017/x",
            ),
            ("nothing to hide in r/pics", "nothing to hide in r/pics"),
        ];
        for (input, want) in cases {
            assert_eq!(redact_text(input), want, "input: {input}");
        }
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(redact_text("plain line"), Cow::Borrowed(_)));
    }
}
