//! Applies journal entries to Reddit, exactly once.
//!
//! An entry is claimed (pending → in flight) before its call and completed after it. When a
//! previous attempt's outcome is unknown — a timeout, a dropped connection, a crash between
//! call and completion — the entry still has attempts on record, and the sender reads the
//! conversation back and looks for the effect (its marker in the bot's message, or the
//! bot's archive/unarchive mod action) before it sends anything again.

use chrono::{DateTime, Duration, Utc};
use tracing::{error, info, warn};

use appealmod_reddit::RedditError;
use appealmod_shared::domain::{
    Conversation, ModActionKind, ModNote, RedditUsername, SubredditName,
};
use appealmod_shared::storage::{EffectKind, JournalEntry};
use appealmod_shared::token::STORED_LINK;

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
    /// Waiting for a permission the bot lacks (401/403).
    pub held: u32,
    pub failed: u32,
}

fn backoff(attempts: i64) -> Duration {
    let secs = 5_i64.saturating_mul(1 << attempts.clamp(0, 8));
    Duration::seconds(secs.min(600))
}

/// Is the effect of `e` visible in `conv`? Used only after an uncertain attempt. `body` is
/// the entry's body as it was sent (the link filled in).
pub fn already_applied(conv: &Conversation, e: &JournalEntry, body: &str, bot: &str) -> bool {
    // Reddit's clock and ours may differ a little.
    let since = e.created_at - Duration::minutes(5);
    let by_bot = |name: &str| name.eq_ignore_ascii_case(bot);
    match e.kind {
        EffectKind::Reply | EffectKind::Note => {
            let internal = e.kind == EffectKind::Note;
            let body = body.trim();
            conv.messages.iter().any(|m| {
                by_bot(&m.author.name)
                    && m.is_internal == internal
                    && (m.body_markdown.contains(&e.marker) || m.body_markdown.trim() == body)
            })
        }
        // The bot's own mod action decides, and only the latest archive or unarchive counts:
        // an older one of the bot's (the dialogue's archive minutes before a decision's)
        // says nothing of this entry, and the folder the conversation is in says nothing of
        // who moved it (a banned user's message moves it out of the archive by itself).
        EffectKind::Archive => last_archive_action(conv).is_some_and(|a| {
            a.kind == ModActionKind::Archive && by_bot(&a.author.name) && a.date >= since
        }),
        EffectKind::Unarchive => last_archive_action(conv).is_some_and(|a| {
            a.kind == ModActionKind::Unarchive && by_bot(&a.author.name) && a.date >= since
        }),
        // Reddit answers the conversation with its participant's ban status and records the
        // bot's unban or ban among its mod actions.
        EffectKind::Unban => {
            conv.participant.as_ref().is_some_and(|p| !p.is_banned)
                || conv.mod_actions.iter().any(|a| {
                    a.kind == ModActionKind::Unban && by_bot(&a.author.name) && a.date >= since
                })
        }
        EffectKind::TempBan => conv
            .mod_actions
            .iter()
            .any(|a| a.kind == ModActionKind::Ban && by_bot(&a.author.name) && a.date >= since),
        // Not in the conversation: read back from the user's Mod Notes (`mod_note_applied`).
        EffectKind::ModNote => false,
    }
}

/// The conversation's latest archive or unarchive, by anyone.
fn last_archive_action(conv: &Conversation) -> Option<&appealmod_shared::domain::ModAction> {
    conv.mod_actions
        .iter()
        .filter(|a| matches!(a.kind, ModActionKind::Archive | ModActionKind::Unarchive))
        .max_by_key(|a| a.date)
}

/// Is the Mod Note of `e` among the user's notes? Used only after an uncertain attempt.
pub fn mod_note_applied(notes: &[ModNote], e: &JournalEntry, bot: &str) -> bool {
    let body = e.body.as_deref().unwrap_or_default().trim();
    let since = e.created_at - Duration::minutes(5);
    notes.iter().any(|n| {
        n.operator.eq_ignore_ascii_case(bot) && n.note.trim() == body && n.created_at >= since
    })
}

/// How a failed attempt is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// Reddit refused for good (404: the conversation is gone; another 4xx): given up.
    Final,
    /// The bot lacks a permission (401/403): held, retried slowly, never dropped.
    Permission,
    /// Certainly not applied (refused connection, 429, a 5xx on a read): retried.
    NotApplied,
    /// May have been applied: settle, read back, then decide.
    Unknown,
}

fn classify(err: &RedditError) -> Failure {
    use appealmod_reddit::AuthError;
    match err {
        RedditError::NotFound { .. } | RedditError::Rejected { .. } => Failure::Final,
        RedditError::Forbidden { .. } | RedditError::Auth(AuthError::TokenRejected { .. }) => {
            Failure::Permission
        }
        e if e.certainly_not_applied() => Failure::NotApplied,
        _ => Failure::Unknown,
    }
}

impl BotContext {
    fn settle(&self) -> Duration {
        Duration::seconds(i64::try_from(self.bot.settle_secs).unwrap_or(i64::MAX))
    }

    fn lease(&self) -> Duration {
        Duration::seconds(i64::try_from(self.bot.lease_secs).unwrap_or(i64::MAX))
    }

    /// Entries whose sender died or lost the database while they were in flight go back to
    /// pending (unsure), without a restart: run at start and before every send pass.
    pub async fn recover(&self) -> anyhow::Result<u64> {
        let n = self
            .store
            .reclaim_expired(self.clock.now(), self.settle())
            .await?;
        if n > 0 {
            warn!(
                entries = n,
                "reclaimed journal entries whose sender stopped while they were in flight; they are checked on Reddit before any resend"
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
        self.recover().await?;
        let mut handled = 0;
        loop {
            let due = self
                .store
                .due_effects_for(&self.account, self.clock.now(), 50)
                .await?;
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

    async fn send_one(&self, listed: &JournalEntry, report: &mut SendReport) -> anyhow::Result<()> {
        let span = tracing::info_span!("effect", conversation_id = %listed.conversation_id, kind = listed.kind.as_str(), marker = %listed.marker);
        let _g = span.enter();
        let started = self.clock.now();
        // The claimed row, not the listed one, says whether an earlier attempt's outcome is
        // unknown: another sender may have tried it since the list was read.
        let Some(e) = self
            .store
            .claim_effect_for(&self.account, listed.id, started, self.lease())
            .await?
        else {
            return Ok(()); // another sender has it, or it is no longer due
        };
        let e = &e;
        self.failpoints.hit(Failpoint::SendAfterClaim)?;
        let body = match self.body_to_send(e).await? {
            Ok(body) => body,
            Err(err) => return self.failed(e, started, &err, report).await,
        };
        // An earlier attempt may have gone through: look (after its settle time, which
        // `not_before` already waited for) before sending again.
        if e.unsure
            && self
                .leased(e, self.read_back(e, &body, started, report))
                .await?
        {
            return Ok(());
        }
        let about = match e.kind {
            EffectKind::ModNote => self.mod_note_target(e).await?,
            _ => None,
        };
        match self.leased(e, self.apply(e, &body, about.as_ref())).await {
            Ok(returned) => {
                self.failpoints.hit(Failpoint::SendAfterCall)?;
                self.store.complete_effect(e.id, self.clock.now()).await?;
                self.failpoints.hit(Failpoint::SendAfterComplete)?;
                report.sent += 1;
                info!(slack = "steps", "applied on Reddit");
                self.permission_back(e).await?;
                if let Some(conv) = returned {
                    self.note_own_change(&conv).await?;
                }
            }
            Err(err) => self.failed(e, started, &err, report).await?,
        }
        Ok(())
    }

    /// Runs `call` (a Reddit call of the claimed entry `e`) while renewing the entry's
    /// lease every third of its length, so that the lease can be seconds long: a sender
    /// that dies mid-call stops renewing, and its entry is taken over soon after.
    async fn leased<T>(&self, e: &JournalEntry, call: impl Future<Output = T>) -> T {
        let lease = self.lease();
        let every = (lease / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(1))
            .max(std::time::Duration::from_millis(100));
        let renew = async {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tick.tick().await;
                match self
                    .store
                    .renew_lease(e.id, e.attempts, self.clock.now(), lease)
                    .await
                {
                    Ok(true) => {}
                    // Taken over (this sender was presumed dead): the new holder reads back
                    // after the settle time before it sends, so this call cannot double.
                    Ok(false) => {
                        warn!("the lease of this entry was taken over while its call was in flight")
                    }
                    Err(err) => warn!(error = %err, "cannot renew the lease of this entry"),
                }
            }
        };
        tokio::pin!(call);
        tokio::select! {
            out = &mut call => out,
            never = renew => never,
        }
    }

    /// The body as it goes to Reddit: the personal link, never stored, is put in here
    /// from the appeal, its expiry and the key. The inner error: the appeal is gone, so the
    /// message cannot be sent as meant (given up like any refused call).
    async fn body_to_send(&self, e: &JournalEntry) -> anyhow::Result<Result<String, RedditError>> {
        let body = e.body.as_deref().unwrap_or_default();
        if !body.contains(STORED_LINK) {
            return Ok(Ok(body.to_owned()));
        }
        let appeal = match e.appeal_id {
            Some(id) => self.store.appeal(id).await?,
            None => None,
        };
        let Some(appeal) = appeal else {
            return Ok(Err(RedditError::Rejected {
                call: "render link",
                status: 0,
                message: "the message carries a personal link, but its appeal is gone".into(),
            }));
        };
        let link = self
            .signer
            .link(&self.public_base_url, appeal.id, appeal.token_expires_at);
        Ok(Ok(body.replace(STORED_LINK, &link)))
    }

    /// Reads the conversation back after an unknown outcome. True when the entry is settled
    /// (found applied, or the read failed and it was rescheduled).
    async fn read_back(
        &self,
        e: &JournalEntry,
        body: &str,
        started: DateTime<Utc>,
        report: &mut SendReport,
    ) -> anyhow::Result<bool> {
        let found = match e.kind {
            EffectKind::ModNote => match self.mod_note_target(e).await? {
                Some((sub, user)) => self
                    .reddit
                    .mod_notes(&sub, &user)
                    .await
                    .map(|notes| mod_note_applied(&notes, e, &self.bot_name)),
                None => Ok(false),
            },
            _ => self
                .reddit
                .get_conversation(&e.conversation_id)
                .await
                .map(|conv| already_applied(&conv, e, body, &self.bot_name)),
        };
        match found {
            Ok(true) => {
                self.store.complete_effect(e.id, self.clock.now()).await?;
                report.found_applied += 1;
                info!("found already applied on Reddit; not sending again");
                Ok(true)
            }
            Ok(_) => Ok(false),
            Err(err) => {
                let not_before = started + backoff(e.attempts);
                self.store
                    .retry_effect(
                        e.id,
                        &format!("read-back failed: {err}"),
                        not_before,
                        true,
                        started,
                    )
                    .await?;
                report.retried += 1;
                warn!(error = %err, "cannot read the conversation back; will retry");
                Ok(true)
            }
        }
    }

    /// The Reddit call of an entry, with its body as sent. `about` is the appellant of a
    /// Mod Note entry.
    async fn apply(
        &self,
        e: &JournalEntry,
        body: &str,
        about: Option<&(SubredditName, RedditUsername)>,
    ) -> Result<Option<Conversation>, RedditError> {
        let id = &e.conversation_id;
        match e.kind {
            EffectKind::Reply | EffectKind::Note => self
                .reddit
                .reply(id, body, e.kind == EffectKind::Note, true)
                .await
                .map(Some),
            EffectKind::Archive => self.reddit.archive(id).await.map(|_| None),
            EffectKind::Unarchive => self.reddit.unarchive(id).await.map(|_| None),
            EffectKind::Unban => self.reddit.unban(id).await.map(|_| None),
            EffectKind::TempBan => {
                let days = body.trim().parse().map_err(|_| RedditError::Rejected {
                    call: "temp_ban",
                    status: 0,
                    message: format!("the entry's days ({body:?}) are not a number of days"),
                })?;
                self.reddit.temp_ban(id, days).await.map(|_| None)
            }
            EffectKind::ModNote => {
                let Some((sub, user)) = about else {
                    return Err(RedditError::Rejected {
                        call: "add_mod_note",
                        status: 0,
                        message: "the entry's appeal is gone, so there is no user to note".into(),
                    });
                };
                self.reddit
                    .add_mod_note(sub, user, body, None)
                    .await
                    .map(|_| None)
            }
        }
    }

    /// Whom a Mod Note entry is about: the appeal's subreddit and appellant.
    async fn mod_note_target(
        &self,
        e: &JournalEntry,
    ) -> anyhow::Result<Option<(SubredditName, RedditUsername)>> {
        let Some(id) = e.appeal_id else {
            return Ok(None);
        };
        Ok(self
            .store
            .appeal(id)
            .await?
            .map(|a| (a.subreddit, a.username)))
    }

    /// Records a failed attempt as its kind of failure requires.
    async fn failed(
        &self,
        e: &JournalEntry,
        started: DateTime<Utc>,
        err: &RedditError,
        report: &mut SendReport,
    ) -> anyhow::Result<()> {
        let now = self.clock.now();
        // `e` is the claimed row: its attempt count includes this attempt.
        let attempts = e.attempts;
        let failure = classify(err);
        match failure {
            Failure::Permission => return self.hold(e, err, report).await,
            Failure::Final => {
                self.store.fail_effect(e.id, &err.to_string(), now).await?;
                report.failed += 1;
                error!(slack = "alerts", error = %err, "Reddit refused this action; it will not be retried");
            }
            _ if attempts >= MAX_ATTEMPTS => {
                self.store.fail_effect(e.id, &err.to_string(), now).await?;
                report.failed += 1;
                error!(error = %err, attempts, "giving up on this Reddit action; a moderator should check the conversation");
            }
            Failure::NotApplied => {
                self.store
                    .retry_effect(e.id, &err.to_string(), now + backoff(attempts), false, now)
                    .await?;
                report.retried += 1;
                warn!(error = %err, attempts, "Reddit action not applied; will retry");
            }
            Failure::Unknown => {
                // Reddit may still apply it (a late write): nothing is read back or resent
                // before the settle time since the attempt began.
                let not_before = (now + backoff(attempts)).max(started + self.settle());
                self.store
                    .retry_effect(e.id, &err.to_string(), not_before, true, now)
                    .await?;
                report.retried += 1;
                warn!(error = %err, attempts, "Reddit action not confirmed; will read back after the settle time");
            }
        }
        Ok(())
    }

    /// 401/403 on a write: the bot is not (or no longer) a moderator with the permissions it
    /// needs. The entry waits, retried slowly, until the permission is back or the hold
    /// runs out; the subreddit shows "bot lacks permission" and the alerts channel is told
    /// once.
    async fn hold(
        &self,
        e: &JournalEntry,
        err: &RedditError,
        report: &mut SendReport,
    ) -> anyhow::Result<()> {
        let now = self.clock.now();
        let held_for = e.held_since.map_or(Duration::zero(), |s| now - s);
        let limit = Duration::days(i64::from(self.bot.permission_hold_days));
        if held_for > limit {
            self.store.fail_effect(e.id, &err.to_string(), now).await?;
            report.failed += 1;
            error!(slack = "errors", error = %err, days = held_for.num_days(), "the bot lacked permission for too long; this Reddit action is given up");
            return Ok(());
        }
        let retry =
            Duration::minutes(i64::try_from(self.bot.permission_retry_minutes).unwrap_or(i64::MAX));
        self.store
            .hold_effect(e.id, &err.to_string(), now + retry, now)
            .await?;
        report.held += 1;
        let Some(sub) = self.subreddit_of(e).await? else {
            warn!(error = %err, "held until the bot has permission again");
            return Ok(());
        };
        if self
            .store
            .set_permission_lost(&sub, &err.to_string(), now)
            .await?
        {
            error!(slack = "alerts", subreddit = %sub, error = %err, "the bot lacks permission in this subreddit: its replies and notes wait until a moderator restores it (Mail and Access)");
        }
        warn!(error = %err, "held until the bot has permission again");
        Ok(())
    }

    /// A write went through: if the subreddit was marked as lacking permission, it no
    /// longer is.
    async fn permission_back(&self, e: &JournalEntry) -> anyhow::Result<()> {
        if e.held_since.is_none() {
            return Ok(());
        }
        let Some(sub) = self.subreddit_of(e).await? else {
            return Ok(());
        };
        if self
            .store
            .clear_permission_lost(&sub, self.clock.now())
            .await?
        {
            info!(slack = "alerts", subreddit = %sub, "the bot has its permissions back; held actions are being applied");
        }
        Ok(())
    }

    async fn subreddit_of(&self, e: &JournalEntry) -> anyhow::Result<Option<SubredditName>> {
        Ok(self
            .store
            .appellant_for_conversation(&e.conversation_id)
            .await?
            .map(|a| a.subreddit))
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
                .advance_seen(
                    conv.id(),
                    conv.summary.last_updated,
                    conv.summary.num_messages,
                )
                .await?;
        }
        Ok(())
    }
}
