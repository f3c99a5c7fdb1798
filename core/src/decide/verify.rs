//! The bot's check of a signed-up subreddit: is it a moderator there with what it needs?
//! The shell reads the moderator list (and accepts an invite when the bot is not on it);
//! everything decided from what it read is here.

use chrono::Duration;

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
    /// The bot has what it needs: clear the flag.
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
}

/// Pending becomes active once the bot is ready; a served subreddit whose bot lost what it
/// needs is flagged (its held writes wait, nothing is dropped), and unflagged when it is back.
pub fn verdict(state: SubredditState, s: &BotStanding, bot: &str) -> Verdict {
    let ready = matches!(s, BotStanding::Ready);
    match state {
        SubredditState::Pending => Verdict {
            state: ready.then_some(SubredditState::Active),
            attention: if ready {
                Attention::Clear
            } else {
                Attention::Keep
            },
        },
        SubredditState::Active | SubredditState::Paused => Verdict {
            state: None,
            attention: match s {
                BotStanding::Ready => Attention::Clear,
                BotStanding::Unchecked => Attention::Keep,
                other => Attention::Raise(what_to_do(other, bot)),
            },
        },
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

/// How soon to check again. A pending subreddit is checked soon after sign-up and then less
/// and less often (a moderator who just sent the invite should not wait long; one who never
/// does should not cost a call a minute); `Check now` on the console resets it. A served
/// subreddit is re-checked hourly while its console is in use or it needs attention (that
/// check also renews who may use the console), else daily.
pub fn next_check(
    state: SubredditState,
    s: &BotStanding,
    failed_checks: u32,
    console_in_use: bool,
) -> Duration {
    match state {
        SubredditState::Pending => {
            let minutes = 1_i64 << failed_checks.min(6);
            Duration::minutes(minutes.min(60))
        }
        SubredditState::Active | SubredditState::Paused => {
            if console_in_use || !matches!(s, BotStanding::Ready) {
                Duration::hours(1)
            } else {
                Duration::hours(24)
            }
        }
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

    /// (state, standing, new state, attention)
    #[test]
    fn verdicts() {
        let missing = BotStanding::Missing(vec![ModPermission::Access]);
        let rows: Vec<(SubredditState, BotStanding, Option<SubredditState>, bool)> = vec![
            (Pending, BotStanding::Ready, Some(Active), false),
            (Pending, missing.clone(), None, false),
            (Pending, BotStanding::NotModerator, None, false),
            (Pending, BotStanding::NotFound, None, false),
            (Active, BotStanding::Ready, None, false),
            (Active, missing.clone(), None, true),
            (Paused, BotStanding::NotModerator, None, true),
        ];
        for (state, s, want, raised) in rows {
            let v = verdict(state, &s, BOT);
            assert_eq!(v.state, want, "{state:?} {s:?}");
            assert_eq!(
                matches!(v.attention, Attention::Raise(_)),
                raised,
                "{state:?} {s:?}"
            );
        }
        assert_eq!(
            verdict(Active, &BotStanding::Ready, BOT).attention,
            Attention::Clear
        );
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
        let nm = BotStanding::NotModerator;
        assert_eq!(next_check(Pending, &nm, 0, false), Duration::minutes(1));
        assert_eq!(next_check(Pending, &nm, 3, false), Duration::minutes(8));
        assert_eq!(next_check(Pending, &nm, 40, false), Duration::minutes(60));
        let ready = BotStanding::Ready;
        assert_eq!(next_check(Active, &ready, 0, false), Duration::hours(24));
        assert_eq!(next_check(Active, &ready, 0, true), Duration::hours(1));
        assert_eq!(next_check(Paused, &nm, 0, false), Duration::hours(1));
    }
}
