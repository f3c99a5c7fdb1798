//! Moderators decide a completed appeal — grant, deny, or reduce the ban — in the console or
//! by a command in a private note in modmail; the bot carries the decision out exactly once
//! through the journal, like every other write. This module decides what a decision does
//! (pure): which verdicts are allowed on which appeal, what the bot writes to Reddit, and
//! what a command in a moderator's note means.

use std::fmt;

use chrono::{DateTime, Utc};

use super::{Action, Body, Decision, StepMarker};
use crate::domain::{
    Appeal, AppealId, AppealStatus, Conversation, ModActionKind, Outcome, RedditUsername,
};

/// What the moderators decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Lift the ban.
    Grant,
    /// Keep the ban.
    Deny,
    /// Replace the ban by a temporary one of this many days (1 to 999, Reddit's range).
    Reduce { days: u16 },
}

impl Verdict {
    /// The outcome the experiment records: a reduced ban is still a ban (not granted).
    pub fn outcome(self) -> Outcome {
        match self {
            Self::Grant => Outcome::Granted,
            Self::Deny | Self::Reduce { .. } => Outcome::Denied,
        }
    }

    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grant => "grant",
            Self::Deny => "deny",
            Self::Reduce { .. } => "reduce",
        }
    }
}

/// Reddit's range for a temporary ban, in days.
pub const TEMP_BAN_DAYS: std::ops::RangeInclusive<u16> = 1..=999;

/// Where a decision came from (recorded with it; the readout and the exports use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// A moderator's click in the console.
    Console,
    /// A command in a moderator's private note in the conversation.
    ModmailCommand,
    /// A moderator unbanned the user from the conversation by hand (Reddit's `modActions`).
    HandUnban,
    /// The periodic ban check found the user unbanned (done elsewhere).
    BanCheck,
    /// Nothing changed for the cutoff period: the ban stands.
    Retired,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Console => "console",
            Self::ModmailCommand => "modmail_command",
            Self::HandUnban => "hand_unban",
            Self::BanCheck => "ban_check",
            Self::Retired => "retired",
        }
    }
}

/// The messages the bot sends the appellant for each verdict: a default set ships here;
/// `{username}`, `{subreddit}`, `{days}` and `{reason}` are filled in. A subreddit may store
/// its own set (edited in the console's settings); [`DecisionTemplates::resolve_in`] gives
/// the set its decisions use.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DecisionTemplates {
    pub grant: String,
    /// Named denial texts; `default` is the one a plain denial uses.
    pub deny: Vec<(String, String)>,
    pub reduce: String,
}

impl Default for DecisionTemplates {
    fn default() -> Self {
        let deny = |name: &str, text: &str| (name.to_owned(), text.to_owned());
        Self {
            grant: "Hi u/{username}. The moderators of r/{subreddit} have reviewed your appeal \
                    and lifted your ban. Welcome back, and please keep to the rules."
                .to_owned(),
            deny: vec![
                deny(
                    "default",
                    "Hi u/{username}. The moderators of r/{subreddit} have reviewed your appeal \
                     and decided to keep your ban.",
                ),
                deny(
                    "rules",
                    "Hi u/{username}. The moderators of r/{subreddit} have reviewed your appeal \
                     and decided to keep your ban: the rule it was for ({reason}) matters to \
                     this community, and the appeal did not show it will be kept.",
                ),
                deny(
                    "too-soon",
                    "Hi u/{username}. The moderators of r/{subreddit} have reviewed your appeal \
                     and decided to keep your ban for now. You may appeal again later.",
                ),
            ],
            reduce: "Hi u/{username}. The moderators of r/{subreddit} have reviewed your \
                     appeal: your ban is now temporary and ends in {days} days."
                .to_owned(),
        }
    }
}

/// The placeholders a decision message may use (`{days}` only the reduce message).
pub const DECISION_PLACEHOLDERS: [&str; 4] = ["username", "subreddit", "days", "reason"];

impl DecisionTemplates {
    /// The named denial text; `None` for a name the subreddit does not have.
    pub fn denial(&self, name: Option<&str>) -> Option<&str> {
        let name = name.unwrap_or("default");
        self.deny
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, t)| t.as_str())
    }

    /// The message for `verdict`, placeholders filled ("not stated" for a ban message
    /// without a reason).
    pub fn render(
        &self,
        verdict: Verdict,
        denial: Option<&str>,
        appeal: &Appeal,
    ) -> Result<String, Refusal> {
        self.render_saying(verdict, denial, appeal, "not stated")
    }

    /// [`DecisionTemplates::render`], with `not_stated` for a ban message without a reason
    /// (`render_in` passes it in the subreddit's language).
    pub(crate) fn render_saying(
        &self,
        verdict: Verdict,
        denial: Option<&str>,
        appeal: &Appeal,
        not_stated: &str,
    ) -> Result<String, Refusal> {
        let template = match verdict {
            Verdict::Grant => self.grant.as_str(),
            Verdict::Deny => self
                .denial(denial)
                .ok_or_else(|| Refusal::UnknownTemplate(denial.unwrap_or("default").to_owned()))?,
            Verdict::Reduce { .. } => self.reduce.as_str(),
        };
        let days = match verdict {
            Verdict::Reduce { days } => days.to_string(),
            _ => String::new(),
        };
        let reason = if appeal.ban_reason.trim().is_empty() {
            not_stated
        } else {
            appeal.ban_reason.trim()
        };
        Ok(template
            .replace("{username}", appeal.username.as_str())
            .replace("{subreddit}", appeal.subreddit.as_str())
            .replace("{days}", &days)
            .replace("{reason}", reason))
    }
}

/// Why a decision is refused (the page or the confirming note says so).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this appeal was already decided ({outcome}) by {by} at {at}")]
    AlreadyDecided {
        outcome: &'static str,
        by: String,
        at: DateTime<Utc>,
    },
    #[error("this appeal is not complete yet: the moderators decide complete appeals")]
    NotComplete,
    #[error("u/{by} holds this appeal until {until}; wait or ask them")]
    ClaimedByOther {
        by: RedditUsername,
        until: DateTime<Utc>,
    },
    #[error("a temporary ban lasts 1 to 999 days")]
    BadDays,
    #[error("there is no denial text named \"{0}\"")]
    UnknownTemplate(String),
    #[error("u/{by} issued this ban and may not decide it (this subreddit's recusal rule)")]
    Recused { by: RedditUsername },
}

/// What deciding an appeal does: the actions the bot carries out (in this order) and the
/// outcome recorded with them, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionPlan {
    pub appeal: AppealId,
    pub verdict: Verdict,
    pub outcome: Outcome,
    pub decision: Decision,
    pub marker: StepMarker,
}

/// The stored facts about an appeal's decision and claim.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DecisionState {
    pub decided: Option<(Outcome, String, DateTime<Utc>)>,
    pub claim: Option<(RedditUsername, DateTime<Utc>)>,
    /// The moderator who issued the ban, where Reddit says (a ban done in modmail: its
    /// `modActions`); `None` when unknown.
    pub banned_by: Option<RedditUsername>,
    /// The subreddit's recusal rule, resolved (off unless the moderators turned it on).
    pub recusal: bool,
}

/// The moderator who issued the participant's ban, where Reddit says: the latest ban in
/// the conversation's `modActions` (a ban done from modmail), not the bot's own (a reduced
/// ban). A ban from the ban list leaves no mod action, and its notice is signed by the
/// subreddit, so it stays unknown (`None`).
pub fn banning_moderator(conv: &Conversation, bot: &str) -> Option<RedditUsername> {
    conv.mod_actions
        .iter()
        .filter(|a| a.kind == ModActionKind::Ban && !a.author.name.eq_ignore_ascii_case(bot))
        .max_by_key(|a| a.date)
        .and_then(|a| RedditUsername::parse(&a.author.name).ok())
}

/// The recusal rule: with it on, the moderator who issued the ban may not decide its
/// appeal. An unknown banning moderator blocks nobody (Reddit names them only for a ban
/// done in modmail).
pub fn recused(
    recusal: bool,
    banned_by: Option<&RedditUsername>,
    by: &RedditUsername,
) -> Option<Refusal> {
    let issuer = banned_by.filter(|_| recusal)?;
    // Usernames compare case-insensitively, as Reddit does.
    (issuer == by).then(|| Refusal::Recused { by: issuer.clone() })
}

/// Plans `verdict` on `appeal` by `by`, or says why not. The bot's own writes to the
/// appellant go through the journal; a decision on a control appeal is the moderator's act,
/// carried out for them (the bot's dialogue still never writes to a control conversation).
pub fn decide_appeal(
    appeal: &Appeal,
    state: &DecisionState,
    verdict: Verdict,
    message: String,
    by: &RedditUsername,
    now: DateTime<Utc>,
) -> Result<DecisionPlan, Refusal> {
    if let Some((outcome, who, at)) = &state.decided {
        return Err(Refusal::AlreadyDecided {
            outcome: outcome.as_str(),
            by: who.clone(),
            at: *at,
        });
    }
    if appeal.status != AppealStatus::Completed && appeal.status != AppealStatus::Submitted {
        return Err(Refusal::NotComplete);
    }
    if let Some(refusal) = recused(state.recusal, state.banned_by.as_ref(), by) {
        return Err(refusal);
    }
    if let Some((holder, until)) = &state.claim
        && *until > now
        && !holder.as_str().eq_ignore_ascii_case(by.as_str())
    {
        return Err(Refusal::ClaimedByOther {
            by: holder.clone(),
            until: *until,
        });
    }
    let ban_action = match verdict {
        Verdict::Grant => Some(Action::Unban),
        Verdict::Deny => None,
        Verdict::Reduce { days } if TEMP_BAN_DAYS.contains(&days) => Some(Action::TempBan(days)),
        Verdict::Reduce { .. } => return Err(Refusal::BadDays),
    };
    // The ban first: the message tells the user what has already happened.
    let mut actions: Vec<Action> = ban_action.into_iter().collect();
    actions.push(Action::Reply(Body::Text(message)));
    actions.push(Action::Archive);
    Ok(DecisionPlan {
        appeal: appeal.id,
        verdict,
        outcome: verdict.outcome(),
        decision: Decision::Carry(actions),
        marker: StepMarker::Decision(appeal.id),
    })
}

/// A command in a moderator's private note: what it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Decide {
        verdict: Verdict,
        /// `!deny <template>`.
        template: Option<String>,
    },
    Claim,
}

/// A note that starts with `!` but is not a command the bot knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCommand(pub String);

impl fmt::Display for BadCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The commands a moderator can write in a private note, as the bot's help note lists them.
pub const COMMAND_HELP: &str = "appealmod commands (in a private moderator note, first line): \
     `!grant` lifts the ban; `!deny` keeps it (`!deny <template>` with a named denial text); \
     `!reduce <days>` makes the ban temporary (1 to 999 days); `!claim` holds the appeal for \
     you for 30 minutes.";

/// What a private note asks of the bot: `None` when it is not a command at all (the first
/// line does not start with `!`), `Some(Err(_))` for a malformed or unknown command.
pub fn parse_command(note: &str) -> Option<Result<Command, BadCommand>> {
    let line = note.lines().map(str::trim).find(|l| !l.is_empty())?;
    let rest = line.strip_prefix('!')?;
    let mut words = rest.split_whitespace();
    let name = words.next().unwrap_or_default().to_ascii_lowercase();
    let arg = words.next();
    let extra = words.next().is_some();
    let bad = || Some(Err(BadCommand(line.chars().take(80).collect())));
    if extra {
        return bad();
    }
    let decide = |verdict| {
        Some(Ok(Command::Decide {
            verdict,
            template: None,
        }))
    };
    match (name.as_str(), arg) {
        ("grant", None) => decide(Verdict::Grant),
        ("deny", None) => decide(Verdict::Deny),
        ("deny", Some(t)) if t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            Some(Ok(Command::Decide {
                verdict: Verdict::Deny,
                template: Some(t.to_ascii_lowercase()),
            }))
        }
        ("reduce", Some(d)) => match d.trim_end_matches('d').parse::<u16>() {
            Ok(days) if TEMP_BAN_DAYS.contains(&days) => decide(Verdict::Reduce { days }),
            _ => bad(),
        },
        ("claim", None) => Some(Ok(Command::Claim)),
        _ => bad(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::domain::{AppellantId, ConversationId, Language, SubredditName};

    fn t(mins: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000, 0).single().expect("time") + Duration::minutes(mins)
    }

    fn user(s: &str) -> RedditUsername {
        RedditUsername::parse(s).expect("user")
    }

    fn appeal(status: AppealStatus) -> Appeal {
        Appeal {
            id: AppealId(3),
            appellant_id: AppellantId(1),
            subreddit: SubredditName::parse("pics").expect("sub"),
            username: user("appellant"),
            conversation_id: ConversationId::parse("c1").expect("id"),
            token_expires_at: t(10_000),
            ban_note: "rule 2".into(),
            ban_reason: "Spam".into(),
            ban_date: Some(t(0)),
            ban_permanent: true,
            status,
            reminders: 0,
            outcome: None,
            created_at: t(1),
            opened_at: None,
            completed_at: Some(t(5)),
            submitted_at: Some(t(4)),
        }
    }

    #[test]
    fn commands_table() {
        let decide = |verdict, template: Option<&str>| {
            Some(Ok(Command::Decide {
                verdict,
                template: template.map(str::to_owned),
            }))
        };
        let bad = |s: &str| Some(Err(BadCommand(s.to_owned())));
        let rows: Vec<(&str, Option<Result<Command, BadCommand>>)> = vec![
            ("!grant", decide(Verdict::Grant, None)),
            ("  !GRANT  \nthanks all", decide(Verdict::Grant, None)),
            ("!deny", decide(Verdict::Deny, None)),
            ("!deny Too-Soon", decide(Verdict::Deny, Some("too-soon"))),
            ("!reduce 7", decide(Verdict::Reduce { days: 7 }, None)),
            ("!reduce 30d", decide(Verdict::Reduce { days: 30 }, None)),
            ("!reduce 0", bad("!reduce 0")),
            ("!reduce 1000", bad("!reduce 1000")),
            ("!reduce", bad("!reduce")),
            ("!claim", Some(Ok(Command::Claim))),
            ("!grant now please", bad("!grant now please")),
            ("!deny <script>", bad("!deny <script>")),
            ("!unban", bad("!unban")),
            ("I think we should !grant", None),
            ("", None),
            ("no command here", None),
        ];
        for (note, expected) in rows {
            assert_eq!(parse_command(note), expected, "{note:?}");
        }
    }

    #[test]
    fn decisions_table() {
        let mod_a = user("mod_a");
        let msg = || "message".to_owned();
        let fresh = DecisionState::default();
        let plan = decide_appeal(
            &appeal(AppealStatus::Completed),
            &fresh,
            Verdict::Grant,
            msg(),
            &mod_a,
            t(9),
        )
        .expect("grant");
        assert_eq!(plan.outcome, Outcome::Granted);
        assert_eq!(
            plan.decision.actions(),
            [
                Action::Unban,
                Action::Reply(Body::Text("message".into())),
                Action::Archive
            ]
        );
        assert_eq!(plan.marker, StepMarker::Decision(AppealId(3)));
        let deny = decide_appeal(
            &appeal(AppealStatus::Completed),
            &fresh,
            Verdict::Deny,
            msg(),
            &mod_a,
            t(9),
        )
        .expect("deny");
        assert_eq!(deny.outcome, Outcome::Denied);
        assert_eq!(deny.decision.actions().len(), 2, "no ban action");
        let reduce = decide_appeal(
            &appeal(AppealStatus::Completed),
            &fresh,
            Verdict::Reduce { days: 14 },
            msg(),
            &mod_a,
            t(9),
        )
        .expect("reduce");
        assert_eq!(reduce.decision.actions()[0], Action::TempBan(14));
        assert_eq!(reduce.outcome, Outcome::Denied, "a ban remains");
        // Refusals.
        let decided = DecisionState {
            decided: Some((Outcome::Granted, "mod_b".into(), t(8))),
            ..DecisionState::default()
        };
        assert!(matches!(
            decide_appeal(
                &appeal(AppealStatus::Completed),
                &decided,
                Verdict::Deny,
                msg(),
                &mod_a,
                t(9)
            ),
            Err(Refusal::AlreadyDecided { .. })
        ));
        assert_eq!(
            decide_appeal(
                &appeal(AppealStatus::Prompted),
                &fresh,
                Verdict::Grant,
                msg(),
                &mod_a,
                t(9)
            ),
            Err(Refusal::NotComplete)
        );
        let claimed = DecisionState {
            claim: Some((user("mod_b"), t(20))),
            ..DecisionState::default()
        };
        assert!(matches!(
            decide_appeal(
                &appeal(AppealStatus::Completed),
                &claimed,
                Verdict::Grant,
                msg(),
                &mod_a,
                t(9)
            ),
            Err(Refusal::ClaimedByOther { .. })
        ));
        // The holder may decide; an expired claim holds nobody back.
        assert!(
            decide_appeal(
                &appeal(AppealStatus::Completed),
                &claimed,
                Verdict::Grant,
                msg(),
                &user("MOD_B"),
                t(9)
            )
            .is_ok()
        );
        assert!(
            decide_appeal(
                &appeal(AppealStatus::Completed),
                &claimed,
                Verdict::Grant,
                msg(),
                &mod_a,
                t(21)
            )
            .is_ok()
        );
        assert_eq!(
            decide_appeal(
                &appeal(AppealStatus::Completed),
                &fresh,
                Verdict::Reduce { days: 0 },
                msg(),
                &mod_a,
                t(9)
            ),
            Err(Refusal::BadDays)
        );
    }

    #[test]
    fn the_banning_moderator_is_the_latest_ban_in_the_mod_actions_not_the_bots() {
        use crate::domain::{Author, ConversationState, ConversationSummary, ModAction};
        let action = |who: &str, kind, mins| ModAction {
            id: format!("{who}{mins}"),
            author: Author {
                name: who.to_owned(),
                is_mod: true,
                is_admin: false,
                is_participant: false,
                is_deleted: false,
                is_hidden: false,
            },
            kind,
            date: t(mins),
        };
        let conv = |actions: Vec<ModAction>| Conversation {
            summary: ConversationSummary {
                id: ConversationId::parse("c1").expect("id"),
                subreddit: SubredditName::parse("pics").expect("sub"),
                subject: "You've been banned".into(),
                state: ConversationState::Appeals,
                last_updated: t(9),
                last_user_update: None,
                last_mod_update: None,
                participant: None,
                num_messages: 1,
                is_auto: true,
                legacy_first_message_id: None,
            },
            authors: Vec::new(),
            messages: Vec::new(),
            mod_actions: actions,
            participant: None,
        };
        use ModActionKind::{Archive, Ban, Unban};
        let rows: Vec<(Vec<ModAction>, Option<&str>)> = vec![
            (vec![], None),
            (vec![action("mod_a", Archive, 1)], None),
            (vec![action("mod_a", Ban, 1)], Some("mod_a")),
            (
                vec![action("mod_a", Ban, 1), action("mod_b", Ban, 5)],
                Some("mod_b"),
            ),
            (
                vec![action("mod_b", Ban, 5), action("mod_a", Ban, 1)],
                Some("mod_b"),
            ),
            // The bot's temporary ban (a reduced ban) names nobody new.
            (
                vec![action("mod_a", Ban, 1), action("the_bot", Ban, 7)],
                Some("mod_a"),
            ),
            (
                vec![action("The_Bot", Ban, 7), action("mod_a", Unban, 8)],
                None,
            ),
        ];
        for (actions, expected) in rows {
            let got = banning_moderator(&conv(actions.clone()), "the_bot");
            assert_eq!(
                got.as_ref().map(RedditUsername::as_str),
                expected,
                "{actions:?}"
            );
        }
    }

    #[test]
    fn recusal_table() {
        let issuer = user("Ban_Mod");
        // (rule on, who banned, who decides) -> refused
        let rows = [
            (true, Some(&issuer), "ban_mod", true),
            (true, Some(&issuer), "BAN_MOD", true),
            (true, Some(&issuer), "other_mod", false),
            (true, None, "ban_mod", false),
            (false, Some(&issuer), "ban_mod", false),
            (false, None, "ban_mod", false),
        ];
        for (rule, banned_by, by, refused) in rows {
            let got = recused(rule, banned_by, &user(by));
            assert_eq!(got.is_some(), refused, "{rule} {banned_by:?} {by}");
            if let Some(r) = got {
                assert_eq!(r, Refusal::Recused { by: issuer.clone() });
                assert_eq!(
                    r.to_string(),
                    "u/Ban_Mod issued this ban and may not decide it (this subreddit's recusal rule)"
                );
            }
        }
        // In a decision: refused before the claim is looked at; another moderator decides.
        let state = DecisionState {
            banned_by: Some(issuer.clone()),
            recusal: true,
            ..DecisionState::default()
        };
        let a = appeal(AppealStatus::Completed);
        assert_eq!(
            decide_appeal(
                &a,
                &state,
                Verdict::Grant,
                "m".into(),
                &user("ban_mod"),
                t(9)
            ),
            Err(Refusal::Recused { by: issuer.clone() })
        );
        assert!(
            decide_appeal(&a, &state, Verdict::Grant, "m".into(), &user("mod_a"), t(9)).is_ok()
        );
    }

    #[test]
    fn templates_fill_in_and_unknown_names_are_refused() {
        let t = DecisionTemplates::default();
        let a = appeal(AppealStatus::Completed);
        let rules = t.render(Verdict::Deny, Some("rules"), &a).expect("rules");
        assert!(
            rules.contains("u/appellant") && rules.contains("r/pics") && rules.contains("(Spam)"),
            "{rules}"
        );
        let reduce = t
            .render(Verdict::Reduce { days: 7 }, None, &a)
            .expect("reduce");
        assert!(reduce.contains("ends in 7 days"), "{reduce}");
        assert_eq!(
            t.render(Verdict::Deny, Some("nope"), &a),
            Err(Refusal::UnknownTemplate("nope".into()))
        );
    }

    #[test]
    fn a_subreddits_own_texts_are_used_and_a_plain_denial_always_has_one() {
        assert_eq!(
            DecisionTemplates::resolve_in(None, Language::English),
            DecisionTemplates::default()
        );
        let own = DecisionTemplates {
            grant: "Welcome back, u/{username}.".into(),
            deny: vec![("spam".into(), "No: {reason}.".into())],
            reduce: "{days} days.".into(),
        };
        let t = DecisionTemplates::resolve_in(Some(&own), Language::English);
        let a = appeal(AppealStatus::Completed);
        assert_eq!(
            t.render(Verdict::Grant, None, &a).as_deref(),
            Ok("Welcome back, u/appellant.")
        );
        assert_eq!(
            t.render(Verdict::Deny, Some("spam"), &a).as_deref(),
            Ok("No: Spam.")
        );
        assert_eq!(
            t.render(Verdict::Reduce { days: 3 }, None, &a).as_deref(),
            Ok("3 days.")
        );
        // Without its own `default`, a plain denial uses the shipped one.
        assert_eq!(t.denial(None), DecisionTemplates::default().denial(None));
        assert_eq!(
            t.render(Verdict::Deny, Some("rules"), &a),
            Err(Refusal::UnknownTemplate("rules".into())),
            "only the subreddit's own names"
        );
    }
}
