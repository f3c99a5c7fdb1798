//! The bot's check of a signed-up subreddit: is it a moderator there with what it needs?
//! The shell reads the moderator list (and accepts an invite when the bot is not on it);
//! everything decided from what it read is here.

use chrono::{DateTime, Duration, Utc};

use crate::domain::{
    BotStanding, ModPermission, ModPermissions, SubredditState, join_labels,
    missing_bot_permissions,
};

/// What the bot's entry in the moderator list says. `None`: the bot is not listed.
pub fn standing(bot: Option<&ModPermissions>) -> BotStanding {
    match bot {
        None => BotStanding::NotModerator,
        Some(p) => {
            let missing = missing_bot_permissions(p);
            if missing.is_empty() {
                BotStanding::Ready
            } else {
                BotStanding::Missing(missing)
            }
        }
    }
}

/// Whether to try accepting a moderator invite: only when the bot is not a moderator (an
/// invite cannot exist otherwise) and the subreddit exists.
pub fn should_accept_invite(s: &BotStanding) -> bool {
    matches!(s, BotStanding::NotModerator)
}

/// What the "bot lacks permission" flag of a served subreddit becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attention {
    /// Nothing to say: leave it as it is.
    Keep,
    /// The bot is back with what it needs: clear the flag.
    Clear,
    /// Raise the flag with this message (for the console and the alerts channel).
    Raise(String),
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The new state, when it changes.
    pub state: Option<SubredditState>,
    pub attention: Attention,
    /// The writes held for lack of permission in this subreddit (401/403, retried slowly)
    /// are due at once: the bot is back.
    pub release_held: bool,
}

/// Pending becomes active once the bot is ready; a served subreddit whose bot lost what it
/// needs is flagged (its held writes wait, nothing is dropped), and unflagged when it is
/// back — ready now, and found lacking by the check before (`before`) or re-invited since
/// (`accepted_invite`: this check accepted an invite) — with its held writes due at once.
/// A bot found ready before and now says nothing about a flag a refused write raised (the
/// write may be refused for a reason the moderator list does not show): the flag stays
/// until a write goes through, and the held writes keep their slow retry.
pub fn verdict(
    state: SubredditState,
    before: &BotStanding,
    s: &BotStanding,
    accepted_invite: bool,
    bot: &str,
) -> Verdict {
    let ready = matches!(s, BotStanding::Ready);
    match state {
        SubredditState::Pending => Verdict {
            state: ready.then_some(SubredditState::Active),
            attention: if ready {
                Attention::Clear
            } else {
                Attention::Keep
            },
            release_held: false,
        },
        SubredditState::Active | SubredditState::Paused => {
            let lacking = matches!(
                before,
                BotStanding::NotModerator | BotStanding::Missing(_) | BotStanding::NotFound
            );
            let back = ready && (lacking || accepted_invite);
            Verdict {
                state: None,
                attention: match s {
                    BotStanding::Ready if back => Attention::Clear,
                    BotStanding::Ready | BotStanding::Unchecked => Attention::Keep,
                    other => Attention::Raise(what_to_do(other, bot)),
                },
                release_held: back,
            }
        }
    }
}

/// What a moderator must do, in the words the console shows. Empty when nothing.
pub fn what_to_do(s: &BotStanding, bot: &str) -> String {
    let needed = join_labels(&crate::domain::BOT_PERMISSIONS);
    match s {
        BotStanding::Ready => String::new(),
        BotStanding::Unchecked => {
            "The bot has not checked this subreddit yet; it does within a minute or two.".to_owned()
        }
        BotStanding::NotModerator => format!(
            "Invite u/{bot} as a moderator with the {needed} permissions (Mod Tools → \
             Moderators → Invite user as mod). The bot accepts the invitation by itself."
        ),
        BotStanding::Missing(missing) => format!(
            "u/{bot} is a moderator but lacks the {} permission{}. Give it {needed} (Mod Tools → \
             Moderators → Edit permissions).",
            join_labels(missing),
            if missing.len() == 1 { "" } else { "s" }
        ),
        BotStanding::NotFound => "Reddit does not show this subreddit to the bot: it may not \
             exist, be banned, or be private. Check the name, or invite the bot."
            .to_owned(),
    }
}

/// How often a served subreddit that needs attention is checked (the configuration's
/// `bot.attention_check_minutes` and `bot.attention_backoff_hours`): a moderator who
/// re-invites the bot or gives back a permission rarely opens the console to say so, and
/// the writes held meanwhile wait for that check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttentionChecks {
    /// Between two checks while the subreddit has needed attention for less than
    /// `backoff_after`.
    pub every: Duration,
    /// Needing attention for this long, it is checked hourly: nobody seems to be coming.
    pub backoff_after: Duration,
}

/// How soon to check again. A pending subreddit is checked soon after sign-up and then less
/// and less often (a moderator who just sent the invite should not wait long; one who never
/// does should not cost a call a minute); `Check now` on the console resets it. A served
/// subreddit that needs attention (`needs_attention_for`: for how long) is checked every
/// few minutes, hourly once that has lasted `backoff_after`; otherwise hourly while its
/// console is in use or the bot's standing is unknown (that check also renews who may use
/// the console), else daily.
pub fn next_check(
    state: SubredditState,
    s: &BotStanding,
    failed_checks: u32,
    console_in_use: bool,
    needs_attention_for: Option<Duration>,
    attention: &AttentionChecks,
) -> Duration {
    match state {
        SubredditState::Pending => pending_wait(failed_checks),
        SubredditState::Active | SubredditState::Paused => match needs_attention_for {
            Some(age) if age < attention.backoff_after => attention.every,
            Some(_) => Duration::hours(1),
            None if console_in_use || !matches!(s, BotStanding::Ready) => Duration::hours(1),
            None => Duration::hours(24),
        },
    }
}

/// The wait after the `failed_checks`-th check of a pending sign-up that found the bot no
/// moderator with what it needs: 5 minutes, doubling to a day. A flood of sign-ups whose
/// moderators never invite the bot costs a few checks each on the first day, then one a
/// day, then none ([`pending_gives_up`]).
pub fn pending_wait(failed_checks: u32) -> Duration {
    let doublings = failed_checks.saturating_sub(1).min(10);
    (Duration::minutes(5) * (1 << doublings)).min(Duration::days(1))
}

/// Pending sign-ups checked per pass at most (of `bot::verify::CHECKS_PER_PASS`): a flood
/// of sign-ups whose moderators never invite the bot cannot take the checks of the
/// subreddits it serves, and costs a bounded number of calls per pass.
pub const PENDING_CHECKS_PER_PASS: u32 = 2;

/// How long a pending sign-up is checked without finding an invite before the bot stops.
pub const PENDING_GIVE_UP_DAYS: i64 = 7;

/// Whether the bot stops checking a pending sign-up after its `failed_checks`-th check
/// found nothing: the waits before that check add up to [`PENDING_GIVE_UP_DAYS`]. The
/// console then says so; its `Check now` starts the schedule over.
pub fn pending_gives_up(failed_checks: u32) -> bool {
    let waited = (1..failed_checks).fold(Duration::zero(), |sum, n| sum + pending_wait(n));
    waited >= Duration::days(PENDING_GIVE_UP_DAYS)
}

/// Since when a served subreddit needs attention after a check whose verdict is `v`, given
/// since when it was flagged before (`flagged_since`, by an earlier check or by a write
/// Reddit refused). `None`: it does not.
pub fn attention_since(
    v: &Attention,
    flagged_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match v {
        Attention::Keep => flagged_since,
        Attention::Clear => None,
        Attention::Raise(_) => Some(flagged_since.unwrap_or(now)),
    }
}

/// The permissions named in a standing, for storage.
pub fn missing_of(s: &BotStanding) -> &[ModPermission] {
    match s {
        BotStanding::Missing(m) => m,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SubredditState::*;

    const BOT: &str = "appealmod_bot";

    /// The configuration's defaults.
    fn every_five_minutes_for_a_day() -> AttentionChecks {
        AttentionChecks {
            every: Duration::minutes(5),
            backoff_after: Duration::hours(24),
        }
    }

    fn perms(names: &[&str]) -> ModPermissions {
        ModPermissions::from_names(names)
    }

    #[test]
    fn standing_from_the_moderator_list() {
        assert_eq!(standing(None), BotStanding::NotModerator);
        assert_eq!(standing(Some(&perms(&["all"]))), BotStanding::Ready);
        assert_eq!(
            standing(Some(&perms(&["mail", "access"]))),
            BotStanding::Ready
        );
        assert_eq!(
            standing(Some(&perms(&["mail"]))),
            BotStanding::Missing(vec![ModPermission::Access])
        );
        assert!(should_accept_invite(&BotStanding::NotModerator));
        assert!(!should_accept_invite(&BotStanding::Missing(vec![])));
        assert!(!should_accept_invite(&BotStanding::NotFound));
    }

    /// (state, standing at the last check, standing now, invite accepted now) →
    /// (new state, attention, held writes released)
    #[test]
    fn verdicts() {
        use Attention::{Clear, Keep};
        const RAISE: Attention = Attention::Raise(String::new());
        let missing = BotStanding::Missing(vec![ModPermission::Access]);
        let (ready, nm, unchecked) = (
            BotStanding::Ready,
            BotStanding::NotModerator,
            BotStanding::Unchecked,
        );
        let rows = [
            (
                Pending,
                &unchecked,
                &ready,
                false,
                Some(Active),
                Clear,
                false,
            ),
            (Pending, &nm, &ready, true, Some(Active), Clear, false),
            (Pending, &nm, &missing, true, None, Keep, false),
            (Pending, &unchecked, &nm, false, None, Keep, false),
            (
                Pending,
                &nm,
                &BotStanding::NotFound,
                false,
                None,
                Keep,
                false,
            ),
            (Active, &ready, &missing, false, None, RAISE, false),
            (Paused, &ready, &nm, false, None, RAISE, false),
            (Active, &nm, &nm, false, None, RAISE, false),
            (Active, &nm, &unchecked, false, None, Keep, false),
            // Back: permission given back, re-invited, or both since the last check.
            (Active, &missing, &ready, false, None, Clear, true),
            (Paused, &nm, &ready, true, None, Clear, true),
            (Active, &ready, &ready, true, None, Clear, true),
            (
                Active,
                &BotStanding::NotFound,
                &ready,
                false,
                None,
                Clear,
                true,
            ),
            // Ready before and now: a refused write's flag is not the check's to clear.
            (Active, &ready, &ready, false, None, Keep, false),
            (Active, &unchecked, &ready, false, None, Keep, false),
        ];
        for (state, before, now, accepted, want, attention, released) in rows {
            let v = verdict(state, before, now, accepted, BOT);
            let case = format!("{state:?} {before:?} → {now:?}, accepted {accepted}");
            assert_eq!(v.state, want, "{case}");
            assert_eq!(
                std::mem::discriminant(&v.attention),
                std::mem::discriminant(&attention),
                "{case}: {:?}",
                v.attention
            );
            assert_eq!(v.release_held, released, "{case}");
        }
        let Attention::Raise(message) = verdict(Active, &ready, &nm, false, BOT).attention else {
            panic!("raised");
        };
        assert!(message.contains("Invite u/appealmod_bot"), "{message}");
    }

    #[test]
    fn the_console_says_what_to_do() {
        let invite = what_to_do(&BotStanding::NotModerator, BOT);
        assert!(invite.contains("Invite u/appealmod_bot"), "{invite}");
        assert!(invite.contains("Mail and Access"), "{invite}");
        let missing = what_to_do(&BotStanding::Missing(vec![ModPermission::Access]), BOT);
        assert!(
            missing.contains("lacks the Access permission."),
            "{missing}"
        );
        assert_eq!(what_to_do(&BotStanding::Ready, BOT), "");
    }

    #[test]
    fn checks_back_off_for_pending_and_tighten_for_consoles_in_use() {
        let a = every_five_minutes_for_a_day();
        let nm = BotStanding::NotModerator;
        assert_eq!(
            next_check(Pending, &nm, 0, false, None, &a),
            Duration::minutes(5)
        );
        assert_eq!(
            next_check(Pending, &nm, 3, false, None, &a),
            Duration::minutes(20)
        );
        assert_eq!(
            next_check(Pending, &nm, 40, false, None, &a),
            Duration::days(1)
        );
        let ready = BotStanding::Ready;
        assert_eq!(
            next_check(Active, &ready, 0, false, None, &a),
            Duration::hours(24)
        );
        assert_eq!(
            next_check(Active, &ready, 0, true, None, &a),
            Duration::hours(1)
        );
        assert_eq!(
            next_check(Paused, &BotStanding::Unchecked, 0, false, None, &a),
            Duration::hours(1)
        );
    }

    /// 5 minutes doubling to a day; the check that follows a week of waits is the last.
    #[test]
    fn pending_sign_ups_back_off_to_daily_and_are_given_up_after_a_week() {
        let waits: Vec<i64> = (1..=12).map(|n| pending_wait(n).num_minutes()).collect();
        assert_eq!(
            waits,
            [5, 10, 20, 40, 80, 160, 320, 640, 1280, 1440, 1440, 1440]
        );
        // 2555 minutes over the first nine waits, then a day each: the waits before the
        // 16th check add up to 7 days and 19 hours, before the 15th to 6 days and 19 hours.
        let last = (1..100).find(|&n| pending_gives_up(n)).expect("gives up");
        assert_eq!(last, 16);
        let waited = (1..last).fold(Duration::zero(), |t, n| t + pending_wait(n));
        assert!(waited >= Duration::days(PENDING_GIVE_UP_DAYS), "{waited}");
        assert!(waited - pending_wait(last - 1) < Duration::days(PENDING_GIVE_UP_DAYS));
        assert!(!pending_gives_up(0) && !pending_gives_up(1));
    }

    /// A served subreddit that needs attention: every 5 minutes for its first day, then
    /// hourly — whatever the standing, the console or the failed checks say.
    #[test]
    fn a_subreddit_that_needs_attention_is_checked_every_five_minutes_then_hourly() {
        let a = every_five_minutes_for_a_day();
        let m = Duration::minutes;
        let rows: Vec<(SubredditState, BotStanding, bool, Duration, Duration)> = vec![
            (Active, BotStanding::NotModerator, false, m(0), m(5)),
            (Active, BotStanding::NotModerator, true, m(0), m(5)),
            (
                Active,
                BotStanding::Missing(vec![ModPermission::Access]),
                false,
                m(90),
                m(5),
            ),
            (Paused, BotStanding::NotFound, false, m(23 * 60 + 59), m(5)),
            // A check Reddit did not answer keeps the pace.
            (Active, BotStanding::Unchecked, false, m(30), m(5)),
            (Active, BotStanding::NotModerator, false, m(24 * 60), m(60)),
            (
                Active,
                BotStanding::NotModerator,
                true,
                m(7 * 24 * 60),
                m(60),
            ),
        ];
        for (state, s, in_use, age, want) in rows {
            let got = next_check(state, &s, 3, in_use, Some(age), &a);
            assert_eq!(got, want, "{state:?} {s:?} flagged for {age}");
        }
        let custom = AttentionChecks {
            every: m(2),
            backoff_after: Duration::hours(6),
        };
        let nm = BotStanding::NotModerator;
        assert_eq!(
            next_check(Active, &nm, 0, false, Some(m(359)), &custom),
            m(2)
        );
        assert_eq!(
            next_check(Active, &nm, 0, false, Some(m(360)), &custom),
            m(60)
        );
        // Pending subreddits keep their own schedule.
        assert_eq!(next_check(Pending, &nm, 0, false, Some(m(0)), &a), m(5));
        assert_eq!(next_check(Pending, &nm, 2, false, Some(m(0)), &a), m(10));
    }

    #[test]
    fn attention_lasts_from_its_first_raise_until_it_is_cleared() {
        let t =
            |min: i64| DateTime::<Utc>::from_timestamp(1_700_000_000 + min * 60, 0).expect("time");
        let raise = Attention::Raise("invite the bot".into());
        assert_eq!(attention_since(&raise, None, t(10)), Some(t(10)));
        assert_eq!(attention_since(&raise, Some(t(1)), t(10)), Some(t(1)));
        assert_eq!(
            attention_since(&Attention::Keep, Some(t(1)), t(10)),
            Some(t(1))
        );
        assert_eq!(attention_since(&Attention::Keep, None, t(10)), None);
        assert_eq!(attention_since(&Attention::Clear, Some(t(1)), t(10)), None);
    }
}
