//! One conversation, from facts to committed intent: gather what the core needs, call
//! [`decide`](appealmod_core::decide::decide), and write the state change and its journal entries in
//! one transaction. Nothing here calls a Reddit write; the sender does that afterwards.

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use tracing::{debug, info, warn};

use appealmod_reddit::RedditError;
use appealmod_shared::domain::{Appeal, AppealId, AppealStatus, AppellantId};
use appealmod_shared::domain::{
    BanEntry, Conversation, ConversationId, ConversationSummary, Message, Placeholders,
    RedditUsername,
};
use appealmod_shared::domain::{SubredditName, SubredditState};
use appealmod_shared::effects;
use appealmod_shared::storage::{
    Appellant, EffectKind, EffectState, NewAppeal, Seen, StatusUpdate, StoreError,
    SubredditSettings, Tx,
};
use appealmod_shared::token::{STORED_LINK, strip_links};

use crate::context::BotContext;
use crate::failpoints::Failpoint;
use appealmod_core::decide::{
    self, AppellantFacts, Decision, DialogueSettings, Input, Plan, PlanFacts, Quiet, Step,
    Transition, exclude,
};
use appealmod_core::i18n;
use appealmod_core::toxicity;

/// What handling a conversation did, for logs, tests and the sandbox summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    Decided(Step),
    /// Effects of this conversation are still being sent; decide after they are.
    Busy,
    NoParticipant,
}

/// The conversation a decision is about, as far as planning and committing it needs.
struct Target<'a> {
    id: &'a ConversationId,
    subreddit: &'a SubredditName,
    username: String,
    /// Reddit's `lastUpdated` as read (none when decided without reading).
    last_updated: Option<chrono::DateTime<chrono::Utc>>,
    /// The reason quoted in the ban notice, as the user read it.
    ban_message_reason: Option<String>,
    /// Reddit says the ban is permanent (true when it does not say).
    ban_permanent: bool,
    /// Reddit's `numMessages` as read (none when decided without reading).
    num_messages: Option<i64>,
}

impl<'a> Target<'a> {
    /// A conversation as read in full.
    fn of(conv: &'a Conversation) -> Self {
        Self {
            id: conv.id(),
            subreddit: &conv.summary.subreddit,
            username: participant(conv).map(|u| u.to_string()).unwrap_or_default(),
            last_updated: Some(conv.summary.last_updated),
            ban_message_reason: decide::ban_message_reason(conv),
            ban_permanent: conv.participant.as_ref().is_none_or(|p| p.ban_is_permanent),
            num_messages: Some(conv.summary.num_messages),
        }
    }

    /// A conversation known from the listing or from storage, not read now.
    fn known(
        id: &'a ConversationId,
        subreddit: &'a SubredditName,
        username: &RedditUsername,
        listed: Option<&ConversationSummary>,
    ) -> Self {
        Self {
            id,
            subreddit,
            username: username.to_string(),
            last_updated: listed.map(|s| s.last_updated),
            ban_message_reason: None,
            ban_permanent: true,
            num_messages: listed.map(|s| s.num_messages),
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
        // First, before anything costs a call: a conversation left alone stays alone.
        if self.store.is_left_alone(&id).await? {
            debug!("left alone while the subreddit was paused; stays alone");
            return Ok(Handled::Decided(Step::Nothing));
        }
        let settings = self.settings_of(&sub).await?;
        let tracked = self.store.tracked_conversation(&id).await?.is_some();
        let existing = self.store.appellant(&sub, &user).await?;
        let banned = conv.participant.as_ref().is_some_and(|p| p.is_banned);

        // The ban list tells the moderator's note and the ban date; it is needed to engage
        // (rules on the note, the note on the form) and to tell a new ban from an old one —
        // so it is read only for conversations the bot does not follow yet.
        let BanFacts { entry: ban, told } = if banned && !tracked {
            self.ban_facts(conv, &user).await?
        } else {
            BanFacts::default()
        };

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
            let dialogue = self.dialogue_settings(settings.as_ref());
            return self
                .commit(
                    &Target::of(conv),
                    None,
                    &[],
                    decision,
                    ban.as_ref(),
                    &dialogue,
                )
                .await;
        }

        self.decide_engaged(conv, &user, settings.as_ref(), ban.as_ref(), told)
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

    /// The participant's ban as the bot needs it for a conversation it does not follow yet.
    /// A conversation a moderator started opens with the ban notice, which dates the ban;
    /// with the moderators' note from the conversation that costs no call. A conversation
    /// the user opened themselves has no notice: the one Reddit sent them is found among
    /// their recent conversations with the subreddit and read (one call), which dates the
    /// ban and tells the reason they were given; without one, the ban list dates it (one
    /// call; the conversation's own date would make every later conversation look like a
    /// new ban). The ban list is read, as before, whenever the conversation lacks the note.
    async fn ban_facts(
        &self,
        conv: &Conversation,
        user: &RedditUsername,
    ) -> anyhow::Result<BanFacts> {
        let note = conv
            .participant
            .as_ref()
            .map(|p| p.ban_reason.trim())
            .filter(|n| !n.is_empty());
        let (dated, told) = match decide::trigger::ban_notice_elsewhere(conv) {
            Some(id) => match self.read_ban_notice(conv, id, user).await? {
                Some(notice) => (
                    notice.messages.first().map(|m| m.date),
                    decide::ban_message_reason(&notice),
                ),
                None => (None, None),
            },
            None => match conv.messages.first() {
                Some(m) if m.author.is_mod => (Some(m.date), None),
                // The default rules never engage a temporary ban: no call to date it.
                _ if conv
                    .participant
                    .as_ref()
                    .is_some_and(|p| !p.ban_is_permanent) =>
                {
                    (Some(conv.summary.last_updated), None)
                }
                _ => (None, None),
            },
        };
        let entry = match (note, dated) {
            (Some(note), Some(date)) => Some(BanEntry {
                user: user.clone(),
                date,
                note: note.to_owned(),
            }),
            _ => self
                .reddit
                .banned_user(&conv.summary.subreddit, user)
                .await
                .context("reading the ban list")?,
        };
        Ok(BanFacts { entry, told })
    }

    /// The ban notice `id` that `conv`'s participant was sent, read in full: `None` when it
    /// is gone or turns out not to be one (not started by the subreddit, another user's).
    async fn read_ban_notice(
        &self,
        conv: &Conversation,
        id: &ConversationId,
        user: &RedditUsername,
    ) -> anyhow::Result<Option<Conversation>> {
        let notice = match self.reddit.get_conversation(id).await {
            Ok(n) => n,
            Err(RedditError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e).context("reading the user's ban notice"),
        };
        let is_notice = notice.summary.subreddit == conv.summary.subreddit
            && notice.messages.first().is_some_and(|m| m.author.is_mod)
            && participant(&notice).as_ref() == Some(user);
        if !is_notice {
            debug!(notice = %id, "named like a ban notice, but not the user's");
        }
        Ok(is_notice.then_some(notice))
    }

    /// Where the appellant reads this conversation on Reddit: the site's pages link them
    /// there. Once: the write changes nothing after the first.
    async fn record_user_view(&self, conv: &Conversation) -> anyhow::Result<()> {
        if let Some(id) = conv.summary.legacy_first_message_id.as_deref() {
            self.store.record_user_message_id(conv.id(), id).await?;
        }
        Ok(())
    }

    /// A conversation the trigger engages with (or one of an appellant already known):
    /// records the contact (drawing the group of a new appellant), decides, commits.
    async fn decide_engaged(
        &self,
        conv: &Conversation,
        user: &RedditUsername,
        settings: Option<&SubredditSettings>,
        ban: Option<&BanEntry>,
        told: Option<String>,
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
        self.record_user_view(conv).await?;
        let appellant = contact.appellant;
        // Both groups, before deciding: the readout compares them, the note flags it.
        let texts = toxicity::assess_conversation(conv);
        self.store
            .record_conversation_findings(appellant.id, conv.id(), &texts, now)
            .await?;
        let mut appeals = self.store.appeals_of(appellant.id).await?;
        // What moderators did here first: a command in a private note, a ban lifted by hand.
        if self.moderator_acts(conv, &appellant, &appeals).await? {
            appeals = self.store.appeals_of(appellant.id).await?;
        }
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
            // The conversation just told the ban status: the next check can wait.
            next_ban_check_at: still_banned
                .map(|_| now + Duration::hours(i64::from(self.bot.ban_check_interval_hours))),
            ..Default::default()
        };
        self.log_snapshot(conv, decision.step().as_str());
        let mut target = Target::of(conv);
        // A conversation the user opened quotes no reason: the one their ban notice gave.
        target.ban_message_reason = target.ban_message_reason.or(told);
        self.commit(
            &target,
            Some((appellant.id, status)),
            &appeals,
            decision,
            ban,
            &dialogue,
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
        let Some(listed) = self.listed_decision(summary, last_message, seen).await? else {
            return Ok(None);
        };
        let ListedDecision {
            appellant,
            appeals,
            dialogue,
            decision,
        } = listed;
        // The one new message is read from the listing: assessed like every message read.
        let now = self.clock.now();
        let partial = Conversation {
            summary: summary.clone(),
            authors: Vec::new(),
            messages: last_message.into_iter().cloned().collect(),
            mod_actions: Vec::new(),
            participant: None,
        };
        let texts = toxicity::assess_conversation(&partial);
        self.store
            .record_conversation_findings(appellant.id, partial.id(), &texts, now)
            .await?;
        // Ban Appeals holds only banned users' messages: the listing told the ban status,
        // so the next ban check can wait, as after a read.
        let status = StatusUpdate {
            last_update: Some(partial.last_activity()),
            still_banned: Some(true),
            next_ban_check_at: Some(
                now + Duration::hours(i64::from(self.bot.ban_check_interval_hours)),
            ),
            ..Default::default()
        };
        self.log_snapshot(&partial, decision.step().as_str());
        let target = Target::known(id, &summary.subreddit, &appellant.username, Some(summary));
        debug!("decided from the listing, without reading the conversation");
        self.commit(
            &target,
            Some((appellant.id, status)),
            &appeals,
            decision,
            None,
            &dialogue,
        )
        .await
        .map(Some)
    }

    /// The facts of a listed change and the core's decision on them, when the listing
    /// proves enough to decide (`decide::decide_listed`).
    async fn listed_decision(
        &self,
        summary: &ConversationSummary,
        last_message: Option<&Message>,
        seen: Seen,
    ) -> anyhow::Result<Option<ListedDecision>> {
        let id = &summary.id;
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
        let decision = decide::decide_listed(&listed, facts, &appeals, &dialogue);
        Ok(decision.map(|decision| ListedDecision {
            appellant,
            appeals,
            dialogue,
            decision,
        }))
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
        let target = Target::known(
            &appeal.conversation_id,
            &appeal.subreddit,
            &appeal.username,
            None,
        );
        self.commit(
            &target,
            None,
            std::slice::from_ref(appeal),
            decision,
            None,
            &dialogue,
        )
        .await
    }

    /// Plans the decision (core) and writes the plan: the appellant's status, the appeal's
    /// transition, the journal entries and the "visited" mark, in one transaction. In debug
    /// mode it only logs what it would do. The one commit path of every decision.
    async fn commit(
        &self,
        target: &Target<'_>,
        appellant: Option<(AppellantId, StatusUpdate)>,
        appeals: &[Appeal],
        decision: Decision,
        ban: Option<&BanEntry>,
        dialogue: &DialogueSettings,
    ) -> anyhow::Result<Handled> {
        log_decision(&decision);
        // One time for the plan and its writes: a link's lifetime is exact.
        let now = self.clock.now();
        let plan = decide::plan(
            decision,
            &PlanFacts {
                now,
                conversation: target.id,
                appeals,
                settings: dialogue,
                ban,
                ban_message_reason: target.ban_message_reason.as_deref(),
                ban_permanent: target.ban_permanent,
            },
        )?;
        let appellant = appellant.map(|(id, mut status)| {
            if plan.stop_following {
                status.ignored = Some(true);
            }
            (id, status)
        });
        let step = plan.decision.step();
        if self.bot.debug {
            self.commit_debug(target, appellant.as_ref(), &plan.decision)
                .await?;
            return Ok(Handled::Decided(step));
        }
        let mut tx = self.store.begin().await?;
        match self
            .write_plan(&mut tx, target, appellant.as_ref(), &plan, dialogue, now)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                // This step's entries exist already: another runner (or an earlier pass
                // whose effects are done) decided it. Nothing here may happen twice.
                tx.rollback().await?;
                debug!("this step was decided already");
                return Ok(Handled::Busy);
            }
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
        }
        self.failpoints.hit(Failpoint::DecideBeforeCommit)?;
        tx.commit().await?;
        self.failpoints.hit(Failpoint::DecideAfterCommit)?;
        Ok(Handled::Decided(step))
    }

    /// The plan's writes inside `tx`. False when the step's journal entries exist already.
    async fn write_plan(
        &self,
        tx: &mut Tx,
        target: &Target<'_>,
        appellant: Option<&(AppellantId, StatusUpdate)>,
        plan: &Plan,
        dialogue: &DialogueSettings,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        if let Some((aid, status)) = appellant {
            tx.update_appellant(*aid, status, now).await?;
        }
        let opened = self
            .apply_transition(
                tx,
                target,
                appellant.map(|(id, _)| *id),
                &plan.transition,
                now,
            )
            .await?;
        let marker = plan.marker.as_ref().and_then(|m| m.resolve(opened));
        if let Some(marker) = &marker {
            let appeal_id = opened.or_else(|| plan_appeal(&plan.transition));
            let expires = plan
                .link_expires
                .map(|t| i18n::link_expiry(dialogue.language, t));
            let fill = Placeholders {
                username: &target.username,
                subreddit: target.subreddit.as_str(),
                // The link itself is never stored: the sender puts it in when it sends.
                link: if plan.link_expires.is_some() {
                    STORED_LINK
                } else {
                    ""
                },
                expires: expires.as_deref().unwrap_or(""),
            };
            for a in plan.decision.actions() {
                let effect =
                    effects::entry(a, appeal_id, target.id, marker, &dialogue.messages, &fill);
                if !tx
                    .enqueue_effect_in(&effect, Some(target.subreddit), now)
                    .await?
                {
                    return Ok(false);
                }
            }
        }
        if let (Some(_), Some(at)) = (appellant, target.last_updated) {
            tx.mark_conversation_visited(target.id, at, target.num_messages)
                .await?;
        }
        Ok(true)
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
                self.store
                    .mark_conversation_visited(target.id, at, target.num_messages)
                    .await?;
            }
        }
        Ok(())
    }

    /// The appeal's state change as the plan says, inside the decision's transaction.
    /// Returns the id of the appeal it opened, if any. Nothing is decided here.
    async fn apply_transition(
        &self,
        tx: &mut Tx,
        target: &Target<'_>,
        appellant: Option<AppellantId>,
        transition: &Transition,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<AppealId>> {
        match transition {
            Transition::None | Transition::HandOver { .. } => Ok(None),
            Transition::Open(open) => {
                let appellant = appellant.context("an appeal needs an appellant")?;
                if let Some(old) = open.close {
                    tx.set_appeal_status(old, AppealStatus::Abandoned, now)
                        .await?;
                }
                let new = NewAppeal {
                    appellant_id: appellant,
                    conversation_id: target.id.clone(),
                    token_expires_at: open.link_expires,
                    ban_note: open.ban_note.clone(),
                    ban_reason: open.ban_reason.clone(),
                    ban_date: open.ban_date,
                    ban_permanent: open.ban_permanent,
                };
                let id = tx.create_appeal(&new, now).await?;
                let token = self.signer.sign(id, open.link_expires);
                tx.set_appeal_token_hash(id, &token.hash()).await?;
                Ok(Some(id))
            }
            Transition::Remind {
                appeal,
                renew_link_until,
            } => {
                tx.count_reminder(*appeal, now).await?;
                if let Some(expires) = renew_link_until {
                    let token = self.signer.sign(*appeal, *expires);
                    tx.renew_appeal_link(*appeal, &token.hash(), *expires)
                        .await?;
                    info!(
                        slack = "steps",
                        "the personal link was renewed (the old one stops working)"
                    );
                }
                Ok(None)
            }
            Transition::PassOn { appeal } => {
                tx.mark_submission_processed(*appeal, now).await?;
                Ok(None)
            }
        }
    }
}

/// The appeal a transition is about (a new one's id comes from storage).
fn plan_appeal(t: &Transition) -> Option<AppealId> {
    match t {
        Transition::Remind { appeal, .. }
        | Transition::PassOn { appeal }
        | Transition::HandOver { appeal } => Some(*appeal),
        Transition::None | Transition::Open(_) => None,
    }
}

/// The participant's ban, as far as deciding a conversation not followed yet needs it.
#[derive(Debug, Default)]
struct BanFacts {
    /// The ban-list entry (the moderators' note and the ban's date).
    entry: Option<BanEntry>,
    /// For a conversation the user opened: the reason quoted in the ban notice Reddit sent
    /// them elsewhere, when it was found and quotes one.
    told: Option<String>,
}

/// What the listing alone let the core decide, with the facts committing it needs.
struct ListedDecision {
    appellant: Appellant,
    appeals: Vec<Appeal>,
    dialogue: DialogueSettings,
    decision: Decision,
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
