//! Applies journal entries to Reddit, exactly once.
//!
//! An entry is claimed (pending → in flight) before its call and completed after it. When a
//! previous attempt's outcome is unknown — a timeout, a dropped connection, a crash between
//! call and completion — the entry still has attempts on record, and the sender reads the
//! conversation back and looks for the effect (its marker in the bot's message, or the
//! bot's archive/unarchive mod action) before it sends anything again.

use chrono::Duration;
use tracing::{error, info, warn};

use appealmod_reddit::RedditError;
use appealmod_shared::domain::{Conversation, ConversationState, ModActionKind};
use appealmod_shared::storage::{EffectKind, JournalEntry};

use crate::context::BotContext;
use crate::failpoints::Failpoint;

/// After this many attempts an entry is given up and the errors channel is told.
pub const MAX_ATTEMPTS: i64 = 8;
/// Entries handled per pass at most (the next pass continues).
const PER_PASS: usize = 500;

/// What one pass of the sender did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendReport {
    pub sent: u32,
    /// Found already applied when reading back after an uncertain attempt.
    pub found_applied: u32,
    pub retried: u32,
    pub failed: u32,
}

fn backoff(attempts: i64) -> Duration {
    let secs = 5_i64.saturating_mul(1 << attempts.clamp(0, 8));
    Duration::seconds(secs.min(600))
}

/// Is the effect of `e` visible in `conv`? Used only after an uncertain attempt.
pub fn already_applied(conv: &Conversation, e: &JournalEntry, bot: &str) -> bool {
    // Reddit's clock and ours may differ a little.
    let since = e.created_at - Duration::minutes(5);
    let by_bot = |name: &str| name.eq_ignore_ascii_case(bot);
    match e.kind {
        EffectKind::Reply | EffectKind::Note => {
            let internal = e.kind == EffectKind::Note;
            let body = e.body.as_deref().unwrap_or_default().trim();
            conv.messages.iter().any(|m| {
                by_bot(&m.author.name)
                    && m.is_internal == internal
                    && (m.body_markdown.contains(&e.marker) || m.body_markdown.trim() == body)
            })
        }
        EffectKind::Archive => {
            conv.summary.state == ConversationState::Archived
                || conv.mod_actions.iter().any(|a| {
                    a.kind == ModActionKind::Archive && by_bot(&a.author.name) && a.date >= since
                })
        }
        EffectKind::Unarchive => {
            conv.summary.state != ConversationState::Archived
                || conv.mod_actions.iter().any(|a| {
                    a.kind == ModActionKind::Unarchive && by_bot(&a.author.name) && a.date >= since
                })
        }
    }
}

impl BotContext {
    /// Entries a crash or stop left in flight go back to pending (to be verified first).
    pub async fn recover(&self) -> anyhow::Result<u64> {
        let n = self.store.recover_in_flight(self.clock.now()).await?;
        if n > 0 {
            warn!(
                entries = n,
                "recovered journal entries left in flight; they are checked on Reddit before any resend"
            );
        }
        Ok(n)
    }

    /// Sends what is due. Returns when nothing is due or after a bounded number of entries.
    pub async fn send_pending(&self) -> anyhow::Result<SendReport> {
        let mut report = SendReport::default();
        if self.bot.debug {
            return Ok(report);
        }
        let mut handled = 0;
        loop {
            let due = self.store.due_effects(self.clock.now(), 50).await?;
            if due.is_empty() || handled >= PER_PASS {
                break;
            }
            for e in due {
                handled += 1;
                self.send_one(&e, &mut report).await?;
            }
        }
        Ok(report)
    }

    async fn send_one(&self, e: &JournalEntry, report: &mut SendReport) -> anyhow::Result<()> {
        let span = tracing::info_span!("effect", conversation_id = %e.conversation_id, kind = e.kind.as_str(), marker = %e.marker);
        let _g = span.enter();
        let now = self.clock.now();
        if !self.store.claim_effect(e.id, now).await? {
            return Ok(()); // another sender has it
        }
        self.failpoints.hit(Failpoint::SendAfterClaim)?;
        let attempts = e.attempts + 1;

        if e.attempts > 0 {
            // An earlier attempt may have gone through: look before sending again.
            match self.reddit.get_conversation(&e.conversation_id).await {
                Ok(conv) if already_applied(&conv, e, &self.bot_name) => {
                    self.store.complete_effect(e.id, self.clock.now()).await?;
                    report.found_applied += 1;
                    info!("found already applied on Reddit; not sending again");
                    return Ok(());
                }
                Ok(_) => {}
                Err(err) => {
                    self.store
                        .retry_effect(
                            e.id,
                            &format!("read-back failed: {err}"),
                            now + backoff(attempts),
                            now,
                        )
                        .await?;
                    report.retried += 1;
                    warn!(error = %err, "cannot read the conversation back; will retry");
                    return Ok(());
                }
            }
        }

        let result = match e.kind {
            EffectKind::Reply | EffectKind::Note => {
                let body = e.body.as_deref().unwrap_or_default();
                self.reddit
                    .reply(&e.conversation_id, body, e.kind == EffectKind::Note, true)
                    .await
                    .map(Some)
            }
            EffectKind::Archive => self.reddit.archive(&e.conversation_id).await.map(|_| None),
            EffectKind::Unarchive => self
                .reddit
                .unarchive(&e.conversation_id)
                .await
                .map(|_| None),
        };
        match result {
            Ok(returned) => {
                self.failpoints.hit(Failpoint::SendAfterCall)?;
                self.store.complete_effect(e.id, self.clock.now()).await?;
                self.failpoints.hit(Failpoint::SendAfterComplete)?;
                report.sent += 1;
                info!(slack = "steps", "applied on Reddit");
                if let Some(conv) = returned {
                    self.note_own_change(&conv).await?;
                }
            }
            Err(err) if attempts >= MAX_ATTEMPTS => {
                self.store
                    .fail_effect(e.id, &err.to_string(), self.clock.now())
                    .await?;
                report.failed += 1;
                error!(error = %err, attempts, "giving up on this Reddit action; a moderator should check the conversation");
            }
            Err(
                err @ (RedditError::NotFound { .. }
                | RedditError::Forbidden { .. }
                | RedditError::Rejected { .. }),
            ) => {
                self.store
                    .fail_effect(e.id, &err.to_string(), self.clock.now())
                    .await?;
                report.failed += 1;
                error!(error = %err, "Reddit refused this action; it will not be retried");
            }
            Err(err) => {
                // Unknown outcome, 5xx, rate limit or transport: try later; the attempt on
                // record makes the next try read Reddit back first.
                self.store
                    .retry_effect(e.id, &err.to_string(), now + backoff(attempts), now)
                    .await?;
                report.retried += 1;
                warn!(error = %err, attempts, "Reddit action not confirmed; will check and retry");
            }
        }
        Ok(())
    }

    /// After the bot's own reply: if nothing but the bot's messages is new, the new
    /// `lastUpdated` is the bot's doing and need not trigger a visit.
    async fn note_own_change(&self, conv: &Conversation) -> anyhow::Result<()> {
        let Some(seen) = self.store.tracked_conversation(conv.id()).await? else {
            return Ok(());
        };
        // Stored times have millisecond precision, Reddit's microseconds.
        let only_bot = conv
            .messages
            .iter()
            .filter(|m| seen.is_none_or(|s| m.date.timestamp_millis() > s.timestamp_millis()))
            .all(|m| m.author.name.eq_ignore_ascii_case(&self.bot_name));
        if only_bot {
            self.store
                .advance_seen(conv.id(), conv.summary.last_updated)
                .await?;
        }
        Ok(())
    }
}
