//! The two runners. Each exposes `run_once()` — one complete pass that tests call until
//! idle — and the binaries loop over it every `dialogue_update_interval`.

use std::sync::Arc;

use anyhow::Context as _;
use chrono::Duration;
use tracing::{info, warn};

use appealmod_core::decide::Step;
use appealmod_core::decide::follow::{self, BanStatus, Retirement};
use appealmod_reddit::RedditError;
use appealmod_shared::domain::{
    AccountStatus, AppealStatus, Outcome, RedditUsername, SubredditName,
};
use appealmod_shared::storage::StatusUpdate;

use crate::context::BotContext;
use crate::process::Handled;
use crate::sender::SendReport;

/// Scope of the modmail sync cursor (one list request covers every subreddit).
const CURSOR_SCOPE: &str = "modmail";
/// Pages of 100 conversations read per pass at most.
const MAX_PAGES: u32 = 20;

/// What a pass did (for logs, tests and benchmarks).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassReport {
    pub listed: usize,
    pub fetched: usize,
    pub decided: Vec<Step>,
    pub flagged: usize,
    pub ban_checks: usize,
    pub ignored_stale: usize,
    pub sent: SendReport,
    pub errors: usize,
}

impl PassReport {
    /// Nothing happened: a test's "run until idle" stops here.
    pub fn is_idle(&self) -> bool {
        self.fetched == 0
            && self.flagged == 0
            && self.sent == SendReport::default()
            && self.ignored_stale == 0
    }
}

/// Streams new and changed modmail of every enabled subreddit.
pub struct RecentRunner {
    ctx: Arc<BotContext>,
}

impl RecentRunner {
    pub fn new(ctx: Arc<BotContext>) -> Self {
        Self { ctx }
    }

    pub async fn start(ctx: Arc<BotContext>) -> anyhow::Result<Self> {
        ctx.register_configured_subreddits().await?;
        ctx.recover().await?;
        Ok(Self::new(ctx))
    }

    /// One pass: list what changed since the cursor (many subreddits per request, newest
    /// first, only as many pages as needed), fetch untracked conversations in full and
    /// decide; flag tracked ones for the started runner; send what was decided.
    pub async fn run_once(&self) -> anyhow::Result<PassReport> {
        let ctx = &self.ctx;
        let mut report = PassReport::default();
        // Sign-ups on the site enable subreddits; reading them every pass picks them up
        // without a restart.
        let subs: Vec<SubredditName> = ctx
            .store
            .enabled_subreddits()
            .await?
            .into_iter()
            .map(|s| s.name)
            .collect();
        if subs.is_empty() {
            return Ok(report);
        }
        let now = ctx.clock.now();
        let cursor = match ctx.store.cursor(CURSOR_SCOPE).await? {
            Some(c) => c,
            // First start: only what is recent enough to still matter.
            None => now - Duration::days(i64::from(ctx.bot.update_cutoff)),
        };
        let changed = ctx
            .reddit
            .list_changed_since(&subs, Some(cursor), MAX_PAGES)
            .await
            .context("listing modmail")?;
        if !changed.complete {
            warn!(
                pages = changed.pages,
                "more changed conversations than one pass reads; the oldest are left for the started runner's schedule"
            );
        }
        report.listed = changed.conversations.len();
        let mut new_cursor = cursor;
        // Oldest first, so that the cursor only ever covers what was handled. Reddit's dates
        // have microseconds, the cursor milliseconds: compare at the cursor's precision.
        let fresh = changed
            .conversations
            .iter()
            .rev()
            .filter(|s| s.last_updated.timestamp_millis() > cursor.timestamp_millis());
        for summary in fresh {
            let step: anyhow::Result<()> = async {
                match ctx.store.tracked_conversation(&summary.id).await? {
                    Some(_) => {
                        if ctx
                            .store
                            .note_conversation_update(&summary.id, summary.last_updated)
                            .await?
                        {
                            report.flagged += 1;
                        }
                    }
                    None => {
                        let conv = ctx.reddit.get_conversation(&summary.id).await?;
                        report.fetched += 1;
                        if let Handled::Decided(label) = ctx.handle_conversation(&conv).await? {
                            report.decided.push(label);
                        }
                    }
                }
                Ok(())
            }
            .await;
            if let Err(e) = step {
                if crate::failpoints::is_crash(&e) {
                    return Err(e);
                }
                report.errors += 1;
                warn!(conversation_id = %summary.id, error = format!("{e:#}"), "could not handle a conversation; it is retried next pass");
                // Stop here: the cursor must not pass a conversation that was not handled.
                break;
            }
            new_cursor = new_cursor.max(summary.last_updated);
        }
        if new_cursor > cursor {
            ctx.store
                .advance_cursor(CURSOR_SCOPE, new_cursor, now)
                .await?;
        }
        report.sent = ctx.send_pending().await?;
        Ok(report)
    }
}

/// Follows appellants in play: acts on changes, form submissions and ban status.
pub struct StartedRunner {
    ctx: Arc<BotContext>,
}

impl StartedRunner {
    pub fn new(ctx: Arc<BotContext>) -> Self {
        Self { ctx }
    }

    pub async fn start(ctx: Arc<BotContext>) -> anyhow::Result<Self> {
        ctx.recover().await?;
        Ok(Self::new(ctx))
    }

    /// One pass. Its Reddit cost depends on what changed, not on how many appellants are
    /// tracked: submitted forms and flagged conversations are read in full, ban checks are
    /// bounded per pass, and staleness is decided from the database alone.
    pub async fn run_once(&self) -> anyhow::Result<PassReport> {
        let mut report = PassReport::default();
        self.complete_submissions(&mut report).await?;
        // Conversations the modmail list showed changed.
        for (conv_id, _) in self.ctx.store.conversations_to_visit(200).await? {
            self.visit(&conv_id, &mut report).await?;
        }
        self.check_bans(&mut report).await?;
        self.retire_stale(&mut report).await?;
        report.sent = self.ctx.send_pending().await?;
        Ok(report)
    }

    /// Submitted forms (the site wrote them). When the conversation changed since the bot's
    /// last look, read it first; otherwise complete without a read.
    async fn complete_submissions(&self, report: &mut PassReport) -> anyhow::Result<()> {
        let ctx = &self.ctx;
        for appeal in ctx.store.unprocessed_submissions(100).await? {
            if ctx
                .store
                .conversation_needs_visit(&appeal.conversation_id)
                .await?
            {
                self.visit(&appeal.conversation_id, report).await?;
                continue;
            }
            match ctx.complete_submission(&appeal).await {
                Ok(Handled::Decided(step)) => report.decided.push(step),
                Ok(_) => {}
                Err(e) if crate::failpoints::is_crash(&e) => return Err(e),
                Err(e) => {
                    report.errors += 1;
                    warn!(conversation_id = %appeal.conversation_id, error = format!("{e:#}"), "could not complete a submitted appeal; retried next pass");
                }
            }
        }
        Ok(())
    }

    /// Ban status, on a slow and bounded schedule. What it reveals (unbanned = granted) is
    /// decided by the core and committed with the appellant's new status.
    async fn check_bans(&self, report: &mut PassReport) -> anyhow::Result<()> {
        let ctx = &self.ctx;
        let now = ctx.clock.now();
        let interval = Duration::hours(i64::from(ctx.bot.ban_check_interval_hours));
        for a in ctx
            .store
            .due_ban_checks(now, ctx.bot.ban_checks_per_pass)
            .await?
        {
            let span = tracing::info_span!("ban_check", subreddit = %a.subreddit);
            let _g = span.enter();
            let status = match self.ban_status(&a.subreddit, &a.username).await {
                Ok(s) => s,
                Err(e) => {
                    report.errors += 1;
                    warn!(error = %e, "ban check failed; retried next pass");
                    continue;
                }
            };
            let deleted = status == BanStatus::Deleted;
            let update = StatusUpdate {
                still_banned: (!deleted).then_some(status == BanStatus::Banned),
                user_deleted: deleted.then_some(true),
                next_ban_check_at: Some(now + interval),
                ..Default::default()
            };
            // Only an unban settles anything: spare the read otherwise.
            let latest = match status {
                BanStatus::Unbanned => ctx.store.appeals_of(a.id).await?.pop(),
                BanStatus::Banned | BanStatus::Deleted => None,
            };
            let outcome = follow::after_ban_check(status, latest.as_ref());
            let mut tx = ctx.store.begin().await?;
            tx.update_appellant(a.id, &update, now).await?;
            if let Some((appeal, outcome)) = outcome {
                tx.set_appeal_outcome(appeal, outcome, now).await?;
            }
            tx.commit().await?;
            if deleted {
                info!(slack = "steps", "the appellant's account was deleted");
            }
            if outcome.is_some() {
                info!(slack = "steps", "unbanned: appeal granted");
            }
            report.ban_checks += 1;
        }
        Ok(())
    }

    /// The ban list keeps (or loses) deleted accounts unpredictably: ask about the account
    /// itself first.
    async fn ban_status(
        &self,
        sub: &SubredditName,
        user: &RedditUsername,
    ) -> Result<BanStatus, RedditError> {
        let reddit = &self.ctx.reddit;
        match reddit.account_status(user).await {
            Ok(AccountStatus::Deleted) | Err(RedditError::NotFound { .. }) => {
                return Ok(BanStatus::Deleted);
            }
            Ok(_) => {}
            Err(e) => return Err(e),
        }
        Ok(match reddit.banned_user(sub, user).await? {
            Some(_) => BanStatus::Banned,
            None => BanStatus::Unbanned,
        })
    }

    /// No change for `update_cutoff` days: stop following, and settle the latest appeal
    /// (abandoned, or denied) in the same transaction.
    async fn retire_stale(&self, report: &mut PassReport) -> anyhow::Result<()> {
        let ctx = &self.ctx;
        let now = ctx.clock.now();
        let cutoff = now - Duration::days(i64::from(ctx.bot.update_cutoff));
        for a in ctx.store.stale_appellants(cutoff, 500).await? {
            let latest = ctx.store.appeals_of(a.id).await?.pop();
            let mut tx = ctx.store.begin().await?;
            if !tx.retire_appellant(a.id, cutoff, now).await? {
                continue; // it changed meanwhile, or another runner retired it
            }
            match follow::on_retire(latest.as_ref(), a.still_banned) {
                Some(Retirement::Abandon(id)) => {
                    tx.set_appeal_status(id, AppealStatus::Abandoned, now)
                        .await?;
                }
                Some(Retirement::Deny(id)) => {
                    tx.set_appeal_outcome(id, Outcome::Denied, now).await?;
                }
                None => {}
            }
            tx.commit().await?;
            report.ignored_stale += 1;
            info!(subreddit = %a.subreddit, "no change for the cutoff period: no longer followed");
        }
        Ok(())
    }

    async fn visit(
        &self,
        id: &appealmod_shared::domain::ConversationId,
        report: &mut PassReport,
    ) -> anyhow::Result<()> {
        let ctx = &self.ctx;
        if ctx.store.unfinished_effects(id).await? > 0 {
            return Ok(()); // the sender first
        }
        let result: anyhow::Result<()> = async {
            let conv = ctx.reddit.get_conversation(id).await?;
            report.fetched += 1;
            if let Handled::Decided(label) = ctx.handle_conversation(&conv).await? {
                report.decided.push(label);
            }
            Ok(())
        }
        .await;
        match result {
            Err(e) if crate::failpoints::is_crash(&e) => Err(e),
            Err(e) => {
                report.errors += 1;
                warn!(conversation_id = %id, error = format!("{e:#}"), "could not handle a conversation; retried next pass");
                Ok(())
            }
            Ok(()) => Ok(()),
        }
    }
}
