//! One event, captured once with its span context, in the shape every structured sink
//! (JSON console/file, MongoDB, Slack) needs.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::{LookupSpan, Scope};

use super::redact::FieldCollector;

/// A span's fields, redacted, kept in the span's extensions so that events inside it can
/// be tagged with `subreddit`, `conversation_id`, … without formatting them again.
#[derive(Debug, Default)]
pub(crate) struct SpanFields(pub FieldCollector);

/// Records span fields for the other layers. Must be part of every stack built here.
pub(crate) struct SpanFieldsLayer;

impl<S> Layer<S> for SpanFieldsLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        if let Some(span) = ctx.span(id) {
            span.extensions_mut()
                .insert(SpanFields(FieldCollector::from_record(attrs)));
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        if let Some(span) = ctx.span(id) {
            let mut ext = span.extensions_mut();
            if let Some(fields) = ext.get_mut::<SpanFields>() {
                values.record(&mut fields.0);
            } else {
                ext.insert(SpanFields(FieldCollector::from_record(values)));
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct EventRecord {
    pub time: DateTime<Utc>,
    pub level: Level,
    pub target: String,
    pub message: String,
    /// The event's own fields (without `message`).
    pub fields: Map<String, Value>,
    /// Fields of the enclosing spans, outermost first, inner spans overriding.
    pub span_fields: Map<String, Value>,
    /// Names of the enclosing spans, outermost first.
    pub spans: Vec<&'static str>,
}

impl EventRecord {
    pub fn capture<S>(event: &Event<'_>, scope: Option<Scope<'_, S>>) -> Self
    where
        S: for<'a> LookupSpan<'a>,
    {
        let c = FieldCollector::from_record(event);
        let mut span_fields = Map::new();
        let mut spans = Vec::new();
        if let Some(scope) = scope {
            for span in scope.from_root() {
                spans.push(span.name());
                if let Some(f) = span.extensions().get::<SpanFields>() {
                    for (k, v) in &f.0.fields {
                        span_fields.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        let meta = event.metadata();
        Self {
            time: Utc::now(),
            level: *meta.level(),
            target: meta.target().to_owned(),
            message: c.message.unwrap_or_default(),
            fields: c.fields,
            span_fields,
            spans,
        }
    }

    pub fn capture_in<S>(event: &Event<'_>, ctx: &Context<'_, S>) -> Self
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        Self::capture(event, ctx.event_scope(event))
    }

    /// A field of the event, or else of the innermost span that has it.
    pub fn lookup(&self, key: &str) -> Option<&Value> {
        self.fields.get(key).or_else(|| self.span_fields.get(key))
    }

    pub fn lookup_str(&self, key: &str) -> Option<String> {
        self.lookup(key).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    /// The JSON-lines shape shared by the console/file JSON format.
    pub fn to_json(&self, service: &str) -> Value {
        let mut v = json!({
            "timestamp": self.time.to_rfc3339_opts(SecondsFormat::Millis, true),
            "level": self.level.as_str(),
            "service": service,
            "target": self.target,
            "message": self.message,
        });
        if let Value::Object(o) = &mut v {
            if !self.fields.is_empty() {
                o.insert("fields".to_owned(), Value::Object(self.fields.clone()));
            }
            if !self.span_fields.is_empty() {
                o.insert("span".to_owned(), Value::Object(self.span_fields.clone()));
            }
            if !self.spans.is_empty() {
                o.insert("spans".to_owned(), json!(self.spans));
            }
        }
        v
    }
}

/// Cleans a `subreddit` field value (`pics`, `r/pics`, `/r/pics`, or a newtype's `Debug`
/// output like `SubredditName("pics")`) into a bare name safe to put in a link.
pub(crate) fn clean_subreddit(raw: &str) -> Option<String> {
    let s = unquote(raw);
    let s = s.trim_start_matches('/');
    let s = s
        .strip_prefix("r/")
        .or_else(|| s.strip_prefix("R/"))
        .unwrap_or(s);
    let ok =
        !s.is_empty() && s.len() <= 32 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then(|| s.to_owned())
}

/// Cleans a `conversation_id` field value (modmail ids are short base-36 strings).
pub(crate) fn clean_conversation_id(raw: &str) -> Option<String> {
    let s = unquote(raw);
    let ok = !s.is_empty() && s.len() <= 32 && s.chars().all(|c| c.is_ascii_alphanumeric());
    ok.then(|| s.to_owned())
}

fn unquote(raw: &str) -> &str {
    let s = raw.trim();
    match (s.find('"'), s.rfind('"')) {
        (Some(a), Some(b)) if b > a => &s[a + 1..b],
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_names() {
        assert_eq!(clean_subreddit("r/pics").as_deref(), Some("pics"));
        assert_eq!(clean_subreddit("/r/Ask_Me").as_deref(), Some("Ask_Me"));
        assert_eq!(
            clean_subreddit("SubredditName(\"pics\")").as_deref(),
            Some("pics")
        );
        assert_eq!(clean_subreddit("pics|evil>"), None);
        assert_eq!(clean_conversation_id("2g8x1k").as_deref(), Some("2g8x1k"));
        assert_eq!(clean_conversation_id("a b"), None);
    }
}
