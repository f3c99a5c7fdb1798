//! What the started runner decides about the appellants it follows, from stored facts alone:
//! the outcome a ban check reveals, and what becomes of an appeal when its appellant is no
//! longer followed. The shell commits each decision with its state change in one
//! transaction.

use crate::domain::{Appeal, AppealId, AppealStatus, Outcome};

/// What a ban check found about the appellant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BanStatus {
    /// The account itself is gone.
    Deleted,
    Banned,
    Unbanned,
}

/// The outcome a ban check settles on the latest appeal: being unbanned grants it. A
/// recorded outcome is never overwritten.
pub fn after_ban_check(status: BanStatus, latest: Option<&Appeal>) -> Option<(AppealId, Outcome)> {
    match status {
        BanStatus::Unbanned => latest
            .filter(|a| a.outcome.is_none())
            .map(|a| (a.id, Outcome::Granted)),
        BanStatus::Banned | BanStatus::Deleted => None,
    }
}

/// What becomes of the latest appeal when its appellant had no change for the cutoff period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retirement {
    /// The form was never submitted.
    Abandon(AppealId),
    /// Completed, still banned (or not known to be unbanned): the moderators said no.
    Deny(AppealId),
}

pub fn on_retire(latest: Option<&Appeal>, still_banned: Option<bool>) -> Option<Retirement> {
    let appeal = latest?;
    match appeal.status {
        AppealStatus::Prompted => Some(Retirement::Abandon(appeal.id)),
        AppealStatus::Completed if appeal.outcome.is_none() && still_banned != Some(false) => {
            Some(Retirement::Deny(appeal.id))
        }
        AppealStatus::Completed | AppealStatus::Submitted | AppealStatus::Abandoned => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::{AppellantId, ConversationId, RedditUsername, SubredditName};

    fn appeal(status: AppealStatus, outcome: Option<Outcome>) -> Appeal {
        let t = Utc.timestamp_opt(1_700_000_000, 0).single().expect("time");
        Appeal {
            id: AppealId(7),
            appellant_id: AppellantId(1),
            subreddit: SubredditName::parse("sub").expect("sub"),
            username: RedditUsername::parse("someone").expect("user"),
            conversation_id: ConversationId::parse("abc1").expect("id"),
            token_expires_at: t,
            ban_note: String::new(),
            ban_reason: String::new(),
            ban_date: None,
            ban_permanent: true,
            status,
            reminders: 0,
            outcome,
            created_at: t,
            opened_at: None,
            completed_at: None,
            submitted_at: None,
        }
    }

    #[test]
    fn unban_grants_the_latest_appeal_once() {
        use AppealStatus::*;
        let cases = [
            (
                BanStatus::Unbanned,
                Some(appeal(Completed, None)),
                Some((AppealId(7), Outcome::Granted)),
            ),
            (
                BanStatus::Unbanned,
                Some(appeal(Prompted, None)),
                Some((AppealId(7), Outcome::Granted)),
            ),
            (
                BanStatus::Unbanned,
                Some(appeal(Completed, Some(Outcome::Denied))),
                None,
            ),
            (BanStatus::Unbanned, None, None),
            (BanStatus::Banned, Some(appeal(Completed, None)), None),
            (BanStatus::Deleted, Some(appeal(Completed, None)), None),
        ];
        for (status, latest, want) in cases {
            assert_eq!(
                after_ban_check(status, latest.as_ref()),
                want,
                "{status:?} {latest:?}"
            );
        }
    }

    #[test]
    fn retirement_abandons_unfilled_and_denies_unanswered() {
        use AppealStatus::*;
        let cases = [
            (
                appeal(Prompted, None),
                Some(true),
                Some(Retirement::Abandon(AppealId(7))),
            ),
            (
                appeal(Completed, None),
                Some(true),
                Some(Retirement::Deny(AppealId(7))),
            ),
            (
                appeal(Completed, None),
                None,
                Some(Retirement::Deny(AppealId(7))),
            ),
            (appeal(Completed, None), Some(false), None),
            (appeal(Completed, Some(Outcome::Granted)), Some(true), None),
            (appeal(Submitted, None), Some(true), None),
            (appeal(Abandoned, None), Some(true), None),
        ];
        for (a, banned, want) in cases {
            assert_eq!(
                on_retire(Some(&a), banned),
                want,
                "{:?} {banned:?}",
                a.status
            );
        }
        assert_eq!(on_retire(None, Some(true)), None);
    }
}
