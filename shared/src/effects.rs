//! From the core's actions to journal entries: message bodies rendered (the personal link
//! left as [`STORED_LINK`](crate::token::STORED_LINK) for the sender) with the invisible
//! marker the sender looks for when it must check whether an uncertain send went through.
//! One place, for the bot's dialogue and for the moderators' decisions the site records.

use appealmod_core::decide::{Action, Body, StepMarker};

use crate::domain::{AppealId, ConversationId, Messages, Placeholders};
use crate::storage::{EffectKind, NewEffect};

/// Invisible in rendered markdown; lets the sender find its own message when it must check
/// whether an uncertain send went through.
pub fn with_marker(body: &str, marker: &str) -> String {
    format!("{body}\n\n[](#{marker})")
}

/// The journal entry for one action of a step.
pub fn entry(
    action: &Action,
    appeal_id: Option<AppealId>,
    conversation_id: &ConversationId,
    step: &StepMarker,
    messages: &Messages,
    fill: &Placeholders<'_>,
) -> NewEffect {
    let marker = step.of(action);
    let render = |t: &str| Messages::render(t, fill);
    let (kind, body) = match action {
        Action::Reply(b) => {
            let text = match b {
                Body::Initial => render(&messages.initial),
                Body::Reminder => render(&messages.reminder),
                Body::Final => render(&messages.final_),
                Body::Text(t) => t.clone(),
            };
            (EffectKind::Reply, Some(with_marker(&text, &marker)))
        }
        Action::Note(n) => (EffectKind::Note, Some(with_marker(n, &marker))),
        Action::Archive => (EffectKind::Archive, None),
        Action::Unarchive => (EffectKind::Unarchive, None),
        // Plain text on Reddit, where a marker would show: read back by its text instead.
        Action::ModNote(n) => (EffectKind::ModNote, Some(n.clone())),
        Action::Unban => (EffectKind::Unban, None),
        Action::TempBan(days) => (EffectKind::TempBan, Some(days.to_string())),
    };
    NewEffect {
        appeal_id,
        conversation_id: conversation_id.clone(),
        kind,
        body,
        step: Some(step.kind()),
        completes_appeal: step.completes(action),
        marker,
    }
}

/// The journal entry of an action whose text is already written (a moderator's decision or
/// message, the bot's answer to a command): no template, no personal link.
pub fn written(
    action: &Action,
    appeal_id: Option<AppealId>,
    conversation_id: &ConversationId,
    step: &StepMarker,
) -> NewEffect {
    let none = Placeholders {
        username: "",
        subreddit: "",
        link: "",
        expires: "",
    };
    entry(
        action,
        appeal_id,
        conversation_id,
        step,
        &Messages::default(),
        &none,
    )
}

/// A short key of a text (16 hex digits of its SHA-256): the marker of a message a
/// moderator writes, so that the same message queued twice is one entry.
pub fn text_key(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The journal entries of a moderators' decision on an appeal (its message is already
/// written; nothing of it is a template of the dialogue).
pub fn decision_entries(
    plan: &appealmod_core::decide::verdict::DecisionPlan,
    conversation_id: &ConversationId,
) -> Vec<NewEffect> {
    plan.decision
        .actions()
        .iter()
        .map(|a| written(a, Some(plan.appeal), conversation_id, &plan.marker))
        .collect()
}
