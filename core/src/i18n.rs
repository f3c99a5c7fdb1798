//! What appellants read, in every shipped [`Language`]: the bot's messages and the decision
//! messages as shipped, the default form, and the appellant's pages. The texts are Fluent
//! resources, `core/locales/<code>.ftl`, compiled into the binary; formatting them is pure
//! (no file is read at run time, no clock).
//!
//! A message missing from a language falls back to English, and a missing English message
//! to its id; both are bugs that `tests` catch (every language has every English message,
//! with the same variables) and that debug builds assert against where a page asks for one.

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::domain::Language;

mod shipped;
pub use shipped::{ShippedReason, shipped_reason};

/// Each shipped language's resource, as compiled in.
pub const SOURCES: [(Language, &str); 5] = [
    (Language::English, include_str!("../locales/en.ftl")),
    (Language::German, include_str!("../locales/de.ftl")),
    (Language::French, include_str!("../locales/fr.ftl")),
    (Language::Spanish, include_str!("../locales/es.ftl")),
    (
        Language::PortugueseBrazil,
        include_str!("../locales/pt-BR.ftl"),
    ),
];

/// One bundle per language, built once per process (parsing five small files).
static BUNDLES: LazyLock<Vec<(Language, FluentBundle<FluentResource>)>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(lang, source)| (*lang, bundle(*lang, source)))
        .collect()
});

fn bundle(lang: Language, source: &str) -> FluentBundle<FluentResource> {
    // A resource with a syntax error still yields its good entries; `tests` keeps every
    // shipped file free of errors.
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(r, _)| r);
    let id = lang
        .code()
        .parse()
        .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Reddit markdown and HTML, not bidirectional UI text: no isolation marks around values.
    bundle.set_use_isolating(false);
    // Entries of one file never clash; an error here would only drop a duplicate.
    let _ = bundle.add_resource(resource);
    bundle
}

fn bundle_of(lang: Language) -> Option<&'static FluentBundle<FluentResource>> {
    BUNDLES.iter().find(|(l, _)| *l == lang).map(|(_, b)| b)
}

/// A value a message is formatted with: text as given, or a number (which also picks the
/// plural form: "one answer", "3 answers").
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    Text(Cow<'a, str>),
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Self::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Self::Text(Cow::Owned(s))
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Self::Number(n)
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Self::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<u16> for Arg<'_> {
    fn from(n: u16) -> Self {
        Self::Number(i64::from(n))
    }
}

/// A message without variables.
pub fn text(lang: Language, id: &str) -> String {
    format(lang, id, &[])
}

/// A message with its variables filled.
pub fn format(lang: Language, id: &str, args: &[(&str, Arg<'_>)]) -> String {
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        let v = match value {
            Arg::Text(s) => FluentValue::from(s.as_ref()),
            Arg::Number(n) => FluentValue::from(*n),
        };
        fluent_args.set(*name, v);
    }
    format_in(lang, id, &fluent_args)
        .or_else(|| format_in(Language::English, id, &fluent_args))
        .unwrap_or_else(|| {
            debug_assert!(false, "no message {id:?} in any language");
            id.to_owned()
        })
}

fn format_in(lang: Language, id: &str, args: &FluentArgs<'_>) -> Option<String> {
    let bundle = bundle_of(lang)?;
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    let out = bundle.format_pattern(pattern, Some(args), &mut errors);
    debug_assert!(errors.is_empty(), "{id} in {lang}: {errors:?}");
    Some(out.into_owned())
}

/// Whether a language has the message itself (no fallback); what the tests check.
#[cfg(test)]
pub fn has(lang: Language, id: &str) -> bool {
    bundle_of(lang).is_some_and(|b| b.has_message(id))
}

/// A day as people read it in `lang` ("5 January 2027", "5. Januar 2027").
pub fn date(lang: Language, d: NaiveDate) -> String {
    let month = text(lang, &format!("month-{}", d.month()));
    format(
        lang,
        "date",
        &[
            ("day", Arg::Text(d.day().to_string().into())),
            ("month", month.into()),
            ("year", Arg::Text(d.year().to_string().into())),
        ],
    )
}

/// A moment in UTC, and said so ("2 December 2026, 09:30 UTC").
pub fn date_time(lang: Language, t: DateTime<Utc>) -> String {
    let time = format!("{:02}:{:02}", t.hour(), t.minute());
    format(
        lang,
        "date-time",
        &[
            ("date", date(lang, t.date_naive()).into()),
            ("time", time.into()),
        ],
    )
}

/// Until when a personal link works, as the bot's messages say it ("5 January 2027 (UTC)").
pub fn link_expiry(lang: Language, t: DateTime<Utc>) -> String {
    format(
        lang,
        "link-expiry",
        &[("date", date(lang, t.date_naive()).into())],
    )
}

/// A count with the language's digit grouping: 2000 → "2,000", "2.000", "2 000" (narrow
/// no-break space), and in Spanish "2000" (grouped from five digits on).
pub fn count(lang: Language, n: usize) -> String {
    let (separator, min_digits) = match lang {
        Language::English => (",", 4),
        Language::German | Language::PortugueseBrazil => (".", 4),
        Language::French => ("\u{202F}", 4),
        Language::Spanish => (".", 5),
    };
    let digits = n.to_string();
    if digits.len() < min_digits {
        return digits;
    }
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len());
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
