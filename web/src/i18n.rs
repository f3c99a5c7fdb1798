//! The appellant's pages in their language. A page about an appeal speaks its subreddit's
//! language (the console's choice, else the configured default); a page that names no
//! subreddit (a link that is not valid, a missing page, a refused form) follows the
//! browser's `Accept-Language`. The texts are `appealmod_core::i18n`'s; this module only
//! hands them to templates. The moderators' console stays in English.

use actix_web::http::header::{ACCEPT_LANGUAGE, HeaderMap};

use appealmod_core::domain::Language;
use appealmod_core::i18n;

/// The language a page is written in, as its template asks for texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tr(pub Language);

impl Tr {
    /// A text without variables.
    pub fn t(&self, id: &str) -> String {
        i18n::text(self.0, id)
    }

    /// A text whose one variable is the subreddit's name.
    pub fn sub(&self, id: &str, subreddit: &str) -> String {
        i18n::format(self.0, id, &[("subreddit", subreddit.into())])
    }

    /// `<html lang>`.
    pub fn code(&self) -> &'static str {
        self.0.code()
    }
}

/// The language a request asks for (`Accept-Language`; English without one).
pub fn requested(headers: &HeaderMap) -> Language {
    headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Language::English, Language::negotiate)
}
