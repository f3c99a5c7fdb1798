//! One conversation, from facts to committed intent: gather what the core needs, call
//! [`decide`](appealmod_core::decide::decide), and write the state change and its journal entries in
//! one transaction. Nothing here calls a Reddit write; the sender does that afterwards.

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use tracing::{debug, info, warn};

use appealmod_shared::domain::{Appeal, AppealId, AppealStatus, AppellantId};
use appealmod_shared::domain::{
    BanEntry, Conversation, ConversationId, ConversationSummary, Message, Messages, Placeholders,
    RedditUsername,
};
use appealmod_shared::domain::{SubredditName, SubredditState};
use appealmod_shared::storage::{
    EffectKind, EffectState, NewAppeal, NewEffect, Seen, StatusUpdate, StoreError,
    SubredditSettings, Tx,
};
use appealmod_shared::token::{STORED_LINK, strip_links};

use crate::context::BotContext;
use crate::failpoints::Failpoint;
use appealmod_core::decide::{
    self, Action, AppellantFacts, Body, Decision, Input, Quiet, Step, exclude,
};

/// Invisible in rendered markdown; lets the sender find its own message when it must check
/// whether an uncertain send went through.
pub fn with_marker(body: &str, marker: &str) -> String {
    format!("{body}\n\n[](#{marker})")
}

/// What handling a conversation did, for logs, tests and the sandbox summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    Decided(Step),
    /// Effects of this conversation are still being sent; decide after they are.
    Busy,
    NoParticipant,
}

/// The conversation a decision is about, as far as committing it needs.
struct Target<'a> {
    id: &'a ConversationId,
    subreddit: &'a str,
    username: String,
    /// Reddit's `lastUpdated` as read (none when decided without reading).
    last_updated: Option<chrono::DateTime<chrono::Utc>>,
    participant: Option<&'a appealmod_shared::domain::ParticipantInfo>,
    /// The reason quoted in the ban notice, as the user read it.
    ban_message_reason: Option<String>,
    /// Reddit's `numMessages` as read (none when decided without reading).
    num_messages: Option<i64>,
}

impl<'a> Target<'a> {
    fn of(conv: &'a Conversation) -> Self {
        Self {
            id: conv.id(),
            subreddit: conv.summary.subreddit.as_str(),
            username: participant(conv).map(|u| u.to_string()).unwrap_or_default(),
            last_updated: Some(conv.summary.last_updated),
            participant: conv.participant.as_ref(),
            ban_message_reason: decide::ban_message_reason(conv),
            num_messages: Some(conv.summary.num_messages),
        }
    }
}

fn participant(conv: &Conversation) -> Option<RedditUsername> {
    conv.participant
        .as_ref()
        .map(|p| p.name.clone())
        .or_else(|| conv.summary.participant.clone())
}

impl BotContext {
    /// Keeps the raw snapshot for research, when MongoDB is configured. The bot's own
    /// messages in it carry personal links: they are taken out, as everywhere the bot
    /// stores text (a link is JSON-safe, so the serialised document can be scanned).
    pub fn log_snapshot(&self, conv: &Conversation, decision: &str) {
        if let Some(sink) = &self.conversation_log {
            let doc = serde_json::json!({
                "conversation_id": conv.id().as_str(),
                "subreddit": conv.summary.subreddit.as_str(),
                "fetched_at": self.clock.now().to_rfc3339(),
                "decision": decision,
                "conversation": conv,
            });
            let doc = match strip_links(&doc.to_string()) {
                std::borrow::Cow::Owned(s) => serde_json::from_str(&s).unwrap_or(doc),
                std::borrow::Cow::Borrowed(_) => doc,
            };
            if let Err(e) = sink.push_json(&doc) {
                warn!(error = %e, "could not queue the conversation snapshot");
            }
        }
    }

    /// Decides what to do with a freshly fetched conversation and commits it.
    pub async fn handle_conversation(&self, conv: &Conversation) -> anyhow::Result<Handled> {
        let id = conv.id().clone();
        let sub = conv.summary.subreddit.clone();
        let span = tracing::info_span!("conversation", subreddit = %sub, conversation_id = %id);
        let _guard = span.enter();

        if self.store.unfinished_effects(&id).await? > 0 {
            debug!("effects still being sent; deciding later");
            return Ok(Handled::Busy);
        }
        let Some(user) = participant(conv) else {
            self.log_snapshot(conv, "no_participant");
            return Ok(Handled::NoParticipant);
        };
        let settings = self.settings_of(&sub).await?;
        let tracked = self.store.tracked_conversation(&id).await?.is_some();
        let existing = self.store.appellant(&sub, &user).await?;
        let banned = conv.participant.as_ref().is_some_and(|p| p.is_banned);

        // The ban list tells the moderator's note and the ban date; it is needed to engage
        // (rules on the note, the note on the form) and to tell a new ban from an old one —
        // so it is read only for conversations the bot does not follow yet.
        let ban = if banned && !tracked {
            self.ban_entry(conv, &user).await?
        } else {
            None
        };

        if self.store.is_left_alone(&id).await? {
            debug!("left alone while the subreddit was paused; stays alone");
            return Ok(Handled::Decided(Step::Nothing));
        }
        let settled = match existing {
            None => self.settle_new(conv, &user, settings.as_ref(), ban.as_ref()),
            Some(_) => None,
        };
        if settled == Some(Decision::Nothing(Quiet::Paused)) {
            return self.leave_alone(conv, &user).await;
        }
        if let Some(decision) = settled {
            // Not engaging (or only the missing-reason note): no appellant is recorded.
            self.log_snapshot(conv, decision.step().as_str());
            let messages = self.messages_for(settings.as_ref());
            return self
                .commit(
                    &Target::of(conv),
                    None,
                    &[],
                    decision,
                    ban.as_ref(),
                    &messages,
                )
                .await;
        }

        self.decide_engaged(conv, &user, settings.as_ref(), ban.as_ref())
            .await
    }

    /// What becomes of a conversation of a user the bot does not know yet, before any
    /// appellant is recorded (so that no group is drawn): `Some` when it settles the matter.
    /// The console's exclusions come first, then the trigger; a paused subreddit leaves
    /// alone whatever the bot would engage with (not what it would skip anyway).
    fn settle_new(
        &self,
        conv: &Conversation,
        user: &RedditUsername,
        settings: Option<&SubredditSettings>,
        ban: Option<&BanEntry>,
    ) -> Option<Decision> {
        let excluded = exclude::excluded(&self.exclusions(settings), conv, ban, user);
        let settled = excluded.or_else(|| decide::triage(conv, ban, &self.trigger, &self.bot_name));
        let paused = settings.is_some_and(|s| s.state == SubredditState::Paused);
        match settled {
            Some(Decision::Skip(_) | Decision::Nothing(_)) => settled,
            _ if paused => Some(Decision::Nothing(Quiet::Paused)),
            other => other,
        }
    }

    /// A new conversation in a paused subreddit: recorded as left alone, never written to.
    async fn leave_alone(
        &self,
        conv: &Conversation,
        user: &RedditUsername,
    ) -> anyhow::Result<Handled> {
        self.log_snapshot(conv, "left_alone_paused");
        self.store
            .leave_alone(
                conv.id(),
                &conv.summary.subreddit,
                Some(user),
                self.clock.now(),
            )
            .await?;
        info!(
            slack = "steps",
            "the subreddit is paused: this new conversation is left alone"
        );
        Ok(Handled::Decided(Step::Nothing))
    }

    /// The participant's ban-list entry: taken from the conversation when it carries the
    /// moderator's note (the ban notice that opens a moderator-started conversation dates
    /// the ban: no extra call), else read from the ban list.
    async fn ban_entry(
        &self,
        conv: &Conversation,
        user: &RedditUsername,
    ) -> anyhow::Result<Option<BanEntry>> {
        let noted = conv
            .participant
            .as_ref()
            .filter(|p| !p.ban_reason.trim().is_empty());
        match noted {
            Some(p) => Ok(Some(BanEntry {
                user: user.clone(),
                date: conv
                    .messages
                    .first()
                    .filter(|m| m.author.is_mod)
                    .map_or(conv.summary.last_updated, |m| m.date),
                note: p.ban_reason.clone(),
            })),
            None => self
                .reddit
                .banned_user(&conv.summary.subreddit, user)
                .await
                .context("reading the ban list"),
        }
    }

    /// A conversation the trigger engages with (or one of an appellant already known):
    /// records the contact (drawing the group of a new appellant), decides, commits.
    async fn decide_engaged(
        &self,
        conv: &Conversation,
        user: &RedditUsername,
        settings: Option<&SubredditSettings>,
        ban: Option<&BanEntry>,
    ) -> anyhow::Result<Handled> {
        let now = self.clock.now();
        let sub = &conv.summary.subreddit;
        let contact = self
            .store
            .record_contact(sub, user, conv.id(), || self.draw_group(settings), now)
            .await?;
        if contact.new_appellant {
            info!(group = contact.appellant.group.as_str(), user = %user, "new appellant");
        }
        let appellant = contact.appellant;
        // Both groups, before deciding: the readout compares them, the note flags it.
        self.store
            .assess_conversation(appellant.id, conv, now)
            .await?;
        let appeals = self.store.appeals_of(appellant.id).await?;
        let (form, toxic) = match appeals.last() {
            Some(a) if a.status == AppealStatus::Submitted => (
                self.store.form_answers(a.id).await?,
                self.store.appeal_toxicity(a.id).await?.is_toxic(),
            ),
            _ => (None, false),
        };
        let dialogue = self.dialogue_settings(settings);
        let decision = decide::decide(&Input {
            now,
            bot: &self.bot_name,
            conversation: conv,
            ban,
            trigger: &self.trigger,
            appellant: AppellantFacts {
                group: appellant.group,
                ignored: appellant.ignored,
                user_deleted: appellant.user_deleted,
            },
            appeals: &appeals,
            form: form.as_ref(),
            toxic,
            settings: &dialogue,
        });
        let decision = self.gate(decision, conv, user, settings, ban);
        if decision == Decision::Nothing(Quiet::Paused) {
            self.leave_alone(conv, user).await?;
        }
        let still_banned = conv.participant.as_ref().map(|p| p.is_banned);
        let status = StatusUpdate {
            last_update: Some(conv.last_activity()),
            still_banned,
            ignored: matches!(
                decision,
                Decision::ModeratorTookOver | Decision::HandOver(_)
            )
            .then_some(true),
            // The conversation just told the ban status: the next check can wait.
            next_ban_check_at: still_banned
                .map(|_| now + Duration::hours(i64::from(self.bot.ban_check_interval_hours))),
            ..Default::default()
        };
        self.log_snapshot(conv, decision.step().as_str());
        let target = Target::of(conv);
        self.commit(
            &target,
            Some((appellant.id, status)),
            &appeals,
            decision,
            ban,
            &dialogue.messages,
        )
        .await
    }

    /// The console's word on a known appellant's decision: a new appeal (a new ban) is not
    /// started for an excluded user or ban, nor while the subreddit is paused; what was
    /// promised already goes on.
    fn gate(
        &self,
        decision: Decision,
        conv: &Conversation,
        user: &RedditUsername,
        settings: Option<&SubredditSettings>,
        ban: Option<&BanEntry>,
    ) -> Decision {
        if !matches!(decision, Decision::StartAppeal(_)) {
            return decision;
        }
        if let Some(skip) = exclude::excluded(&self.exclusions(settings), conv, ban, user) {
            return skip;
        }
        match settings.map(|s| s.state) {
            Some(SubredditState::Paused) => exclude::while_paused(decision),
            _ => decision,
        }
    }

    /// A followed conversation the modmail listing shows changed: when the listing alone
    /// proves the appellant wrote once more while the form waits, remind (or hand over)
    /// without reading the conversation — a call saved per reminder. `None`: the listing
    /// does not prove it; the caller flags the conversation for a visit as before.
    ///
    /// `seen` is what the caller read of the followed conversation (`Store::seen_of`).
    pub async fn handle_listed_change(
        &self,
        summary: &ConversationSummary,
        last_message: Option<&Message>,
        seen: Seen,
    ) -> anyhow::Result<Option<Handled>> {
        let id = &summary.id;
        let span = tracing::info_span!("conversation", subreddit = %summary.subreddit, conversation_id = %id);
        let _guard = span.enter();
        if last_message.is_none() {
            return Ok(None);
        }
        // One read of the journal serves both questions: is anything still being sent
        // (then decide later), and is the bot's link on Reddit.
        let journal = self.store.effects_of(id).await?;
        if journal
            .iter()
            .any(|e| matches!(e.state, EffectState::Pending | EffectState::InFlight))
        {
            return Ok(None);
        }
        let Some(appellant) = self.store.appellant_for_conversation(id).await? else {
            return Ok(None);
        };
        if appellant.subreddit != summary.subreddit {
            return Ok(None);
        }
        let appeals = self.store.appeals_of(appellant.id).await?;
        let settings = self.settings_of(&summary.subreddit).await?;
        let dialogue = self.dialogue_settings(settings.as_ref());
        let latest = appeals.last().map(|a| a.id);
        let bot_wrote = latest.is_some()
            && journal.iter().any(|e| {
                e.appeal_id == latest && e.kind == EffectKind::Reply && e.state == EffectState::Done
            });
        let listed = decide::Listed {
            summary,
            last_message,
            seen_update: seen.update,
            seen_messages: seen.messages,
            bot_wrote,
        };
        let facts = AppellantFacts {
            group: appellant.group,
            ignored: appellant.ignored,
            user_deleted: appellant.user_deleted,
        };
        let Some(decision) = decide::decide_listed(&listed, facts, &appeals, &dialogue) else {
            return Ok(None);
        };
        // The one new message is read from the listing: assessed like every message read.
        let now = self.clock.now();
        let partial = Conversation {
            summary: summary.clone(),
            authors: Vec::new(),
            messages: last_message.into_iter().cloned().collect(),
            mod_actions: Vec::new(),
            participant: None,
        };
        self.store
            .assess_conversation(appellant.id, &partial, now)
            .await?;
        // As on the full path: a conversation handed to the moderators is theirs.
        // Ban Appeals holds only banned users' messages: the listing told the ban status,
        // so the next ban check can wait, as after a read.
        let status = StatusUpdate {
            last_update: Some(partial.last_activity()),
            still_banned: Some(true),
            next_ban_check_at: Some(
                now + Duration::hours(i64::from(self.bot.ban_check_interval_hours)),
            ),
            ignored: matches!(decision, Decision::HandOver(_)).then_some(true),
            ..Default::default()
        };
        self.log_snapshot(&partial, decision.step().as_str());
        let target = Target {
            id,
            subreddit: summary.subreddit.as_str(),
            username: appellant.username.to_string(),
            last_updated: Some(summary.last_updated),
            participant: None,
            ban_message_reason: None,
            num_messages: Some(summary.num_messages),
        };
        debug!("decided from the listing, without reading the conversation");
        self.commit(
            &target,
            Some((appellant.id, status)),
            &appeals,
            decision,
            None,
            &dialogue.messages,
        )
        .await
        .map(Some)
    }

    /// A submitted form whose conversation did not change since the bot's last look:
    /// completes it without reading the conversation again (saves a call per appeal).
    pub async fn complete_submission(&self, appeal: &Appeal) -> anyhow::Result<Handled> {
        let span = tracing::info_span!(
            "conversation",
            subreddit = %appeal.subreddit,
            conversation_id = %appeal.conversation_id
        );
        let _guard = span.enter();
        if self
            .store
            .unfinished_effects(&appeal.conversation_id)
            .await?
            > 0
        {
            return Ok(Handled::Busy);
        }
        let Some(form) = self.store.form_answers(appeal.id).await? else {
            return Ok(Handled::Busy);
        };
        let appeals = self.store.appeals_of(appeal.appellant_id).await?;
        let settings = self.settings_of(&appeal.subreddit).await?;
        let dialogue = self.dialogue_settings(settings.as_ref());
        let toxic = self.store.appeal_toxicity(appeal.id).await?.is_toxic();
        let decision = decide::complete(appeal, &appeals, &form, &dialogue, toxic);
        let target = Target {
            id: &appeal.conversation_id,
            subreddit: appeal.subreddit.as_str(),
            username: appeal.username.to_string(),
            last_updated: None,
            participant: None,
            ban_message_reason: None,
            num_messages: None,
        };
        let messages = self.messages_for(settings.as_ref());
        self.commit(
            &target,
            None,
            std::slice::from_ref(appeal),
            decision,
            None,
            &messages,
        )
        .await
    }

    /// Writes the decision: state change, journal entries and the "visited" mark, in one
    /// transaction. In debug mode it only logs what it would do.
    async fn commit(
        &self,
        target: &Target<'_>,
        appellant: Option<(AppellantId, StatusUpdate)>,
        appeals: &[Appeal],
        decision: Decision,
        ban: Option<&BanEntry>,
        messages: &Messages,
    ) -> anyhow::Result<Handled> {
        log_decision(&decision);
        if self.bot.debug {
            self.commit_debug(target, appellant.as_ref(), &decision)
                .await?;
            return Ok(Handled::Decided(decision.step()));
        }
        let now = self.clock.now();
        let id = target.id;
        let mut tx = self.store.begin().await?;
        if let Some((aid, status)) = &appellant {
            tx.update_appellant(*aid, status, now).await?;
        }
        let step = match self
            .apply_state_change(&mut tx, target, appellant.as_ref(), appeals, &decision, ban)
            .await
        {
            Ok(step) => step,
            // A unique constraint refused it: another runner decided this step first.
            Err(e)
                if e.downcast_ref::<StoreError>()
                    .is_some_and(StoreError::is_conflict) =>
            {
                tx.rollback().await?;
                debug!("another runner decided this conversation first");
                return Ok(Handled::Busy);
            }
            Err(e) => return Err(e),
        };
        for a in decision.actions() {
            let marker = format!("{}-{}", step.marker_prefix, action_tag(a));
            let expires = step.link.as_ref().map(|l| expiry_text(l.expires));
            let fill = Placeholders {
                username: &target.username,
                subreddit: target.subreddit,
                // The link itself is never stored: the sender puts it in when it sends.
                link: if step.link.is_some() { STORED_LINK } else { "" },
                expires: expires.as_deref().unwrap_or(""),
            };
            let effect = render_effect(a, step.appeal_id, id, &marker, messages, &fill);
            if !tx.enqueue_effect(&effect, now).await? {
                // This step's entries exist already: another runner (or an earlier pass
                // whose effects are done) decided it. Nothing here may happen twice.
                tx.rollback().await?;
                debug!(marker = %marker, "this step was decided already");
                return Ok(Handled::Busy);
            }
        }
        if let (Some(_), Some(at)) = (&appellant, target.last_updated) {
            tx.mark_conversation_visited(id, at, target.num_messages)
                .await?;
        }
        self.failpoints.hit(Failpoint::DecideBeforeCommit)?;
        tx.commit().await?;
        self.failpoints.hit(Failpoint::DecideAfterCommit)?;
        Ok(Handled::Decided(decision.step()))
    }

    /// Debug mode: database bookkeeping still happens (so each change is decided once),
    /// Reddit is never written to.
    async fn commit_debug(
        &self,
        target: &Target<'_>,
        appellant: Option<&(AppellantId, StatusUpdate)>,
        decision: &Decision,
    ) -> anyhow::Result<()> {
        for a in decision.actions() {
            info!(action = ?a, "debug mode: would apply");
        }
        if let Some((aid, status)) = appellant {
            self.store
                .update_appellant(*aid, status, self.clock.now())
                .await?;
            if let Some(at) = target.last_updated {
                self.store.mark_conversation_visited(target.id, at).await?;
            }
        }
        Ok(())
    }

    /// The state change of each step, inside the decision's transaction, and what its
    /// effects need: the appeal they belong to, a marker prefix unique to this step, and
    /// the personal link.
    async fn apply_state_change(
        &self,
        tx: &mut Tx,
        target: &Target<'_>,
        appellant: Option<&(AppellantId, StatusUpdate)>,
        appeals: &[Appeal],
        decision: &Decision,
        ban: Option<&BanEntry>,
    ) -> anyhow::Result<StepEffects> {
        let now = self.clock.now();
        let id = target.id;
        let effects = match decision {
            Decision::NoteMissingReason(_) => StepEffects {
                appeal_id: None,
                marker_prefix: format!("missing-reason-{id}"),
                link: None,
            },
            Decision::StartAppeal(_) => {
                let (aid, _) = appellant.context("an appeal needs an appellant")?;
                self.start_appeal(tx, target, *aid, appeals.last(), ban)
                    .await?
            }
            Decision::Remind(_) => {
                let appeal = appeals.last().context("a reminder needs an appeal")?;
                tx.count_reminder(appeal.id, now).await?;
                StepEffects {
                    appeal_id: Some(appeal.id),
                    marker_prefix: format!("appeal-{}-remind{}", appeal.id.0, appeal.reminders + 1),
                    link: Some(self.reminder_link(tx, appeal).await?),
                }
            }
            Decision::Complete(_) => {
                let appeal = appeals.last().context("completing needs an appeal")?;
                // Completed only once the moderators' note is on Reddit: the sender does it
                // when that entry is done.
                tx.mark_submission_processed(appeal.id, now).await?;
                StepEffects {
                    appeal_id: Some(appeal.id),
                    marker_prefix: format!("appeal-{}-complete", appeal.id.0),
                    // The same link: after submission it shows where the appeal stands.
                    link: Some(Link {
                        expires: appeal.token_expires_at,
                    }),
                }
            }
            Decision::HandOver(_) => {
                let appeal = appeals.last().context("a hand-over needs an appeal")?;
                StepEffects {
                    appeal_id: Some(appeal.id),
                    marker_prefix: format!("appeal-{}-handover", appeal.id.0),
                    link: None,
                }
            }
            Decision::ModeratorTookOver
            | Decision::Skip(_)
            | Decision::Control
            | Decision::Nothing(_) => StepEffects {
                appeal_id: None,
                marker_prefix: String::new(),
                link: None,
            },
        };
        Ok(effects)
    }

    /// The link a reminder carries: the same as before (the token is recomputed, not
    /// stored), or — when it expired or is about to — a fresh one whose hash replaces the
    /// old, so that the old link stops working and the user never gets a dead one.
    async fn reminder_link(&self, tx: &mut Tx, appeal: &Appeal) -> anyhow::Result<Link> {
        let now = self.clock.now();
        let settings = self.settings_of(&appeal.subreddit).await?;
        let settings = settings.as_ref();
        if !decide::needs_new_link(appeal, now, &self.dialogue_settings(settings)) {
            return Ok(Link {
                expires: appeal.token_expires_at,
            });
        }
        let expires = now + self.link_ttl_for(settings);
        let token = self.signer.sign(appeal.id, expires);
        tx.renew_appeal_link(appeal.id, &token.hash(), expires)
            .await?;
        info!(
            slack = "steps",
            "the personal link was renewed (the old one stops working)"
        );
        Ok(Link { expires })
    }

    /// Opens an appeal with its personal link, inside the decision's transaction.
    async fn start_appeal(
        &self,
        tx: &mut Tx,
        target: &Target<'_>,
        appellant: AppellantId,
        previous: Option<&Appeal>,
        ban: Option<&BanEntry>,
    ) -> anyhow::Result<StepEffects> {
        let now = self.clock.now();
        // A new ban while an older link is unanswered: that appeal is over. Only the one
        // this decision saw is closed, so a runner that saw none cannot close another
        // runner's new appeal (the one-open-appeal index refuses it instead).
        if let Some(old) = previous.filter(|a| a.status == AppealStatus::Prompted) {
            tx.set_appeal_status(old.id, AppealStatus::Abandoned, now)
                .await?;
        }
        let p = target.participant;
        let settings = match SubredditName::parse(target.subreddit) {
            Ok(name) => self.settings_of(&name).await?,
            Err(_) => None,
        };
        let expires = now + self.link_ttl_for(settings.as_ref());
        let new = NewAppeal {
            appellant_id: appellant,
            conversation_id: target.id.clone(),
            token_expires_at: expires,
            ban_note: ban.map(|b| b.note.clone()).unwrap_or_default(),
            // What the user was told, shown on their form; the ban list's note (what the
            // moderators wrote for themselves) stays in `ban_note`.
            ban_reason: target.ban_message_reason.clone().unwrap_or_default(),
            ban_date: ban.map(|b| b.date),
            ban_permanent: p.is_none_or(|p| p.ban_is_permanent),
        };
        let appeal_id = tx.create_appeal(&new, now).await?;
        let token = self.signer.sign(appeal_id, expires);
        tx.set_appeal_token_hash(appeal_id, &token.hash()).await?;
        Ok(StepEffects {
            appeal_id: Some(appeal_id),
            marker_prefix: format!("appeal-{}-start", appeal_id.0),
            link: Some(Link { expires }),
        })
    }
}

/// What the journal entries of one step share.
struct StepEffects {
    appeal_id: Option<AppealId>,
    /// Unique to this step, so that a read-back finds exactly this step's messages.
    marker_prefix: String,
    /// The personal link, for the messages that carry it.
    link: Option<Link>,
}

/// A message of this step carries the personal link, which works until `expires`. The
/// link itself is rendered by the sender, from the appeal, when it calls Reddit.
struct Link {
    expires: DateTime<Utc>,
}

/// How the appellant reads the link's expiry: "5 January 2027 (UTC)".
fn expiry_text(t: DateTime<Utc>) -> String {
    t.format("%-d %B %Y (UTC)").to_string()
}

fn log_decision(decision: &Decision) {
    match decision {
        Decision::Skip(why) => debug!(reason = %why, "not a conversation for the bot"),
        Decision::Nothing(q) => debug!(quiet = ?q, "nothing to do"),
        Decision::Control => info!(slack = "steps", "control group: recorded, not contacted"),
        Decision::ModeratorTookOver => info!(
            slack = "steps",
            "a moderator stepped in: the bot stops here"
        ),
        other => info!(
            slack = "steps",
            step = other.step().as_str(),
            actions = other.actions().len(),
            "dialogue step"
        ),
    }
}

/// The journal entry for one action: message bodies rendered (with the invisible marker the
/// sender looks for when it must check whether an uncertain send went through).
fn render_effect(
    action: &Action,
    appeal_id: Option<AppealId>,
    conversation_id: &ConversationId,
    marker: &str,
    messages: &Messages,
    fill: &Placeholders<'_>,
) -> NewEffect {
    let render = |t: &str| Messages::render(t, fill);
    let (kind, body) = match action {
        Action::Reply(b) => {
            let text = match b {
                Body::Initial => render(&messages.initial),
                Body::Reminder => render(&messages.reminder),
                Body::Final => render(&messages.final_),
            };
            (EffectKind::Reply, Some(with_marker(&text, marker)))
        }
        Action::Note(n) => (EffectKind::Note, Some(with_marker(n, marker))),
        Action::Archive => (EffectKind::Archive, None),
        Action::Unarchive => (EffectKind::Unarchive, None),
        // Plain text on Reddit, where a marker would show: read back by its text instead.
        Action::ModNote(n) => (EffectKind::ModNote, Some(n.clone())),
    };
    NewEffect {
        appeal_id,
        conversation_id: conversation_id.clone(),
        kind,
        body,
        marker: marker.to_owned(),
    }
}

fn action_tag(a: &Action) -> &'static str {
    match a {
        Action::Reply(_) => "reply",
        Action::Note(_) => "note",
        Action::Archive => "archive",
        Action::Unarchive => "unarchive",
        Action::ModNote(_) => "modnote",
    }
}
