//! One line of a subreddit's appeal list in the console: an appeal, or an appellant the bot
//! recorded without one (the control group, or a moderator who stepped in first); how the
//! list is searched and sorted.

use chrono::{DateTime, Utc};

use super::{
    AppealId, AppealStatus, AppellantId, ConversationId, Group, Outcome, ParseError, RedditUsername,
};

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
    /// The user was unbanned (the appeal's outcome, or, without an appeal, the ban check).
    Granted,
    /// Still banned when the bot stopped following (an appeal's outcome, or a control
    /// appellant no longer followed).
    Denied,
    /// The form was never submitted.
    Abandoned,
    /// A moderator stepped in before the form was in: the bot stopped.
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

    /// The moderators have the appeal and owe a decision: the answers are in modmail and
    /// no outcome is known.
    pub fn awaits_decision(self) -> bool {
        self == Self::Completed
    }
}

/// The facts one status is derived from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    pub group: Group,
    /// The appellant is no longer followed (a moderator stepped in, or the cutoff passed).
    pub ignored: bool,
    /// A ban check found the appellant unbanned.
    pub unbanned: bool,
    /// The appeal, if one was started: status, reminders, outcome.
    pub appeal: Option<(AppealStatus, i64, Option<Outcome>)>,
}

/// The one derivation of a case's status. Storage filters with the same rules in SQL; a
/// test checks that both agree on every combination.
///
/// Without an appeal the outcome is the readout's (`CaseOutcome::of_appellant`): unbanned
/// grants; a control appellant no longer followed while banned was denied. A treatment
/// appellant no longer followed before any link is one a moderator took over.
pub fn case_status(f: CaseFacts) -> CaseStatus {
    let Some((status, reminders, outcome)) = f.appeal else {
        return match (f.unbanned, f.ignored, f.group) {
            (true, _, _) => CaseStatus::Granted,
            (false, true, Group::Control) => CaseStatus::Denied,
            (false, true, Group::Treatment) => CaseStatus::Ignored,
            (false, false, _) => CaseStatus::Recorded,
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
    pub appellant_id: AppellantId,
    /// `None` for an appellant recorded without an appeal (control, or taken over first).
    pub appeal_id: Option<AppealId>,
    pub username: RedditUsername,
    pub group: Group,
    pub status: CaseStatus,
    pub conversation_id: Option<ConversationId>,
    /// When the bot first saw the user write (in this appeal's conversation).
    pub first_seen: DateTime<Utc>,
    /// The bot's first message, with the link, on Reddit.
    pub link_sent: Option<DateTime<Utc>>,
    pub opened: Option<DateTime<Utc>>,
    pub submitted: Option<DateTime<Utc>>,
    pub completed: Option<DateTime<Utc>>,
    /// When the outcome was recorded (without an appeal: seen unbanned, or no longer
    /// followed).
    pub decided: Option<DateTime<Utc>>,
    pub reminders: i64,
    /// Toxic language in what the appellant wrote: the appeal's conversation and answers,
    /// or, without an appeal, any of their messages (as the readout and the export count).
    pub toxic: bool,
}

impl Case {
    /// Since when the moderators owe a decision: the answers reached modmail.
    pub fn waiting_since(&self) -> Option<DateTime<Utc>> {
        self.completed.filter(|_| self.status.awaits_decision())
    }
}

/// The order of the appeal list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseOrder {
    /// Appeals awaiting a decision first, the longest waiting at the top; then the rest,
    /// newest first.
    #[default]
    Waiting,
    /// Newest first.
    Newest,
}

impl CaseOrder {
    pub const ALL: [CaseOrder; 2] = [Self::Waiting, Self::Newest];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Newest => "newest",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Waiting => "Longest wait",
            Self::Newest => "Newest",
        }
    }
}

/// What a moderator typed to find a user in the list: part of a username (`u/` or `/u/`
/// in front is dropped), matched anywhere in the name, case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsernameSearch(String);

impl UsernameSearch {
    /// `None` for an empty search; an error for text no username can contain.
    pub fn parse(input: &str) -> Result<Option<Self>, ParseError> {
        if input.trim().is_empty() {
            return Ok(None);
        }
        RedditUsername::parse(input).map(|u| Some(Self(u.key())))
    }

    /// The lowercase text to look for.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_win_then_the_appeal_then_the_appellant() {
        use AppealStatus::*;
        let f = |ignored, appeal| {
            case_status(CaseFacts {
                group: Group::Treatment,
                ignored,
                unbanned: false,
                appeal,
            })
        };
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
        assert_eq!(
            CaseStatus::ALL
                .into_iter()
                .filter(|s| s.awaits_decision())
                .collect::<Vec<_>>(),
            vec![CaseStatus::Completed]
        );
    }

    #[test]
    fn without_an_appeal_the_outcome_is_the_readouts() {
        let f = |group, ignored, unbanned| {
            case_status(CaseFacts {
                group,
                ignored,
                unbanned,
                appeal: None,
            })
        };
        use Group::*;
        assert_eq!(f(Control, false, false), CaseStatus::Recorded);
        assert_eq!(f(Control, false, true), CaseStatus::Granted);
        assert_eq!(f(Control, true, true), CaseStatus::Granted);
        assert_eq!(f(Control, true, false), CaseStatus::Denied);
        assert_eq!(f(Treatment, true, false), CaseStatus::Ignored);
        assert_eq!(f(Treatment, true, true), CaseStatus::Granted);
        // With an appeal, its own outcome decides: a ban check grants it there.
        let appeal = CaseFacts {
            group: Control,
            ignored: true,
            unbanned: true,
            appeal: Some((AppealStatus::Completed, 0, None)),
        };
        assert_eq!(case_status(appeal), CaseStatus::Completed);
    }

    #[test]
    fn orders_and_searches_parse_what_the_page_sends() {
        for o in CaseOrder::ALL {
            assert_eq!(CaseOrder::parse(o.as_str()), Some(o));
        }
        assert_eq!(CaseOrder::default(), CaseOrder::Waiting);
        assert_eq!(CaseOrder::parse("oldest"), None);
        assert_eq!(UsernameSearch::parse("  "), Ok(None));
        let found = UsernameSearch::parse(" u/Some_User ").expect("valid");
        assert_eq!(
            found.as_ref().map(UsernameSearch::as_str),
            Some("some_user")
        );
        assert!(UsernameSearch::parse("50%").is_err());
        assert!(UsernameSearch::parse(&"x".repeat(21)).is_err());
    }
}
