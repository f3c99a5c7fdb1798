//! A submission the database could not take (unreachable, or no connection free within
//! `database.web_acquire_timeout_ms`): the appellant gets the form back at once with what
//! they typed, a sentence saying to submit it again in a minute, 503 and `Retry-After`.
//! Nothing was stored: the submission is one transaction.
//!
//! The link and the form token are checked without the database (both are signed). The form
//! needs the appeal and its questions, which this process remembers from when it showed the
//! form ([`ShownForms`]); a process that never showed it (restarted, or another instance)
//! still gives every answer back, in a plainer form (in the browser's language, the
//! subreddit's being unknown without the database).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use askama::Template;
use chrono::{DateTime, Utc};

use appealmod_core::i18n;
use appealmod_shared::domain::{Appeal, AppealId, FormQuestions, Language};
use appealmod_shared::token::FormToken;

use super::{AppealPage, form_id, questions};
use crate::csrf::TOKEN_TTL;
use crate::errors::{PageError, render};
use crate::form::FormData;
use crate::i18n::Tr;
use crate::startup::AppState;

/// What the appellant reads above their answers (a message of the appellant's texts).
const UNSAVED: &str = "form-unsaved";

/// Seconds in `Retry-After`: the minute the page speaks of.
const RETRY_AFTER_SECS: u32 = 60;

/// Forms remembered at most; beyond it the oldest is forgotten. Each holds an appeal and
/// its subreddit's questions (a few kilobytes).
const CAPACITY: usize = 2048;

/// The forms this process showed lately, by appeal, for as long as their form token is
/// accepted.
#[derive(Debug, Default)]
pub struct ShownForms {
    forms: Mutex<HashMap<AppealId, Shown>>,
}

#[derive(Debug, Clone)]
struct Shown {
    appeal: Appeal,
    questions: FormQuestions,
    language: Language,
    at: Instant,
}

impl ShownForms {
    pub fn remember(&self, appeal: &Appeal, questions: &FormQuestions, language: Language) {
        let mut forms = self.forms.lock().unwrap_or_else(PoisonError::into_inner);
        if forms.len() >= CAPACITY && !forms.contains_key(&appeal.id) {
            forms.retain(|_, s| !stale(s));
            if forms.len() >= CAPACITY
                && let Some(oldest) = forms.iter().min_by_key(|(_, s)| s.at).map(|(id, _)| *id)
            {
                forms.remove(&oldest);
            }
        }
        forms.insert(
            appeal.id,
            Shown {
                appeal: appeal.clone(),
                questions: questions.clone(),
                language,
                at: Instant::now(),
            },
        );
    }

    fn recall(&self, id: AppealId) -> Option<Shown> {
        let forms = self.forms.lock().unwrap_or_else(PoisonError::into_inner);
        forms.get(&id).filter(|s| !stale(s)).cloned()
    }
}

/// Older than any form token still accepted: a post of that form is refused anyway.
fn stale(s: &Shown) -> bool {
    TOKEN_TTL.to_std().is_ok_and(|ttl| s.at.elapsed() > ttl)
}

/// A form whose questions this process does not know: every field as it was sent, in a
/// box the appellant can still edit, and posted again under the same names.
#[derive(Template)]
#[template(path = "appeal_unsaved.html")]
struct UnsavedPage {
    tr: Tr,
    message: String,
    csrf: String,
    /// Each field's name, the label of its box ("Your answer (q_rule)") and its value.
    fields: Vec<(String, String, String)>,
}

/// The answer to a post of `form` to `raw_token` that the database could not take; in the
/// form's language when this process showed it, else in `browser`'s.
pub fn answer(
    state: &AppState,
    raw_token: &str,
    form: &FormData,
    now: DateTime<Utc>,
    browser: Language,
) -> Result<HttpResponse, PageError> {
    let token = FormToken::parse(raw_token).map_err(|_| PageError::LinkInvalid)?;
    let claims = state
        .signer
        .verify_signature(&token)
        .map_err(|_| PageError::LinkInvalid)?;
    let id = claims.appeal_id;
    state.csrf.verify(&form_id(id), form.get("csrf"), now)?;
    let csrf = state.csrf.issue(&form_id(id), now);
    let mut response = match state.shown_forms.recall(id) {
        Some(shown) => {
            let lang = shown.language;
            let views = questions::refill(&shown.questions, form, lang);
            let mut page = AppealPage::new(&shown.appeal, csrf, views, lang);
            page.unsaved = Some(i18n::text(lang, UNSAVED));
            render(StatusCode::SERVICE_UNAVAILABLE, &page)
        }
        None => {
            let fields = form
                .pairs()
                .filter(|(name, _)| *name != "csrf")
                .map(|(name, value)| {
                    let label = i18n::format(browser, "unsaved-answer", &[("name", name.into())]);
                    (name.to_owned(), label, value.to_owned())
                })
                .collect();
            let page = UnsavedPage {
                tr: Tr(browser),
                message: i18n::text(browser, UNSAVED),
                csrf,
                fields,
            };
            render(StatusCode::SERVICE_UNAVAILABLE, &page)
        }
    };
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    tracing::warn!(
        appeal_id = id.0,
        "appeal form not stored: the database is unavailable; answers sent back"
    );
    Ok(response)
}
