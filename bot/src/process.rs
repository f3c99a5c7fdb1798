//! One conversation, from facts to committed intent: gather what the core needs, call
//! [`decide`](crate::core::decide), and write the state change and its journal entries in
//! one transaction. Nothing here calls a Reddit write; the sender does that afterwards.

use anyhow::Context as _;
use chrono::Duration;
use tracing::{debug, info, warn};

use appealmod_shared::domain::{BanEntry, Conversation, ConversationId, Messages, RedditUsername};
use appealmod_shared::storage::{
    Appeal, AppealStatus, EffectKind, NewAppeal, NewEffect, StatusUpdate,
};

use crate::context::BotContext;
use crate::core::{self, Action, AppellantFacts, Body, Decision, Input};

/// Invisible in rendered markdown; lets the sender find its own message when it must check
/// whether an uncertain send went through.
pub fn with_marker(body: &str, marker: &str) -> String {
    format!("{body}\n\n[](#{marker})")
}

/// What handling a conversation did, for logs, tests and the sandbox summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    Decided(&'static str),
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
}

impl<'a> Target<'a> {
    fn of(conv: &'a Conversation) -> Self {
        Self {
            id: conv.id(),
            subreddit: conv.summary.subreddit.as_str(),
            username: participant(conv).map(|u| u.to_string()).unwrap_or_default(),
            last_updated: Some(conv.summary.last_updated),
            participant: conv.participant.as_ref(),
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
    /// Keeps the raw snapshot for research, when MongoDB is configured.
    pub fn log_snapshot(&self, conv: &Conversation, decision: &str) {
        if let Some(sink) = &self.conversation_log {
            let doc = serde_json::json!({
                "conversation_id": conv.id().as_str(),
                "subreddit": conv.summary.subreddit.as_str(),
                "fetched_at": self.clock.now().to_rfc3339(),
                "decision": decision,
                "conversation": conv,
            });
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
        let now = self.clock.now();
        let settings = self.settings_of(&sub).await?;
        let tracked = self.store.tracked_conversation(&id).await?.is_some();
        let existing = self.store.appellant(&sub, &user).await?;
        let banned = conv.participant.as_ref().is_some_and(|p| p.is_banned);

        // The ban list tells the moderator's note and the ban date; it is needed to engage
        // (rules on the note, the note on the form) and to tell a new ban from an old one —
        // so it is read only for conversations the bot does not follow yet.
        let ban: Option<BanEntry> = if banned && !tracked {
            match conv
                .participant
                .as_ref()
                .filter(|p| !p.ban_reason.trim().is_empty())
            {
                // The conversation already carries the moderator's note, and the ban notice
                // that opens a moderator-started conversation dates the ban: no extra call.
                Some(p) => Some(BanEntry {
                    user: user.clone(),
                    date: conv
                        .messages
                        .first()
                        .filter(|m| m.author.is_mod)
                        .map_or(conv.summary.last_updated, |m| m.date),
                    note: p.ban_reason.clone(),
                }),
                None => self
                    .reddit
                    .banned_user(&sub, &user)
                    .await
                    .context("reading the ban list")?,
            }
        } else {
            None
        };

        let settled = existing
            .is_none()
            .then(|| core::triage(conv, ban.as_ref(), &self.trigger, &self.bot_name))
            .flatten();
        if let Some(decision) = settled {
            // Not engaging (or only the missing-reason note): no appellant is recorded.
            self.log_snapshot(conv, decision.label());
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

        let contact = self
            .store
            .record_contact(&sub, &user, &id, || self.draw_group(settings.as_ref()), now)
            .await?;
        if contact.new_appellant {
            info!(group = contact.appellant.group.as_str(), user = %user, "new appellant");
        }
        let appellant = contact.appellant;
        let appeals = self.store.appeals_of(appellant.id).await?;
        let form = match appeals.last() {
            Some(a) if a.status == AppealStatus::Submitted => self.store.form_answers(a.id).await?,
            _ => None,
        };
        let dialogue = self.dialogue_settings(settings.as_ref());
        let decision = core::decide(&Input {
            now,
            bot: &self.bot_name,
            conversation: conv,
            ban: ban.as_ref(),
            trigger: &self.trigger,
            appellant: AppellantFacts {
                group: appellant.group,
                ignored: appellant.ignored,
                user_deleted: appellant.user_deleted,
            },
            appeals: &appeals,
            form: form.as_ref(),
            settings: &dialogue,
        });
        let still_banned = conv.participant.as_ref().map(|p| p.is_banned);
        let status = StatusUpdate {
            last_update: Some(conv.last_activity()),
            still_banned,
            ignored: matches!(decision, Decision::ModeratorTookOver).then_some(true),
            // The conversation just told the ban status: the next check can wait.
            next_ban_check_at: still_banned
                .map(|_| now + Duration::hours(i64::from(self.bot.ban_check_interval_hours))),
            ..Default::default()
        };
        self.log_snapshot(conv, decision.label());
        let target = Target::of(conv);
        self.commit(
            &target,
            Some((appellant.id, status)),
            &appeals,
            decision,
            ban.as_ref(),
            &dialogue.messages,
        )
        .await
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
        let earlier = self
            .store
            .appeals_of(appeal.appellant_id)
            .await?
            .iter()
            .filter(|a| a.id < appeal.id)
            .count();
        let decision = core::complete(appeal, earlier, &form);
        let settings = self.settings_of(&appeal.subreddit).await?;
        let target = Target {
            id: &appeal.conversation_id,
            subreddit: appeal.subreddit.as_str(),
            username: appeal.username.to_string(),
            last_updated: None,
            participant: None,
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
        appellant: Option<(appealmod_shared::storage::AppellantId, StatusUpdate)>,
        appeals: &[Appeal],
        decision: Decision,
        ban: Option<&BanEntry>,
        messages: &Messages,
    ) -> anyhow::Result<Handled> {
        let now = self.clock.now();
        let id = target.id;
        let label = decision.label();
        match &decision {
            Decision::Skip(why) => debug!(reason = %why, "not a conversation for the bot"),
            Decision::Nothing(q) => debug!(quiet = ?q, "nothing to do"),
            Decision::Control => info!(slack = "steps", "control group: recorded, not contacted"),
            Decision::ModeratorTookOver => info!(
                slack = "steps",
                "a moderator stepped in: the bot stops here"
            ),
            other => info!(
                slack = "steps",
                step = other.label(),
                actions = other.actions().len(),
                "dialogue step"
            ),
        }
        if self.bot.debug {
            for a in decision.actions() {
                info!(action = ?a, "debug mode: would apply");
            }
            // Database bookkeeping still happens (so each change is decided once), Reddit
            // is never written to.
            if let Some((aid, status)) = &appellant {
                self.store.update_appellant(*aid, status, now).await?;
                if let Some(at) = target.last_updated {
                    self.store.mark_conversation_visited(id, at).await?;
                }
            }
            return Ok(Handled::Decided(label));
        }

        let mut tx = self.store.begin().await?;
        if let Some((aid, status)) = &appellant {
            tx.update_appellant(*aid, status, now).await?;
        }
        // The state change of each step, and what its effects need: the appeal they belong
        // to, a marker prefix unique to this step, and the personal link.
        let (appeal_id, step, link) = match &decision {
            Decision::NoteMissingReason(_) => (None, format!("missing-reason-{id}"), String::new()),
            Decision::StartAppeal(_) => {
                let (aid, _) = appellant.as_ref().context("an appeal needs an appellant")?;
                let p = target.participant;
                let expires = now + self.link_ttl;
                let appeal_id = tx
                    .create_appeal(
                        &NewAppeal {
                            appellant_id: *aid,
                            conversation_id: id.clone(),
                            token_expires_at: expires,
                            ban_note: ban.map(|b| b.note.clone()).unwrap_or_default(),
                            ban_reason: p.map(|p| p.ban_reason.clone()).unwrap_or_default(),
                            ban_date: ban.map(|b| b.date),
                            ban_permanent: p.is_none_or(|p| p.ban_is_permanent),
                        },
                        now,
                    )
                    .await?;
                let token = self.signer.sign(appeal_id, expires);
                tx.set_appeal_token_hash(appeal_id, &token.hash()).await?;
                let link = self.signer.link(&self.public_base_url, appeal_id, expires);
                (
                    Some(appeal_id),
                    format!("appeal-{}-start", appeal_id.0),
                    link,
                )
            }
            Decision::Remind(_) => {
                let appeal = appeals.last().context("a reminder needs an appeal")?;
                tx.count_reminder(appeal.id, now).await?;
                // The same link as in the first message: the token is recomputed, not stored.
                let link =
                    self.signer
                        .link(&self.public_base_url, appeal.id, appeal.token_expires_at);
                (
                    Some(appeal.id),
                    format!("appeal-{}-remind{}", appeal.id.0, appeal.reminders + 1),
                    link,
                )
            }
            Decision::Complete(_) => {
                let appeal = appeals.last().context("completing needs an appeal")?;
                tx.mark_submission_processed(appeal.id, now).await?;
                tx.set_appeal_status(appeal.id, AppealStatus::Completed, now)
                    .await?;
                (
                    Some(appeal.id),
                    format!("appeal-{}-complete", appeal.id.0),
                    String::new(),
                )
            }
            Decision::ModeratorTookOver
            | Decision::Skip(_)
            | Decision::Control
            | Decision::Nothing(_) => (None, String::new(), String::new()),
        };
        for a in decision.actions() {
            let marker = format!("{step}-{}", action_tag(a));
            let effect = render_effect(
                a,
                appeal_id,
                id,
                &marker,
                &link,
                messages,
                &target.username,
                target.subreddit,
            );
            tx.enqueue_effect(&effect, now).await?;
        }
        if let (Some(_), Some(at)) = (&appellant, target.last_updated) {
            tx.mark_conversation_visited(id, at).await?;
        }
        self.failpoints.hit("decide.before_commit")?;
        tx.commit().await?;
        self.failpoints.hit("decide.after_commit")?;
        Ok(Handled::Decided(label))
    }
}

/// The journal entry for one action: message bodies rendered (with the invisible marker the
/// sender looks for when it must check whether an uncertain send went through).
#[allow(clippy::too_many_arguments)]
fn render_effect(
    action: &Action,
    appeal_id: Option<appealmod_shared::storage::AppealId>,
    conversation_id: &ConversationId,
    marker: &str,
    link: &str,
    messages: &Messages,
    username: &str,
    subreddit: &str,
) -> NewEffect {
    let render = |t: &str| Messages::render(t, username, subreddit, link);
    let (kind, body) = match action {
        Action::Reply(b) => {
            let text = match b {
                Body::Initial => render(&messages.initial),
                Body::Reminder => render(&messages.reminder),
                Body::Final => render(&messages.final_),
                Body::Note(n) => n.clone(),
            };
            (EffectKind::Reply, Some(with_marker(&text, marker)))
        }
        Action::Note(n) => (EffectKind::Note, Some(with_marker(n, marker))),
        Action::Archive => (EffectKind::Archive, None),
        Action::Unarchive => (EffectKind::Unarchive, None),
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
    }
}
