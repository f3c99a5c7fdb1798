//! `/appeal/{token}`: the personal link a banned user receives in modmail. Before the
//! appeal is submitted it is the form; afterwards it shows where the appeal stands.
//!
//! What a link may still do once its time is up: its signature keeps naming the appeal, so
//! the status page of a submitted appeal stays reachable (expiry only ends new
//! submissions), and a link the bot has since replaced is told apart from one that was
//! never valid.
//!
//! Every page here speaks the appeal's subreddit's language (its console setting, else the
//! configured default); a link that names no appeal follows the browser's.

pub mod get;
pub mod post;
pub(crate) mod questions;
mod status;
mod unsaved;

use askama::Template;
use chrono::{DateTime, Utc};

use appealmod_core::i18n;
use appealmod_shared::domain::{Appeal, AppealId, FormQuestions, Language};
use appealmod_shared::token::FormToken;

use crate::errors::{Conversation, PageError};
use crate::i18n::Tr;
use crate::startup::AppState;
pub use questions::QuestionView;
pub use status::AppealStatusPage;
pub use unsaved::ShownForms;

#[derive(Template)]
#[template(path = "appeal_form.html")]
pub struct AppealPage {
    pub tr: Tr,
    /// `<title>`, which says "Error" first when an answer needs attention.
    pub title: String,
    pub heading: String,
    pub intro: String,
    /// "Permanent ban since 2 December 2026".
    pub ban_facts: String,
    /// "2 answers need your attention".
    pub error_summary: String,
    /// What the ban message told the user, if anything. The ban list's note is what the
    /// moderators wrote for themselves and is never on this page.
    pub ban_reason: Option<String>,
    /// Neither the ban message the user answered nor the one found for a conversation they
    /// opened quotes a reason: the form says the moderators did not state one.
    pub reason_unstated: bool,
    pub csrf: String,
    pub questions: Vec<QuestionView>,
    pub error_count: usize,
    /// Above the form: why the answers in it were not stored yet, and what to do.
    pub unsaved: Option<String>,
}

impl AppealPage {
    /// The form of `appeal` in `lang` (its subreddit's language).
    pub fn new(
        appeal: &Appeal,
        csrf: String,
        questions: Vec<QuestionView>,
        lang: Language,
    ) -> Self {
        let error_count = questions.iter().filter(|q| q.problem().is_some()).count();
        let sub = appeal.subreddit.to_string();
        let tr = Tr(lang);
        let ban_date = appeal.ban_date.map(|d| i18n::date(lang, d.date_naive()));
        let title = if error_count > 0 {
            "form-title-errors"
        } else {
            "form-title"
        };
        Self {
            tr,
            title: tr.sub(title, &sub),
            heading: tr.sub("form-heading", &sub),
            intro: i18n::format(
                lang,
                "form-intro",
                &[("username", appeal.username.as_str().into())],
            ),
            ban_facts: ban_facts(lang, ban_date.as_deref(), appeal.ban_permanent),
            error_summary: i18n::format(lang, "form-errors", &[("count", error_count.into())]),
            ban_reason: shown_ban_reason(appeal),
            reason_unstated: appeal.ban_reason.trim().is_empty(),
            csrf,
            questions,
            error_count,
            unsaved: None,
        }
    }
}

/// "Permanent ban", "Temporary ban since 2 December 2026".
fn ban_facts(lang: Language, since: Option<&str>, permanent: bool) -> String {
    let id = match (since.is_some(), permanent) {
        (false, true) => "form-ban-permanent",
        (false, false) => "form-ban-temporary",
        (true, true) => "form-ban-permanent-since",
        (true, false) => "form-ban-temporary-since",
    };
    i18n::format(lang, id, &[("date", since.unwrap_or_default().into())])
}

/// The reason quoted in the ban message, when there is one. A "reason" equal to the ban
/// list's private note is taken for that note (where Reddit's `banStatus.reason` carries it)
/// and not shown: nothing moderators wrote for themselves reaches the appellant.
fn shown_ban_reason(appeal: &Appeal) -> Option<String> {
    let reason = appeal.ban_reason.trim();
    (!reason.is_empty() && reason != appeal.ban_note.trim()).then(|| reason.to_owned())
}

/// The CSRF token of an appeal's form is bound to that appeal.
pub fn form_id(appeal: AppealId) -> String {
    format!("appeal:{}", appeal.0)
}

/// An appeal found through its personal link.
pub struct Linked {
    pub appeal: Appeal,
    /// The link's time is up: no new submission, but the status stays readable.
    pub expired: bool,
}

impl Linked {
    /// The answer to an expired link of an appeal still waiting for its form: what writing
    /// again in modmail will bring (a fresh link, or the moderators once the reminders are
    /// used up).
    pub async fn expired_error(&self, state: &AppState) -> Result<PageError, PageError> {
        let settings = state.settings_in_effect(&self.appeal.subreddit).await?;
        let max = i64::from(settings.max_reminders);
        let to = conversation(state, &self.appeal, settings.language).await?;
        Ok(if self.appeal.reminders >= max {
            PageError::LinkExpiredHandedOver(to)
        } else {
            PageError::LinkExpired(to)
        })
    }
}

/// The appeal's subreddit and its conversation as the appellant reads it on Reddit
/// (`web.user_mail_url`; `mod.reddit.com` opens for moderators only).
pub async fn conversation(
    state: &AppState,
    appeal: &Appeal,
    language: Language,
) -> Result<Conversation, PageError> {
    Ok(Conversation {
        subreddit: appeal.subreddit.to_string(),
        url: user_url(state, appeal).await?,
        language,
    })
}

/// Where the appellant reads the appeal's conversation on Reddit.
pub async fn user_url(state: &AppState, appeal: &Appeal) -> Result<String, PageError> {
    let id = state.store.user_message_id(&appeal.conversation_id).await?;
    Ok(state.user_mail.user_message(id.as_deref()))
}

/// Where a submitted `appeal` stands, in `lang`, with the moderators' decision when there
/// is one: what its link shows once the form is in, and the answer to a second submission.
pub async fn status_page(
    state: &AppState,
    appeal: &Appeal,
    lang: Language,
) -> Result<AppealStatusPage, PageError> {
    Ok(
        AppealStatusPage::new(appeal, false, user_url(state, appeal).await?, lang)
            .with_decision(state.store.decision_record(appeal.id).await?),
    )
}

/// The language of the appeal's subreddit: its console's choice, else the configured one.
pub async fn language_of(state: &AppState, appeal: &Appeal) -> Result<Language, PageError> {
    Ok(state.settings_in_effect(&appeal.subreddit).await?.language)
}

/// Checks the link and finds its appeal. Not signed by us → 404. Signed, but no appeal holds
/// this link any more while the appeal itself exists → the bot sent a newer link (410).
pub async fn find_appeal(
    state: &AppState,
    raw_token: &str,
    now: DateTime<Utc>,
) -> Result<Linked, PageError> {
    let token = FormToken::parse(raw_token).map_err(|_| PageError::LinkInvalid)?;
    let claims = state
        .signer
        .verify_signature(&token)
        .map_err(|_| PageError::LinkInvalid)?;
    let Some(appeal) = state.store.appeal_by_token_hash(&token.hash()).await? else {
        return Err(match state.store.appeal(claims.appeal_id).await? {
            Some(appeal) => {
                let lang = language_of(state, &appeal).await?;
                PageError::LinkReplaced(conversation(state, &appeal, lang).await?)
            }
            None => PageError::LinkInvalid,
        });
    };
    // A valid signature for another appeal's id cannot happen unless hashes collide;
    // refuse it anyway rather than show one person's appeal to another.
    if appeal.id != claims.appeal_id {
        return Err(PageError::LinkInvalid);
    }
    Ok(Linked {
        appeal,
        expired: now >= claims.expires_at,
    })
}

/// The subreddit's questions (as its moderators wrote them), or the original study's form in
/// the subreddit's language; and that language. The form as shown is remembered, so that a
/// post the database cannot take gets it back with its answers.
pub async fn questions_for(
    state: &AppState,
    appeal: &Appeal,
) -> Result<(FormQuestions, Language), PageError> {
    let settings = state.settings_in_effect(&appeal.subreddit).await?;
    let lang = settings.language;
    state
        .shown_forms
        .remember(appeal, &settings.questions, lang);
    Ok((settings.questions, lang))
}
