//! What committing a decision does, decided here rather than in the shell: the appeal's
//! state transition, whether the appellant is still followed, the actions, the typed marker
//! of the step's journal entries, and until when the link its messages carry works. The
//! shell gathers facts, calls [`plan`], and commits the [`Plan`] in one transaction through
//! one path; it decides nothing of its own.

use chrono::{DateTime, Utc};

use super::{Action, Decision, DialogueSettings, needs_new_link};
use crate::domain::{Appeal, AppealId, AppealStatus, BanEntry, ConversationId};

/// What [`plan`] looks at besides the decision.
#[derive(Debug, Clone, Copy)]
pub struct PlanFacts<'a> {
    pub now: DateTime<Utc>,
    pub conversation: &'a ConversationId,
    /// The appellant's appeals the decision saw, oldest first.
    pub appeals: &'a [Appeal],
    pub settings: &'a DialogueSettings,
    /// The participant's ban-list entry, when it was read.
    pub ban: Option<&'a BanEntry>,
    /// The reason quoted in the ban notice, as the user read it.
    pub ban_message_reason: Option<&'a str>,
    /// Reddit says the ban is permanent (true when it does not say).
    pub ban_permanent: bool,
}

/// A new appeal, as the plan opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAppeal {
    /// The older unanswered appeal this decision saw: a new ban ends it (abandoned). Only
    /// the one the decision saw, so a runner that saw none cannot close another runner's
    /// new appeal (the one-open-appeal index refuses that runner instead).
    pub close: Option<AppealId>,
    pub link_expires: DateTime<Utc>,
    /// What the moderators noted in the ban list.
    pub ban_note: String,
    /// What the user was told (the quote in the ban notice), shown on their form.
    pub ban_reason: String,
    pub ban_date: Option<DateTime<Utc>>,
    pub ban_permanent: bool,
}

/// What a decision does to the stored appeal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// No appeal changes.
    None,
    Open(OpenAppeal),
    /// One more reminder; a link about to expire is replaced by one working until
    /// `renew_link_until` (the old one stops working).
    Remind {
        appeal: AppealId,
        renew_link_until: Option<DateTime<Utc>>,
    },
    /// The submitted form was passed on. The appeal is *completed* when the step's
    /// moderators' note is on Reddit: that journal entry is marked by
    /// [`StepMarker::completes`].
    PassOn {
        appeal: AppealId,
    },
    /// The reminders are used up: the moderators have the conversation.
    HandOver {
        appeal: AppealId,
    },
}

/// The kind of step a journal entry belongs to: stored beside the entry, so that what reads
/// the journal (the live view) never parses marker text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StepKind {
    MissingReason,
    Start,
    Remind,
    Complete,
    HandOver,
    /// Carrying out the moderators' decision.
    Decision,
}

/// The step a journal entry belongs to, and of which appeal: its text is the entry's
/// idempotency key (one step is decided once) and the invisible marker the sender looks for
/// when it reads back an uncertain send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepMarker {
    MissingReason(ConversationId),
    Start(AppealId),
    /// The `n`th reminder.
    Remind {
        appeal: AppealId,
        n: i64,
    },
    Complete(AppealId),
    HandOver(AppealId),
    /// The moderators' decision on the appeal (one per appeal).
    Decision(AppealId),
    /// The bot's answer to a command in a moderator's private note (by the note's id: one
    /// answer per command, however often the conversation is read).
    Command(String),
}

impl StepMarker {
    pub fn kind(&self) -> StepKind {
        match self {
            Self::MissingReason(_) => StepKind::MissingReason,
            Self::Start(_) => StepKind::Start,
            Self::Remind { .. } => StepKind::Remind,
            Self::Complete(_) => StepKind::Complete,
            Self::HandOver(_) => StepKind::HandOver,
            Self::Decision(_) | Self::Command(_) => StepKind::Decision,
        }
    }

    /// The marker of this step's entry for `action` (stable text: stored markers of
    /// earlier versions stay valid).
    pub fn of(&self, action: &Action) -> String {
        let step = match self {
            Self::MissingReason(c) => format!("missing-reason-{c}"),
            Self::Start(a) => format!("appeal-{}-start", a.0),
            Self::Remind { appeal, n } => format!("appeal-{}-remind{n}", appeal.0),
            Self::Complete(a) => format!("appeal-{}-complete", a.0),
            Self::HandOver(a) => format!("appeal-{}-handover", a.0),
            Self::Decision(a) => format!("appeal-{}-decision", a.0),
            Self::Command(message) => format!("command-{message}"),
        };
        let tag = match action {
            Action::Reply(_) => "reply",
            Action::Note(_) => "note",
            Action::Archive => "archive",
            Action::Unarchive => "unarchive",
            Action::ModNote(_) => "modnote",
            Action::Unban => "unban",
            Action::TempBan(_) => "tempban",
        };
        format!("{step}-{tag}")
    }

    /// Whether `action`'s entry, once on Reddit, completes the appeal: the moderators'
    /// note of a completion step (an appeal is complete only once its note is there).
    pub fn completes(&self, action: &Action) -> bool {
        matches!(self, Self::Complete(_)) && matches!(action, Action::Note(_))
    }
}

/// The marker of a plan's entries. A new appeal's id is known only once it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    Known(StepMarker),
    /// [`StepMarker::Start`] of the appeal the plan opens.
    OfNewAppeal,
}

impl Marker {
    /// The step marker, given the id the opened appeal got (if the plan opens one).
    pub fn resolve(&self, opened: Option<AppealId>) -> Option<StepMarker> {
        match self {
            Self::Known(m) => Some(m.clone()),
            Self::OfNewAppeal => opened.map(StepMarker::Start),
        }
    }
}

/// Everything committing a decision does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub decision: Decision,
    pub transition: Transition,
    /// The bot stops following the appellant (a moderator took over, or the conversation
    /// was handed over).
    pub stop_following: bool,
    /// `None` when the decision writes nothing.
    pub marker: Option<Marker>,
    /// Until when the personal link carried by the step's messages works.
    pub link_expires: Option<DateTime<Utc>>,
}

/// A decision that needs an appeal the facts do not hold: a bug in the caller, reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {0} decision needs the appeal it is about, and none was given")]
pub struct NoAppeal(pub &'static str);

/// The plan of `decision`.
pub fn plan(decision: Decision, f: &PlanFacts<'_>) -> Result<Plan, NoAppeal> {
    let latest = f.appeals.last();
    let need = |what| latest.ok_or(NoAppeal(what));
    let (transition, marker, link_expires) = match &decision {
        Decision::NoteMissingReason(_) => (
            Transition::None,
            Some(Marker::Known(StepMarker::MissingReason(
                f.conversation.clone(),
            ))),
            None,
        ),
        Decision::StartAppeal(_) => {
            let open = open_appeal(f);
            let expires = open.link_expires;
            (
                Transition::Open(open),
                Some(Marker::OfNewAppeal),
                Some(expires),
            )
        }
        Decision::Remind(_) => {
            let a = need("reminder")?;
            let renew = needs_new_link(a, f.now, f.settings).then(|| f.now + f.settings.link_ttl);
            let marker = StepMarker::Remind {
                appeal: a.id,
                n: a.reminders + 1,
            };
            let transition = Transition::Remind {
                appeal: a.id,
                renew_link_until: renew,
            };
            let expires = renew.unwrap_or(a.token_expires_at);
            (transition, Some(Marker::Known(marker)), Some(expires))
        }
        Decision::Complete(_) => {
            let a = need("completion")?;
            // The same link: after submission it shows where the appeal stands.
            let marker = Marker::Known(StepMarker::Complete(a.id));
            (
                Transition::PassOn { appeal: a.id },
                Some(marker),
                Some(a.token_expires_at),
            )
        }
        Decision::HandOver(_) => {
            let a = need("hand-over")?;
            let marker = Marker::Known(StepMarker::HandOver(a.id));
            (Transition::HandOver { appeal: a.id }, Some(marker), None)
        }
        // A moderator's decision is planned by `verdict::decide_appeal` and written with
        // its outcome; nothing of the dialogue changes.
        Decision::Carry(_)
        | Decision::ModeratorTookOver
        | Decision::Skip(_)
        | Decision::Control
        | Decision::Nothing(_) => (Transition::None, None, None),
    };
    let stop_following = matches!(
        decision,
        Decision::ModeratorTookOver | Decision::HandOver(_)
    );
    Ok(Plan {
        decision,
        transition,
        stop_following,
        marker,
        link_expires,
    })
}

fn open_appeal(f: &PlanFacts<'_>) -> OpenAppeal {
    OpenAppeal {
        close: f
            .appeals
            .last()
            .filter(|a| a.status == AppealStatus::Prompted)
            .map(|a| a.id),
        link_expires: f.now + f.settings.link_ttl,
        ban_note: f.ban.map(|b| b.note.clone()).unwrap_or_default(),
        ban_reason: f.ban_message_reason.unwrap_or_default().to_owned(),
        ban_date: f.ban.map(|b| b.date),
        ban_permanent: f.ban_permanent,
    }
}
