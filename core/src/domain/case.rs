//! One line of a subreddit's appeal list in the console: an appeal, or an appellant the bot
//! recorded without one (the control group, or a moderator who stepped in first).

use chrono::{DateTime, Utc};

use super::{AppealStatus, ConversationId, Group, Outcome, RedditUsername};

/// Where a case stands, as moderators read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    /// The form link was sent; no reminder yet.
    Contacted,
    /// The user wrote again and got the link again.
    Reminded,
    /// The form is in; the bot has not passed it on yet.
    Submitted,
    /// The answers are in modmail for the moderators; no outcome known yet.
    Completed,
    /// The user was unbanned.
    Granted,
    /// Still banned when the bot stopped following.
    Denied,
    /// The form was never submitted.
    Abandoned,
    /// A moderator stepped in: the bot stopped.
    Ignored,
    /// Recorded only: the control group (never contacted), or no appeal was started.
    Recorded,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 9] = [
        Self::Contacted,
        Self::Reminded,
        Self::Submitted,
        Self::Completed,
        Self::Granted,
        Self::Denied,
        Self::Abandoned,
        Self::Ignored,
        Self::Recorded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contacted => "contacted",
            Self::Reminded => "reminded",
            Self::Submitted => "submitted",
            Self::Completed => "completed",
            Self::Granted => "granted",
            Self::Denied => "denied",
            Self::Abandoned => "abandoned",
            Self::Ignored => "ignored",
            Self::Recorded => "recorded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Contacted => "Contacted",
            Self::Reminded => "Reminded",
            Self::Submitted => "Submitted",
            Self::Completed => "Completed",
            Self::Granted => "Granted",
            Self::Denied => "Denied",
            Self::Abandoned => "Abandoned",
            Self::Ignored => "Moderator took over",
            Self::Recorded => "Recorded only",
        }
    }
}

/// The facts one status is derived from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    /// The appellant is no longer followed (a moderator stepped in, or the cutoff passed).
    pub ignored: bool,
    /// The appeal, if one was started: status, reminders, outcome.
    pub appeal: Option<(AppealStatus, i64, Option<Outcome>)>,
}

/// The one derivation of a case's status. Storage filters with the same rules in SQL; a
/// test checks that both agree on every combination.
pub fn case_status(f: CaseFacts) -> CaseStatus {
    let Some((status, reminders, outcome)) = f.appeal else {
        return if f.ignored {
            CaseStatus::Ignored
        } else {
            CaseStatus::Recorded
        };
    };
    match (outcome, status) {
        (Some(Outcome::Granted), _) => CaseStatus::Granted,
        (Some(Outcome::Denied), _) => CaseStatus::Denied,
        (None, AppealStatus::Completed) => CaseStatus::Completed,
        (None, AppealStatus::Submitted) => CaseStatus::Submitted,
        (None, AppealStatus::Abandoned) => CaseStatus::Abandoned,
        (None, AppealStatus::Prompted) if f.ignored => CaseStatus::Ignored,
        (None, AppealStatus::Prompted) if reminders > 0 => CaseStatus::Reminded,
        (None, AppealStatus::Prompted) => CaseStatus::Contacted,
    }
}

/// One line of the appeal list.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub username: RedditUsername,
    pub group: Group,
    pub status: CaseStatus,
    pub conversation_id: Option<ConversationId>,
    /// When the bot first saw the user write (in this appeal's conversation).
    pub first_seen: DateTime<Utc>,
    pub link_sent: Option<DateTime<Utc>>,
    pub opened: Option<DateTime<Utc>>,
    pub submitted: Option<DateTime<Utc>>,
    pub completed: Option<DateTime<Utc>>,
    pub reminders: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_win_then_the_appeal_then_the_appellant() {
        use AppealStatus::*;
        let f = |ignored, appeal| case_status(CaseFacts { ignored, appeal });
        assert_eq!(f(false, None), CaseStatus::Recorded);
        assert_eq!(f(true, None), CaseStatus::Ignored);
        assert_eq!(f(false, Some((Prompted, 0, None))), CaseStatus::Contacted);
        assert_eq!(f(false, Some((Prompted, 2, None))), CaseStatus::Reminded);
        assert_eq!(f(true, Some((Prompted, 2, None))), CaseStatus::Ignored);
        assert_eq!(f(true, Some((Abandoned, 0, None))), CaseStatus::Abandoned);
        assert_eq!(f(false, Some((Submitted, 0, None))), CaseStatus::Submitted);
        assert_eq!(f(true, Some((Completed, 1, None))), CaseStatus::Completed);
        assert_eq!(
            f(false, Some((Prompted, 0, Some(Outcome::Granted)))),
            CaseStatus::Granted
        );
        assert_eq!(
            f(true, Some((Completed, 0, Some(Outcome::Denied)))),
            CaseStatus::Denied
        );
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(s));
        }
    }
}
