//! The decision section of an appeal's page: who decided and when, the claim, and the
//! controls (claim, grant, deny with a named message, reduce), with the notice of the last
//! post (`?notice=` from `decide_post`).

use chrono::{DateTime, Utc};

use appealmod_core::decide::verdict::{DecisionState, DecisionTemplates};
use appealmod_shared::domain::{Appeal, AppealStatus, RedditUsername};

use crate::console::when;

#[derive(Debug, Clone)]
pub struct DecisionView {
    /// "Granted by u/x on 2 Dec 2026, 01:47 UTC": set once decided.
    pub decided: Option<String>,
    /// Who holds the appeal and until when, while a claim runs.
    pub claim: Option<String>,
    /// Controls are shown: the appeal is complete (or submitted) and not decided.
    pub can_decide: bool,
    pub csrf: String,
    /// The names of the denial messages.
    pub denials: Vec<String>,
    pub notice: Option<&'static str>,
}

/// The sentence a `?notice=` code stands for; unknown codes show nothing.
fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "decided" => "Decision recorded. The bot carries it out at its next pass.",
        "claimed" => "You hold this appeal for 30 minutes.",
        "replied" => "Message queued: the bot sends it in the conversation at its next pass.",
        "already-replied" => "That message was queued already; it is sent once.",
        "claimed-by-other" => "Not recorded: another moderator holds this appeal.",
        "already-decided" => "Not recorded: this appeal was already decided (see below).",
        "not-complete" => "Not recorded: the appeal is not complete yet.",
        "bad-days" => "Not recorded: a temporary ban lasts 1 to 999 days.",
        "unknown-template" => "Not recorded: there is no message by that name.",
        _ => return None,
    })
}

impl DecisionView {
    pub fn of(
        appeal: &Appeal,
        state: &DecisionState,
        me: &RedditUsername,
        csrf: String,
        templates: &DecisionTemplates,
        notice: Option<&str>,
        now: DateTime<Utc>,
    ) -> Self {
        let decided = state.decided.as_ref().map(|(outcome, by, at)| {
            let what = match outcome {
                appealmod_shared::domain::Outcome::Granted => "Granted",
                appealmod_shared::domain::Outcome::Denied => "Denied",
            };
            format!("{what} by {by} on {}.", when(Some(*at)))
        });
        let claim =
            state
                .claim
                .as_ref()
                .filter(|(_, until)| *until > now)
                .map(|(holder, until)| {
                    if holder.as_str().eq_ignore_ascii_case(me.as_str()) {
                        format!("You hold this appeal until {}.", when(Some(*until)))
                    } else {
                        format!(
                            "u/{holder} holds this appeal until {}: wait, or ask them.",
                            when(Some(*until))
                        )
                    }
                });
        let complete = matches!(
            appeal.status,
            AppealStatus::Completed | AppealStatus::Submitted
        );
        Self {
            can_decide: complete && decided.is_none(),
            decided,
            claim,
            csrf,
            denials: templates
                .deny
                .iter()
                .map(|(name, _)| name.clone())
                .collect(),
            notice: notice.and_then(notice_text),
        }
    }
}
