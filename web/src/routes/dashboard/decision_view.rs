//! The decision section of an appeal's page: who decided and when, the claim, and the
//! controls (claim, grant, deny with a named message, reduce), with the notice of the last
//! post (`?notice=` from `decide_post`).

use chrono::{DateTime, Utc};

use appealmod_core::decide::verdict::{DecisionState, DecisionTemplates, Refusal, recused};
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
    /// Where the decision forms post: the appeal's `/decide`, or for a control appellant
    /// without an appeal yet the appellant's (which records the control appeal first).
    pub action: String,
    /// A control appeal: the moderators answer in modmail themselves, so the page offers no
    /// reply without deciding (the bot writes there only to carry out a decision).
    pub control: bool,
    /// "u/x (a ban done in modmail)" or "unknown".
    pub banned_by: String,
    /// "u/x issued this ban and may not decide it": the recusal rule holds me back.
    pub recused: Option<String>,
}

/// What the decision section is about.
pub struct DecisionOf<'a> {
    /// The appeal, or `None` for a control appellant a moderator has not acted on yet.
    pub appeal: Option<&'a Appeal>,
    pub action: String,
    pub control: bool,
    /// Its decision, claim, banning moderator and the subreddit's recusal rule.
    pub state: &'a DecisionState,
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
        "recused" => {
            "Not recorded: you issued this ban, and this subreddit's recusal rule \
                      leaves its appeal to another moderator."
        }
        "control-reply" => {
            "Not sent: in the control group the bot writes only to carry out a \
                            decision; answer in modmail yourself."
        }
        _ => return None,
    })
}

impl DecisionView {
    pub fn of(
        on: &DecisionOf<'_>,
        me: &RedditUsername,
        csrf: String,
        templates: &DecisionTemplates,
        notice: Option<&str>,
        now: DateTime<Utc>,
    ) -> Self {
        let state = on.state;
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
        // A control appellant without an appeal is decided like a complete one.
        let complete = on
            .appeal
            .is_none_or(|a| matches!(a.status, AppealStatus::Completed | AppealStatus::Submitted));
        let recused = match recused(state.recusal, state.banned_by.as_ref(), me) {
            Some(Refusal::Recused { by }) => Some(format!(
                "u/{by} issued this ban and may not decide it: this subreddit's recusal rule \
                 leaves the appeal to another moderator."
            )),
            _ => None,
        };
        Self {
            can_decide: complete && decided.is_none() && recused.is_none(),
            decided,
            claim,
            csrf,
            denials: templates
                .deny
                .iter()
                .map(|(name, _)| name.clone())
                .collect(),
            notice: notice.and_then(notice_text),
            action: on.action.clone(),
            control: on.control,
            banned_by: match &state.banned_by {
                Some(by) => format!("u/{by} (a ban done in modmail)"),
                None => {
                    "unknown (Reddit names the moderator only for a ban done in modmail)".to_owned()
                }
            },
            recused,
        }
    }
}
