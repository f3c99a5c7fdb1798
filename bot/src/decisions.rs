//! What moderators do in a followed conversation that the bot must act on: a command in a
//! private note (`!grant`, `!deny [template]`, `!reduce <days>`, `!claim`) and a ban lifted
//! by hand from the conversation (Reddit's `modActions`). A command counts only from a
//! moderator of the subreddit with Mail or full permissions; anyone else's text is never a
//! command and is never echoed. Each command is answered once (the answer's journal marker
//! is the note's id), and a decision is stored with its journal entries in one transaction.

use chrono::{DateTime, Duration, Utc};
use tracing::{info, warn};

use appealmod_core::decide::verdict::{
    COMMAND_HELP, Channel, Command, DecisionPlan, DecisionTemplates, Verdict, banning_moderator,
    decide_appeal, parse_command,
};
use appealmod_core::decide::{Action, Decision, StepMarker, ban_message_reason};
use appealmod_shared::domain::{
    Appeal, Conversation, Group, Message, ModActionKind, RedditUsername, SubredditModerator,
    may_use_console,
};
use appealmod_shared::effects::{decision_entries, written};
use appealmod_shared::storage::{Appellant, ControlBan, NewEffect, Recorded};

use crate::context::BotContext;

/// How long a claim holds an appeal for its moderator.
pub const CLAIM_MINUTES: i64 = 30;

impl BotContext {
    /// Acts on what moderators did in `conv` about the appellant's appeal: the latest one,
    /// or for a control appellant the one of this conversation, which the first act that
    /// needs it creates (`Store::control_appeal`: the control group has no appeal until a
    /// moderator acts). True when that changed the appeal (a decision was recorded). Also
    /// records who issued the ban, where Reddit says (a ban done in modmail), for the
    /// recusal rule.
    pub async fn moderator_acts(
        &self,
        conv: &Conversation,
        appellant: &Appellant,
        appeals: &[Appeal],
    ) -> anyhow::Result<bool> {
        if let Some(by) = banning_moderator(conv, &self.bot_name) {
            self.store.record_banned_by(conv.id(), &by).await?;
        }
        let mut on = ActedOn {
            appellant,
            appeal: match appellant.group {
                Group::Treatment => appeals.last().cloned(),
                Group::Control => appeals
                    .iter()
                    .rev()
                    .find(|a| a.conversation_id == *conv.id())
                    .cloned(),
            },
        };
        if appellant.group == Group::Treatment && on.appeal.is_none() {
            return Ok(false);
        }
        let mut changed = self.hand_unban(conv, &mut on).await?;
        // A command answered before (its answer's marker is in the journal) is not looked
        // at again: reading the conversation again costs no moderator-list call.
        let mut answered: Option<Vec<String>> = None;
        // Reddit's moderator list, asked at most once per reading of the conversation.
        let mut moderators: Option<Vec<SubredditModerator>> = None;
        for m in conv
            .messages
            .iter()
            .filter(|m| m.is_internal && m.author.is_mod)
        {
            if m.author.name.eq_ignore_ascii_case(&self.bot_name) {
                continue;
            }
            let Some(command) = parse_command(&m.body_markdown) else {
                continue;
            };
            let Ok(author) = RedditUsername::parse(&m.author.name) else {
                continue;
            };
            let answer = answer_marker(&m.id);
            let answered = match &mut answered {
                Some(markers) => markers,
                none => none.insert(
                    self.store
                        .effects_of(conv.id())
                        .await?
                        .into_iter()
                        .map(|e| e.marker)
                        .collect(),
                ),
            };
            if answered.contains(&answer) {
                continue;
            }
            // Only a moderator with Mail or full permissions commands the bot; a removed one
            // (or anyone else) is ignored without an answer.
            let mods = match &mut moderators {
                Some(mods) => mods,
                none => none.insert(self.reddit.moderators(&conv.summary.subreddit).await?),
            };
            if !commands_the_bot(mods, &author) {
                continue;
            }
            let Some(appeal) = self.appeal_acted_on(conv, &mut on).await? else {
                continue;
            };
            changed |= self
                .answer_command(conv, &appeal, m, &author, command)
                .await?;
        }
        Ok(changed)
    }

    /// The appeal a moderator's act is about; a control appellant's is created now.
    async fn appeal_acted_on(
        &self,
        conv: &Conversation,
        on: &mut ActedOn<'_>,
    ) -> anyhow::Result<Option<Appeal>> {
        if let Some(a) = &on.appeal {
            return Ok(Some(a.clone()));
        }
        let ban = ControlBan {
            reason: ban_message_reason(conv).unwrap_or_default(),
            permanent: conv.participant.as_ref().is_none_or(|p| p.ban_is_permanent),
        };
        let now = self.clock.now();
        let Some(id) = self
            .store
            .control_appeal(on.appellant.id, conv.id(), &ban, now)
            .await?
        else {
            return Ok(None);
        };
        info!(
            slack = "steps",
            appeal = id.0,
            "a moderator acted on a control appeal: its appeal is recorded"
        );
        on.appeal = self.store.appeal(id).await?;
        Ok(on.appeal.clone())
    }

    async fn answer_command(
        &self,
        conv: &Conversation,
        appeal: &Appeal,
        note: &Message,
        author: &RedditUsername,
        command: Result<Command, appealmod_core::decide::verdict::BadCommand>,
    ) -> anyhow::Result<bool> {
        let now = self.clock.now();
        let marker = StepMarker::Command(note.id.clone());
        let text = match command {
            Err(_) => self.command_help(appeal).await?,
            Ok(Command::Claim) => {
                let until = now + Duration::minutes(CLAIM_MINUTES);
                match self
                    .store
                    .claim_appeal(appeal.id, author, until, now)
                    .await?
                {
                    Ok(()) => format!(
                        "appealmod: u/{author} holds this appeal until {}.",
                        when(until)
                    ),
                    Err((holder, until)) => {
                        format!(
                            "appealmod: u/{holder} holds this appeal until {}.",
                            when(until)
                        )
                    }
                }
            }
            Ok(Command::Decide { verdict, template }) => {
                let confirm = self.confirmation(conv, appeal, &marker, verdict);
                match self
                    .decide_from_modmail(appeal, verdict, template.as_deref(), author, confirm, now)
                    .await?
                {
                    None => return Ok(true),
                    Some(refusal) => format!("appealmod: not carried out: {refusal}."),
                }
            }
        };
        let entry = note_entry(conv, appeal, &marker, &text);
        let mut tx = self.store.begin().await?;
        if tx.enqueue_effect(&entry, now).await? {
            tx.commit().await?;
            info!(slack = "steps", conversation_id = %conv.id(), "answered a moderator's command");
        } else {
            tx.rollback().await?;
        }
        Ok(false)
    }

    /// The note confirming a decision, carried out after it.
    fn confirmation(
        &self,
        conv: &Conversation,
        appeal: &Appeal,
        marker: &StepMarker,
        verdict: Verdict,
    ) -> NewEffect {
        let done = match verdict {
            Verdict::Grant => "the ban is lifted".to_owned(),
            Verdict::Deny => "the ban stays".to_owned(),
            Verdict::Reduce { days } => format!("the ban now ends in {days} days"),
        };
        let text =
            format!("appealmod: decision recorded and carried out: {done}; the user was told.");
        note_entry(conv, appeal, marker, &text)
    }

    /// Stores a decision taken by a command; `Some(reason)` when it is refused (the answer
    /// note says why), `None` when stored (its confirmation rides with it).
    /// The subreddit's decision messages (its own, or the shipped ones in its language).
    async fn decision_templates(&self, appeal: &Appeal) -> anyhow::Result<DecisionTemplates> {
        let settings = self.settings_of(&appeal.subreddit).await?;
        Ok(self.effective(settings.as_ref()).decision_templates)
    }

    /// The answer to a command the bot does not know: the commands, and the names of this
    /// subreddit's denial messages (for `!deny <name>`).
    async fn command_help(&self, appeal: &Appeal) -> anyhow::Result<String> {
        let names: Vec<String> = self
            .decision_templates(appeal)
            .await?
            .deny
            .into_iter()
            .map(|(name, _)| format!("`{name}`"))
            .collect();
        Ok(format!(
            "{COMMAND_HELP} Denial messages in r/{}: {}.",
            appeal.subreddit,
            names.join(", ")
        ))
    }

    async fn decide_from_modmail(
        &self,
        appeal: &Appeal,
        verdict: Verdict,
        template: Option<&str>,
        author: &RedditUsername,
        confirmation: NewEffect,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<String>> {
        let mut state = self.store.decision_state(appeal.id).await?;
        let settings = self.settings_of(&appeal.subreddit).await?;
        let effective = self.effective(settings.as_ref());
        state.recusal = effective.recusal;
        let plan = effective
            .decision_templates
            .render_in(verdict, template, appeal, effective.language)
            .and_then(|message| decide_appeal(appeal, &state, verdict, message, author, now));
        let plan = match plan {
            Ok(plan) => plan,
            Err(refusal) => return Ok(Some(refusal.to_string())),
        };
        let mut effects = decision_entries(&plan, &appeal.conversation_id);
        effects.push(confirmation);
        match self
            .store
            .record_decision(&plan, &effects, author, Channel::ModmailCommand, now)
            .await?
        {
            Recorded::Stored => {
                info!(slack = "steps", appeal = appeal.id.0, decision = verdict.as_str(), by = %author, "a moderator decided from modmail");
                Ok(None)
            }
            Recorded::AlreadyDecided(state) => Ok(Some(match state.decided {
                Some((o, by, at)) => {
                    format!("already decided ({}) by {by} at {}", o.as_str(), when(at))
                }
                None => "already decided".to_owned(),
            })),
        }
    }

    /// A moderator lifted the ban from this conversation by hand (after the appeal began;
    /// a control appeal begins with the conversation): the appeal is granted by them, at
    /// that time, from modmail.
    async fn hand_unban(&self, conv: &Conversation, on: &mut ActedOn<'_>) -> anyhow::Result<bool> {
        if on.appeal.as_ref().is_some_and(|a| a.outcome.is_some()) {
            return Ok(false);
        }
        let began = match &on.appeal {
            Some(a) => a.created_at,
            None => conv
                .messages
                .first()
                .map_or(conv.summary.last_updated, |m| m.date),
        };
        let by_hand = conv.mod_actions.iter().find(|a| {
            a.kind == ModActionKind::Unban
                && a.date >= began
                && !a.author.name.eq_ignore_ascii_case(&self.bot_name)
        });
        let Some(action) = by_hand else {
            return Ok(false);
        };
        let Ok(moderator) = RedditUsername::parse(&action.author.name) else {
            warn!(author = %action.author.name, "an unban by an author the bot cannot name");
            return Ok(false);
        };
        let Some(appeal) = self.appeal_acted_on(conv, on).await? else {
            return Ok(false);
        };
        let plan = DecisionPlan {
            appeal: appeal.id,
            verdict: Verdict::Grant,
            outcome: Verdict::Grant.outcome(),
            decision: Decision::Carry(Vec::<Action>::new()),
            marker: StepMarker::Decision(appeal.id),
        };
        let stored = self
            .store
            .record_decision(&plan, &[], &moderator, Channel::HandUnban, action.date)
            .await?
            == Recorded::Stored;
        if stored {
            info!(slack = "steps", appeal = appeal.id.0, by = %moderator, "a moderator lifted the ban in modmail: appeal granted");
        }
        Ok(stored)
    }
}

/// The appellant a moderator acted on, and the appeal once known.
struct ActedOn<'a> {
    appellant: &'a Appellant,
    appeal: Option<Appeal>,
}

/// A private note answering a command (the note's id keys it: answered once).
fn note_entry(conv: &Conversation, appeal: &Appeal, marker: &StepMarker, text: &str) -> NewEffect {
    written(
        &Action::Note(text.to_owned()),
        Some(appeal.id),
        conv.id(),
        marker,
    )
}

/// The journal marker of the bot's answer to the command in note `note_id`.
fn answer_marker(note_id: &str) -> String {
    StepMarker::Command(note_id.to_owned()).of(&Action::Note(String::new()))
}

/// Whether `author` moderates the subreddit with Mail or full permissions on Reddit's list
/// as read now (a stored row may be a day old, and a removed moderator must not decide).
fn commands_the_bot(mods: &[SubredditModerator], author: &RedditUsername) -> bool {
    mods.iter()
        .any(|m| m.name == *author && may_use_console(&m.permissions))
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%-d %B %Y %H:%M UTC").to_string()
}
