//! The decision core: one conversation's facts in, a decision and its actions out.
//!
//! Pure: no I/O, no clock, no randomness. The runners gather the facts (Reddit, database),
//! call [`decide`], and turn the actions into journal entries. Every branch of the original
//! bot's behaviour is a row in this module's tests.

pub mod exclude;
pub mod follow;
pub mod note;
pub mod plan;
pub mod trigger;
pub mod verdict;
pub mod verify;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, Utc};

use crate::domain::{Appeal, AppealId, AppealStatus, Outcome};
use crate::domain::{
    BanEntry, Conversation, FormAnswers, FormQuestions, Group, Language, Messages,
};
use crate::domain::{ConversationState, ConversationSummary, Message};

pub use note::{EarlierAppeal, MODMAIL_MAX_CHARS, NoteContext, escape_user_text, mod_note};
pub use plan::{Marker, Plan, PlanFacts, StepKind, StepMarker, Transition, plan};
pub use trigger::{Trigger, TriggerOutcome, ban_message_reason, human_moderator_wrote};

/// The note left (once) when the ban message carries no reason.
pub const MISSING_REASON_NOTE: &str = "appealmod: ban reason not available — the ban message has no quoted reason, so the bot \
     did not ask this user for an appeal form. Please handle this conversation yourselves.";

/// The internal note left when the bot stops reminding a user who keeps writing.
pub fn hand_over_note(reminders: i64) -> String {
    format!(
        "appealmod: this user wrote again after {reminders} reminder(s) without filling the appeal \
         form, so the bot stops here and leaves the conversation to you (no longer archived). \
         If they still submit the form, its answers will be posted here."
    )
}

/// The personal link is renewed when the user writes again after it expired, or when it
/// would expire within `settings.renew_before`: the bot never sends a dead link.
pub fn needs_new_link(appeal: &Appeal, now: DateTime<Utc>, settings: &DialogueSettings) -> bool {
    appeal.token_expires_at <= now + settings.renew_before
}

/// Settings that shape the dialogue for one subreddit.
#[derive(Debug, Clone)]
pub struct DialogueSettings {
    pub messages: Messages,
    /// After a denied appeal, the same user is not prompted again for this long.
    pub cooldown: Duration,
    /// Reminders with the link; after that the bot hands the conversation to the moderators.
    pub max_reminders: i64,
    /// The subreddit's form (the note lists every option of a multiple choice).
    pub questions: FormQuestions,
    /// A form filled faster than this is flagged in the note.
    pub fast_fill_secs: i64,
    /// The console's page of this subreddit; the note links to the appeal's own page under
    /// it ([`appeal_page_link`]).
    pub console_link: Option<String>,
    /// A link that expires sooner than this is renewed when the user writes again.
    pub renew_before: Duration,
    /// How long a new (or renewed) personal link works.
    pub link_ttl: Duration,
    /// Also leave a Reddit Mod Note on the appellant when an appeal completes.
    pub mod_notes: bool,
    /// The appellant's language: how the messages say until when the link works.
    pub language: Language,
}

/// The appellant as the core needs to see them (already created, group drawn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppellantFacts {
    pub group: Group,
    pub ignored: bool,
    pub user_deleted: bool,
}

/// Everything [`decide`] looks at.
pub struct Input<'a> {
    pub now: DateTime<Utc>,
    /// The bot account's name.
    pub bot: &'a str,
    pub conversation: &'a Conversation,
    /// The participant's entry in the subreddit's ban list, when looked up.
    pub ban: Option<&'a BanEntry>,
    pub trigger: &'a Trigger,
    pub appellant: AppellantFacts,
    /// This appellant's appeals in this subreddit, oldest first.
    pub appeals: &'a [Appeal],
    /// The submitted form of the latest appeal, if any.
    pub form: Option<&'a FormAnswers>,
    /// Toxic language was found in the appellant's messages or answers (for the note).
    pub toxic: bool,
    pub settings: &'a DialogueSettings,
}

/// A message body, rendered by the shell once the link is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Initial,
    Reminder,
    Final,
    /// Already written: a moderator's decision, from the subreddit's templates.
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A message the appellant sees (sent as the subreddit, author hidden).
    Reply(Body),
    /// A private moderator note.
    Note(String),
    Archive,
    Unarchive,
    /// A Reddit Mod Note on the appellant, shown wherever Reddit shows them to moderators.
    ModNote(String),
    /// Lift the participant's ban (a moderator's decision, carried out by the bot).
    Unban,
    /// Replace the participant's ban by a temporary one of this many days.
    TempBan(u16),
}

/// Why the bot does nothing this time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quiet {
    /// The appellant is no longer followed or their account is gone.
    NotFollowed,
    /// The missing-reason note is already there.
    AlreadyNoted,
    /// This ban was already appealed through the form.
    AlreadyAppealed,
    /// A denied appeal is in its cooldown.
    Cooldown { until: DateTime<Utc> },
    /// The appeal is complete; the moderators have it.
    Completed,
    /// Waiting for the form; the user has not written since the bot's last message.
    Waiting,
    /// The subreddit is paused: nothing new is started (see [`exclude::while_paused`]).
    Paused,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The trigger says this is not a conversation for the bot.
    Skip(String),
    /// Leave one internal note for the moderators; do not engage.
    NoteMissingReason(Vec<Action>),
    /// A control-group appellant: record only, never write to Reddit.
    Control,
    /// Create the form; reply with the initial message and link; archive.
    StartAppeal(Vec<Action>),
    /// The user wrote again without filling the form: reminder (with link) and archive.
    Remind(Vec<Action>),
    /// The form was submitted: final reply, mod note, unarchive.
    Complete(Vec<Action>),
    /// A human moderator stepped in: stop and mark the appellant ignored.
    ModeratorTookOver,
    /// The user keeps writing and the reminders are used up: leave one internal note, stop
    /// archiving and following, so the moderators see the conversation (a form submitted
    /// later is still passed on).
    HandOver(Vec<Action>),
    /// Carry out the moderators' decision on an appeal (`verdict::decide_appeal`).
    Carry(Vec<Action>),
    Nothing(Quiet),
}

impl Decision {
    pub fn actions(&self) -> &[Action] {
        match self {
            Self::NoteMissingReason(a)
            | Self::StartAppeal(a)
            | Self::Remind(a)
            | Self::Complete(a)
            | Self::HandOver(a)
            | Self::Carry(a) => a,
            _ => &[],
        }
    }

    /// Which kind of decision this is, without its data.
    pub fn step(&self) -> Step {
        match self {
            Self::Skip(_) => Step::Skip,
            Self::NoteMissingReason(_) => Step::NoteMissingReason,
            Self::Control => Step::Control,
            Self::StartAppeal(_) => Step::StartAppeal,
            Self::Remind(_) => Step::Remind,
            Self::Complete(_) => Step::Complete,
            Self::ModeratorTookOver => Step::ModeratorTookOver,
            Self::HandOver(_) => Step::HandOver,
            Self::Carry(_) => Step::Carry,
            Self::Nothing(_) => Step::Nothing,
        }
    }
}

/// The kind of a [`Decision`]: what a pass reports and logs name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Skip,
    NoteMissingReason,
    Control,
    StartAppeal,
    Remind,
    Complete,
    ModeratorTookOver,
    HandOver,
    Carry,
    Nothing,
}

impl Step {
    /// A short name for logs, Slack and conversation snapshots.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Skip => "skip",
            Self::NoteMissingReason => "note_missing_reason",
            Self::Control => "control",
            Self::StartAppeal => "start_appeal",
            Self::Remind => "remind",
            Self::Complete => "complete",
            Self::ModeratorTookOver => "moderator_took_over",
            Self::HandOver => "hand_over",
            Self::Carry => "carry_out_decision",
            Self::Nothing => "nothing",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn bot_wrote<'a>(
    conv: &'a Conversation,
    bot: &'a str,
    internal: bool,
) -> impl Iterator<Item = &'a crate::domain::Message> {
    conv.messages
        .iter()
        .filter(move |m| m.author.name.eq_ignore_ascii_case(bot) && m.is_internal == internal)
}

/// The last time the participant wrote in this conversation.
fn last_user_message(conv: &Conversation) -> Option<DateTime<Utc>> {
    conv.messages
        .iter()
        .filter(|m| !m.author.is_mod)
        .map(|m| m.date)
        .max()
}

/// Decides what to do with one conversation.
pub fn decide(input: &Input<'_>) -> Decision {
    let appellant = input.appellant;
    // The latest appeal of this appellant that belongs to the current ban, if any.
    let latest = input.appeals.last();
    // A submitted form is always passed on, even when the bot stopped following the
    // appellant (a moderator stepped in meanwhile): no appeal is lost.
    let submitted_here = input.form.is_some()
        && latest.is_some_and(|a| {
            a.status == AppealStatus::Submitted && &a.conversation_id == input.conversation.id()
        });
    if (appellant.ignored || appellant.user_deleted) && !submitted_here {
        return Decision::Nothing(Quiet::NotFollowed);
    }
    // A control appellant's appeal exists only when a moderator decided (or claimed) it:
    // the moderators' act, carried out through its own entries. The dialogue never
    // continues it: the conversation is recorded, never written to.
    if appellant.group == Group::Control {
        return start(input);
    }

    let ban_date = input.ban.map(|b| b.date);
    let same_ban = |a: &Appeal| match (a.ban_date, ban_date) {
        (Some(x), Some(y)) => (x - y).num_seconds().abs() < 60,
        // Without a ban date on either side, treat it as the same ban: never prompt twice
        // for what may be one ban.
        _ => true,
    };

    match latest {
        Some(appeal) if appeal.status != AppealStatus::Abandoned && same_ban(appeal) => {
            continue_appeal(input, appeal)
        }
        _ => {
            if let Some(previous) = latest {
                // A new ban after an earlier appeal: respect the cooldown after a denial.
                if previous.outcome == Some(Outcome::Denied)
                    || (previous.status == AppealStatus::Completed && previous.outcome.is_none())
                {
                    let until = previous.completed_at.unwrap_or(previous.created_at)
                        + input.settings.cooldown;
                    if input.now < until {
                        return Decision::Nothing(Quiet::Cooldown { until });
                    }
                }
            }
            start(input)
        }
    }
}

fn start(input: &Input<'_>) -> Decision {
    match triage(input.conversation, input.ban, input.trigger, input.bot) {
        Some(Decision::NoteMissingReason(_)) | Some(Decision::Nothing(Quiet::AlreadyNoted))
            if input.appellant.group == Group::Control =>
        {
            // Control conversations are never written to, not even with a note.
            Decision::Control
        }
        Some(settled) => settled,
        None => match input.appellant.group {
            Group::Control => Decision::Control,
            Group::Treatment => {
                Decision::StartAppeal(vec![Action::Reply(Body::Initial), Action::Archive])
            }
        },
    }
}

/// The trigger's verdict before any appellant exists: `Some` when it settles the matter
/// (skip, or the one missing-reason note), `None` when the bot should engage — the shell
/// then records the appellant (drawing the group) and calls [`decide`].
pub fn triage(
    conv: &Conversation,
    ban: Option<&BanEntry>,
    trigger: &Trigger,
    bot: &str,
) -> Option<Decision> {
    match trigger.evaluate(conv, ban, bot) {
        TriggerOutcome::Skip(why) => Some(Decision::Skip(why)),
        TriggerOutcome::NoteMissingReason => {
            let noted = bot_wrote(conv, bot, true)
                .any(|m| m.body_markdown.contains("ban reason not available"));
            Some(if noted {
                Decision::Nothing(Quiet::AlreadyNoted)
            } else {
                Decision::NoteMissingReason(vec![Action::Note(MISSING_REASON_NOTE.to_owned())])
            })
        }
        TriggerOutcome::Engage => None,
    }
}

/// A submitted form: final reply, the moderators' note, unarchive. Needs nothing from the
/// conversation, so the shell can decide it without reading the conversation again when
/// nothing changed there since its last look.
///
/// `appeals` are the appellant's appeals in this subreddit (those before `appeal` are listed
/// in the note); `toxic` says whether toxic language was found in their messages or answers.
pub fn complete(
    appeal: &Appeal,
    appeals: &[Appeal],
    form: &FormAnswers,
    settings: &DialogueSettings,
    toxic: bool,
) -> Decision {
    let earlier: Vec<EarlierAppeal> = appeals
        .iter()
        .filter(|a| a.id < appeal.id)
        .map(|a| EarlierAppeal {
            created_at: a.created_at,
            outcome: a.outcome,
        })
        .collect();
    let console_link = settings
        .console_link
        .as_deref()
        .map(|sub| appeal_page_link(sub, appeal.id));
    let note = mod_note(&NoteContext {
        username: appeal.username.as_str(),
        subreddit: appeal.subreddit.as_str(),
        ban_reason: &appeal.ban_reason,
        ban_note: &appeal.ban_note,
        ban_date: appeal.ban_date,
        ban_permanent: appeal.ban_permanent,
        earlier: &earlier,
        form,
        questions: &settings.questions,
        reminders: appeal.reminders,
        fast_fill_secs: settings.fast_fill_secs,
        toxic,
        console_link: console_link.as_deref(),
    });
    let mut actions = vec![
        Action::Reply(Body::Final),
        Action::Note(note),
        Action::Unarchive,
    ];
    if settings.mod_notes {
        actions.push(Action::ModNote(note::reddit_mod_note(
            form.submitted_at,
            console_link.as_deref(),
        )));
    }
    Decision::Complete(actions)
}

/// The console's page of one appeal, under its subreddit's console page
/// (`…/dashboard/r/{sub}` → `…/dashboard/r/{sub}/appeals/{id}`, the site's route).
pub fn appeal_page_link(subreddit_console: &str, appeal: AppealId) -> String {
    format!(
        "{}/appeals/{}",
        subreddit_console.trim_end_matches('/'),
        appeal.0
    )
}

fn continue_appeal(input: &Input<'_>, appeal: &Appeal) -> Decision {
    let conv = input.conversation;
    match appeal.status {
        AppealStatus::Completed => {
            // Another conversation about an already appealed ban.
            if conv.id() != &appeal.conversation_id {
                return Decision::Nothing(Quiet::AlreadyAppealed);
            }
            return Decision::Nothing(Quiet::Completed);
        }
        AppealStatus::Submitted if conv.id() != &appeal.conversation_id => {
            // The answers go to the appeal's own conversation, not to this one.
            return Decision::Nothing(Quiet::Completed);
        }
        AppealStatus::Submitted => {
            if let Some(form) = input.form {
                return complete(appeal, input.appeals, form, input.settings, input.toxic);
            }
        }
        AppealStatus::Prompted | AppealStatus::Abandoned => {}
    }
    // Waiting for the form.
    if human_moderator_wrote(
        conv,
        input.bot,
        input.trigger.automation_accounts(),
        Some(appeal.created_at),
    ) {
        return Decision::ModeratorTookOver;
    }
    let last_bot = bot_wrote(conv, input.bot, false).map(|m| m.date).max();
    let wrote_again = match (last_user_message(conv), last_bot) {
        (Some(user), Some(bot)) => user > bot,
        // A new conversation with no bot message yet, opened by the user.
        (Some(_), None) => conv.id() != &appeal.conversation_id,
        _ => false,
    };
    if !wrote_again {
        return Decision::Nothing(Quiet::Waiting);
    }
    remind_or_hand_over(appeal, input.settings)
}

/// The appellant wrote again without filling the form.
fn remind_or_hand_over(appeal: &Appeal, settings: &DialogueSettings) -> Decision {
    if appeal.reminders >= settings.max_reminders {
        // Enough reminders: archiving again would hide this user from the moderators for
        // good. Hand the conversation over instead.
        return Decision::HandOver(vec![Action::Note(hand_over_note(appeal.reminders))]);
    }
    Decision::Remind(vec![Action::Reply(Body::Reminder), Action::Archive])
}

/// What the modmail listing shows of a followed conversation that changed — its summary and
/// its last message — and what the bot had seen of it at its last look.
#[derive(Debug, Clone, Copy)]
pub struct Listed<'a> {
    pub summary: &'a ConversationSummary,
    pub last_message: Option<&'a Message>,
    /// `lastUpdated` and the number of messages when the bot last read the conversation
    /// or wrote to it.
    pub seen_update: Option<DateTime<Utc>>,
    pub seen_messages: Option<i64>,
    /// A message of the bot's for the latest appeal is on Reddit (its journal entry is
    /// done): without one, the appellant has no link to be reminded of.
    pub bot_wrote: bool,
}

/// The commonest change of a followed conversation — the appellant wrote once more while
/// the form waits — decided from the listing alone, saving the read of the conversation
/// (a call per reminder). `None` unless the listing proves that exactly one message is new,
/// that it is the appellant's, that the bot's link reached them, and that the appellant is
/// still banned (their message went to Ban Appeals); anything else (two new messages, a moderator's message or private note,
/// a lifted ban, a new ban notice) needs the conversation read and [`decide`].
pub fn decide_listed(
    listed: &Listed<'_>,
    appellant: AppellantFacts,
    appeals: &[Appeal],
    settings: &DialogueSettings,
) -> Option<Decision> {
    let s = listed.summary;
    if appellant.group != Group::Treatment || appellant.ignored || appellant.user_deleted {
        return None;
    }
    let appeal = appeals
        .last()
        .filter(|a| a.status == AppealStatus::Prompted && a.conversation_id == s.id)?;
    let one_new = listed
        .seen_messages
        .is_some_and(|n| s.num_messages == n + 1);
    let m = listed.last_message?;
    // Stored times have millisecond precision, Reddit's microseconds.
    let after_seen = listed
        .seen_update
        .is_some_and(|seen| m.date.timestamp_millis() > seen.timestamp_millis());
    let by_appellant = !m.author.is_mod
        && !m.is_internal
        && s.participant
            .as_ref()
            .is_some_and(|p| p.as_str().eq_ignore_ascii_case(&m.author.name));
    let still_banned = s.state == ConversationState::Appeals;
    (listed.bot_wrote && one_new && after_seen && by_appellant && still_banned)
        .then(|| remind_or_hand_over(appeal, settings))
}
