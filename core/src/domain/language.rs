//! The languages appellants can be addressed in: the bot's messages, the form and the
//! appellant's pages. A subreddit chooses one in the console; pages reached without a
//! subreddit's choice follow the browser's `Accept-Language`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language the product ships texts for. Its code is a BCP 47 tag, stored as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Language {
    #[default]
    English,
    German,
    French,
    Spanish,
    /// Brazilian Portuguese.
    PortugueseBrazil,
}

impl Language {
    /// Every shipped language, English (the default) first.
    pub const ALL: [Language; 5] = [
        Language::English,
        Language::German,
        Language::French,
        Language::Spanish,
        Language::PortugueseBrazil,
    ];

    /// The BCP 47 tag (`en`, `de`, `fr`, `es`, `pt-BR`).
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::German => "de",
            Language::French => "fr",
            Language::Spanish => "es",
            Language::PortugueseBrazil => "pt-BR",
        }
    }

    /// The language's own name for itself, as a chooser lists it.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::German => "Deutsch",
            Language::French => "Français",
            Language::Spanish => "Español",
            Language::PortugueseBrazil => "Português (Brasil)",
        }
    }

    /// The shipped language that serves a BCP 47 tag, matching case-insensitively on the
    /// primary subtag (`de-AT` → German, `pt` and `pt-PT` → Brazilian Portuguese, the one
    /// Portuguese shipped). `None` for a language not shipped.
    pub fn for_tag(tag: &str) -> Option<Language> {
        let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
        Language::ALL
            .into_iter()
            .find(|l| l.code().split('-').next() == Some(primary.as_str()))
    }

    /// The best shipped language for an `Accept-Language` header: the highest `q` first,
    /// header order among equals, English when nothing matches (RFC 9110 §12.5.4).
    pub fn negotiate(accept_language: &str) -> Language {
        let mut ranked: Vec<(u16, usize, Language)> = accept_language
            .split(',')
            .enumerate()
            .filter_map(|(i, item)| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim();
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1000), parse_q)?;
                (q > 0).then_some(())?;
                Some((q, i, Language::for_tag(tag)?))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map_or(Language::English, |r| r.2)
    }
}

/// A quality value as thousandths (`0.8` → 800); `None` when malformed.
fn parse_q(s: &str) -> Option<u16> {
    let v: f64 = s.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&v)
        .then(|| (v * 1000.0).round() as u16)
}

/// A language code the product does not ship.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: use one of en, de, fr, es, pt-BR")]
pub struct UnknownLanguage(pub String);

impl FromStr for Language {
    type Err = UnknownLanguage;

    /// Exactly one of the codes [`Language::code`] returns (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Language::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownLanguage(s.to_owned()))
    }
}

impl TryFrom<String> for Language {
    type Error = UnknownLanguage;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Language> for String {
    fn from(l: Language) -> String {
        l.code().to_owned()
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for l in Language::ALL {
            assert_eq!(l.code().parse::<Language>(), Ok(l));
        }
        assert!("pt".parse::<Language>().is_err());
        assert!("xx".parse::<Language>().is_err());
    }

    #[test]
    fn accept_language_picks_the_best_shipped_one() {
        let cases = [
            ("de-DE,de;q=0.9,en;q=0.8", Language::German),
            ("fr-CH, fr;q=0.9, en;q=0.8", Language::French),
            ("ja,es;q=0.5", Language::Spanish),
            ("en;q=0.5,pt-BR;q=0.9", Language::PortugueseBrazil),
            ("pt-PT", Language::PortugueseBrazil),
            ("ja,zh", Language::English),
            ("de;q=0,fr;q=0.1", Language::French),
            ("", Language::English),
            ("de;q=abc,es", Language::Spanish),
            ("*", Language::English),
        ];
        for (header, want) in cases {
            assert_eq!(Language::negotiate(header), want, "{header}");
        }
    }
}
