//! What the readout counts, and from when: the definitions behind every figure, in one
//! place. The results pages, the live view and the export all take them from here.
//!
//! **Reached the moderators** means the moderators saw the conversation in modmail ([`Reach`]):
//! every control appeal (the bot never touches it); a treatment appeal whose form was
//! completed (its answers are posted for them), that the bot handed over after the last
//! reminder (the user kept writing: the conversation stays in their inbox), that a human
//! moderator took over before the form came, or that the bot never engaged (no link was ever
//! sent). A treatment appeal whose form never came and that the bot stopped following was
//! filtered out: it stayed archived. One that is still waiting for its form, or whose form
//! is in but not yet posted, is *open*: it may still go either way.
//!
//! **An appeal enters a comparison only once its outcome for that comparison can no longer
//! change** ([`Count::Settled`]) **or once its window has passed** ([`Count::Lapsed`]: it is
//! then counted with the outcome it has so far); until then it is [`Count::Open`] and shown
//! beside the verdict as "still open, not yet counted". Counting an open treatment appeal as
//! "not reached" would flatter the treatment: the form may still come. The window defaults
//! to the link lifetime plus the time the bot keeps following a quiet appellant
//! (`bot.update_cutoff`): by then an appeal has been completed, handed over, taken over or
//! abandoned unless the user kept writing.
//!
//! Every comparison is **by assigned group** (intention to treat): all appeals of the
//! treatment group, whether or not the bot sent them a link and whether or not they opened
//! it, against all appeals of the control group.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{CaseOutcome, ReadoutRow};
use crate::domain::{AppealStatus, Group};

/// When the readout is made and how it counts. Core reads no clock: `now` comes from the
/// caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub now: DateTime<Utc>,
    /// An appeal whose outcome can still change is counted, with the outcome it has so far,
    /// once this long has passed since it began.
    pub window: Duration,
    /// The number of appeals (both groups) at which the sequential intervals are tuned to be
    /// narrowest. A choice made before looking, as a plan's; it never affects their validity.
    pub planned_appeals: u64,
}

impl Rules {
    /// The planned size when none was chosen: a few months of a busy subreddit.
    pub const DEFAULT_PLANNED_APPEALS: u64 = 500;

    pub fn new(now: DateTime<Utc>, window: Duration) -> Self {
        Self {
            now,
            window,
            planned_appeals: Self::DEFAULT_PLANNED_APPEALS,
        }
    }

    /// The default window: the link's lifetime plus the days the bot keeps following a quiet
    /// appellant before it gives the appeal up.
    pub fn default_window(link_ttl_days: u32, update_cutoff_days: u32) -> Duration {
        Duration::days(i64::from(link_ttl_days) + i64::from(update_cutoff_days))
    }

    /// The window of an appeal begun at `started` has passed.
    pub fn lapsed(&self, started: DateTime<Utc>) -> bool {
        self.now - started >= self.window
    }
}

/// Whether and how an appeal reached the moderators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// A control appeal: the moderators see it as they always did.
    Control,
    /// A treatment appellant the bot never sent a link (a moderator was first, the
    /// subreddit was paused, the ban was excluded): modmail as usual.
    NeverEngaged,
    /// The form was completed and posted for the moderators.
    Completed,
    /// The user kept writing after the last reminder: the bot handed the conversation over.
    HandedOver,
    /// A human moderator wrote in the conversation before the form came.
    TakenOver,
    /// The form never came and the bot stopped following: it stayed archived.
    Abandoned,
    /// The form is in; the bot has not posted it for the moderators yet. Open.
    Submitted,
    /// Waiting for the form. Open.
    Waiting,
}

impl Reach {
    pub const ALL: [Self; 8] = [
        Self::Control,
        Self::NeverEngaged,
        Self::Completed,
        Self::HandedOver,
        Self::TakenOver,
        Self::Abandoned,
        Self::Submitted,
        Self::Waiting,
    ];

    /// Where `r` stands. Completion wins over everything (a form submitted after a
    /// hand-over is still passed on); a hand-over over a take-over (both stop the bot).
    pub fn of(r: &ReadoutRow) -> Self {
        if r.group == Group::Control {
            return Self::Control;
        }
        let Some(status) = r.status else {
            return Self::NeverEngaged;
        };
        if status == AppealStatus::Completed || r.completed_at.is_some() {
            return Self::Completed;
        }
        if r.handed_over_at.is_some() {
            return Self::HandedOver;
        }
        match status {
            AppealStatus::Abandoned => Self::Abandoned,
            AppealStatus::Submitted => Self::Submitted,
            AppealStatus::Prompted if r.stopped_since_start() => Self::TakenOver,
            AppealStatus::Prompted => Self::Waiting,
            AppealStatus::Completed => Self::Completed,
        }
    }

    /// The moderators saw the conversation (so far, for an open one).
    pub fn reached(self) -> bool {
        matches!(
            self,
            Self::Control
                | Self::NeverEngaged
                | Self::Completed
                | Self::HandedOver
                | Self::TakenOver
        )
    }

    /// It can no longer change.
    pub fn settled(self) -> bool {
        !matches!(self, Self::Submitted | Self::Waiting)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Control => "control",
            Self::NeverEngaged => "never_engaged",
            Self::Completed => "completed",
            Self::HandedOver => "handed_over",
            Self::TakenOver => "taken_over",
            Self::Abandoned => "abandoned",
            Self::Submitted => "submitted",
            Self::Waiting => "waiting",
        }
    }
}

/// How an appeal enters one comparison at the time of the readout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Count {
    /// Its outcome for this comparison can no longer change: counted.
    Settled,
    /// Still open, but its window has passed: counted with the outcome it has so far.
    Lapsed,
    /// Still open, within its window: not counted yet.
    Open,
}

impl Count {
    pub fn counted(self) -> bool {
        self != Self::Open
    }
}

/// The comparisons of the readout, each with its own rule for when an appeal is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Reached the moderators, of all appeals. Settled with its [`Reach`].
    Reached,
    /// Toxic and reached the moderators, of all appeals. Settled when it can no longer
    /// reach them, or when it reached them and the case is closed (decided, abandoned or no
    /// longer followed, so no later message is read into its toxicity).
    ToxicReached,
    /// Granted (unbanned), of all appeals. Settled once granted, denied or abandoned.
    Granted,
}

impl Metric {
    /// The appeal counts as a success of this comparison (so far).
    pub fn hit(self, r: &ReadoutRow) -> bool {
        match self {
            Self::Reached => Reach::of(r).reached(),
            Self::ToxicReached => r.toxicity.toxic && Reach::of(r).reached(),
            Self::Granted => r.outcome == CaseOutcome::Granted,
        }
    }

    /// Its outcome for this comparison can no longer change.
    pub fn settled(self, r: &ReadoutRow) -> bool {
        let reach = Reach::of(r);
        match self {
            Self::Reached => reach.settled(),
            Self::ToxicReached => reach.settled() && (!reach.reached() || r.closed()),
            Self::Granted => r.outcome != CaseOutcome::Pending,
        }
    }

    /// How `r` enters this comparison under `rules`.
    pub fn count(self, r: &ReadoutRow, rules: &Rules) -> Count {
        if self.settled(r) {
            Count::Settled
        } else if rules.lapsed(r.started_at) {
            Count::Lapsed
        } else {
            Count::Open
        }
    }
}

#[cfg(test)]
#[path = "definitions_tests.rs"]
mod tests;
