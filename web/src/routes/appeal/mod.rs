//! `/appeal/{token}`: the personal appeal form a banned user receives in modmail.

pub mod get;
pub mod post;
mod questions;

use askama::Template;
use chrono::{DateTime, Utc};

use appealmod_shared::domain::Appeal;
use appealmod_shared::domain::FormQuestions;
use appealmod_shared::token::{FormToken, TokenError};

use crate::errors::PageError;
use crate::startup::AppState;
pub use questions::QuestionView;

#[derive(Template)]
#[template(path = "appeal_form.html")]
pub struct AppealPage {
    pub subreddit: String,
    pub username: String,
    pub ban_note: String,
    pub ban_reason: String,
    pub ban_date: Option<String>,
    pub ban_permanent: bool,
    pub csrf: String,
    pub questions: Vec<QuestionView>,
    pub error_count: usize,
}

#[derive(Template)]
#[template(path = "appeal_done.html")]
pub struct AppealDone {
    pub subreddit: String,
    /// Submitted by this request (thank you) rather than before (already received).
    pub just_now: bool,
}

impl AppealPage {
    pub fn new(appeal: &Appeal, csrf: String, questions: Vec<QuestionView>) -> Self {
        let error_count = questions.iter().filter(|q| q.error.is_some()).count();
        Self {
            subreddit: appeal.subreddit.to_string(),
            username: appeal.username.to_string(),
            ban_note: appeal.ban_note.trim().to_owned(),
            ban_reason: appeal.ban_reason.trim().to_owned(),
            ban_date: appeal.ban_date.map(|d| d.format("%-d %B %Y").to_string()),
            ban_permanent: appeal.ban_permanent,
            csrf,
            questions,
            error_count,
        }
    }
}

/// The CSRF token of an appeal's form is bound to that appeal.
pub fn form_id(appeal: &Appeal) -> String {
    format!("appeal:{}", appeal.id.0)
}

/// Checks the link and finds its appeal: bad signature or unknown → 404, expired → 410.
pub async fn find_appeal(
    state: &AppState,
    raw_token: &str,
    now: DateTime<Utc>,
) -> Result<Appeal, PageError> {
    let token = FormToken::parse(raw_token).map_err(|_| PageError::LinkInvalid)?;
    let claims = state.signer.verify(&token, now).map_err(|e| match e {
        TokenError::Invalid => PageError::LinkInvalid,
        TokenError::Expired => PageError::LinkExpired,
    })?;
    let appeal = state
        .store
        .appeal_by_token_hash(&token.hash())
        .await?
        .ok_or(PageError::LinkInvalid)?;
    // A valid signature for another appeal's id cannot happen unless hashes collide;
    // refuse it anyway rather than show one person's appeal to another.
    if appeal.id != claims.appeal_id {
        return Err(PageError::LinkInvalid);
    }
    Ok(appeal)
}

/// The subreddit's questions, or the original study's form.
pub async fn questions_for(state: &AppState, appeal: &Appeal) -> Result<FormQuestions, PageError> {
    Ok(state
        .store
        .subreddit(&appeal.subreddit)
        .await?
        .and_then(|s| s.form_questions)
        .unwrap_or_default())
}
