//! `/appeal/{token}`: the personal link a banned user receives in modmail. Before the
//! appeal is submitted it is the form; afterwards it shows where the appeal stands.
//!
//! What a link may still do once its time is up: its signature keeps naming the appeal, so
//! the status page of a submitted appeal stays reachable (expiry only ends new
//! submissions), and a link the bot has since replaced is told apart from one that was
//! never valid.

pub mod get;
pub mod post;
mod questions;
mod status;
mod unsaved;

use askama::Template;
use chrono::{DateTime, Utc};

use appealmod_shared::domain::{Appeal, AppealId, FormQuestions};
use appealmod_shared::token::FormToken;

use crate::errors::{Conversation, PageError};
use crate::startup::AppState;
pub use questions::QuestionView;
pub use status::AppealStatusPage;
pub use unsaved::ShownForms;

#[derive(Template)]
#[template(path = "appeal_form.html")]
pub struct AppealPage {
    pub subreddit: String,
    pub username: String,
    /// What the ban message told the user, if anything. The ban list's note is what the
    /// moderators wrote for themselves and is never on this page.
    pub ban_reason: Option<String>,
    pub ban_date: Option<String>,
    pub ban_permanent: bool,
    pub csrf: String,
    pub questions: Vec<QuestionView>,
    pub error_count: usize,
    pub form_duration: &'static str,
    /// Above the form: why the answers in it were not stored yet, and what to do.
    pub unsaved: Option<&'static str>,
}

impl AppealPage {
    pub fn new(appeal: &Appeal, csrf: String, questions: Vec<QuestionView>) -> Self {
        let error_count = questions.iter().filter(|q| q.problem().is_some()).count();
        Self {
            subreddit: appeal.subreddit.to_string(),
            username: appeal.username.to_string(),
            ban_reason: shown_ban_reason(appeal),
            ban_date: appeal.ban_date.map(|d| d.format("%-d %B %Y").to_string()),
            ban_permanent: appeal.ban_permanent,
            csrf,
            questions,
            error_count,
            form_duration: appealmod_shared::policy::FORM_DURATION,
            unsaved: None,
        }
    }
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
        let max = i64::from(
            state
                .settings_in_effect(&self.appeal.subreddit)
                .await?
                .max_reminders,
        );
        let to = conversation(state, &self.appeal);
        Ok(if self.appeal.reminders >= max {
            PageError::LinkExpiredHandedOver(to)
        } else {
            PageError::LinkExpired(to)
        })
    }
}

/// The appeal's subreddit and modmail conversation, where its appellant writes.
pub fn conversation(state: &AppState, appeal: &Appeal) -> Conversation {
    Conversation {
        subreddit: appeal.subreddit.to_string(),
        url: state.modmail.conversation(&appeal.conversation_id),
    }
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
            Some(appeal) => PageError::LinkReplaced(conversation(state, &appeal)),
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

/// The subreddit's questions, or the original study's form. The form as shown is
/// remembered, so that a post the database cannot take gets it back with its answers.
pub async fn questions_for(state: &AppState, appeal: &Appeal) -> Result<FormQuestions, PageError> {
    let questions = state.settings_in_effect(&appeal.subreddit).await?.questions;
    state.shown_forms.remember(appeal, &questions);
    Ok(questions)
}
