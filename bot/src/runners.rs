//! The two runners. Each exposes `run_once()` — one complete pass that tests call until
//! idle — and the binaries loop over it every `dialogue_update_interval`.

use std::sync::Arc;

use anyhow::Context as _;
use chrono::Duration;
use tracing::{info, warn};

use appealmod_reddit::RedditError;
use appealmod_shared::domain::{AccountStatus, SubredditName};
use appealmod_shared::storage::{AppealStatus, Outcome, StatusUpdate};

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
    pub decided: Vec<&'static str>,
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
        let ctx = &self.ctx;
        let mut report = PassReport::default();

        // 1. Submitted forms (the site wrote them). When the conversation changed since the
        //    bot's last look, read it first; otherwise complete without a read.
        for appeal in ctx.store.unprocessed_submissions(100).await? {
            if ctx
                .store
                .conversation_needs_visit(&appeal.conversation_id)
                .await?
            {
                self.visit(&appeal.conversation_id, &mut report).await?;
            } else {
                match ctx.complete_submission(&appeal).await {
                    Ok(Handled::Decided(label)) => report.decided.push(label),
                    Ok(_) => {}
                    Err(e) if crate::failpoints::is_crash(&e) => {
                        return Err(e);
                    }
                    Err(e) => {
                        report.errors += 1;
                        warn!(conversation_id = %appeal.conversation_id, error = format!("{e:#}"), "could not complete a submitted appeal; retried next pass");
                    }
                }
            }
        }
        // 2. Conversations the modmail list showed changed.
        for (conv_id, _) in ctx.store.conversations_to_visit(200).await? {
            self.visit(&conv_id, &mut report).await?;
        }
        // 3. Ban status, on a slow and bounded schedule.
        let now = ctx.clock.now();
        let interval = Duration::hours(i64::from(ctx.bot.ban_check_interval_hours));
        for a in ctx
            .store
            .due_ban_checks(now, ctx.bot.ban_checks_per_pass)
            .await?
        {
            let span = tracing::info_span!("ban_check", subreddit = %a.subreddit);
            let _g = span.enter();
            // The ban list keeps (or loses) deleted accounts unpredictably: ask about the
            // account itself first.
            let deleted = match ctx.reddit.account_status(&a.username).await {
                Ok(AccountStatus::Deleted) | Err(RedditError::NotFound { .. }) => true,
                Ok(_) => false,
                Err(e) => {
                    report.errors += 1;
                    warn!(error = %e, "account check failed; retried next pass");
                    continue;
                }
            };
            let ban = if deleted {
                None
            } else {
                match ctx.reddit.banned_user(&a.subreddit, &a.username).await {
                    Ok(b) => b,
                    Err(e) => {
                        report.errors += 1;
                        warn!(error = %e, "ban check failed; retried next pass");
                        continue;
                    }
                }
            };
            let update = StatusUpdate {
                still_banned: (!deleted).then_some(ban.is_some()),
                user_deleted: deleted.then_some(true),
                next_ban_check_at: Some(now + interval),
                ..Default::default()
            };
            if deleted {
                info!(slack = "steps", "the appellant's account was deleted");
            }
            ctx.store.update_appellant(a.id, &update, now).await?;
            let last = if ban.is_none() && !deleted {
                ctx.store.appeals_of(a.id).await?.pop()
            } else {
                None
            };
            if let Some(last) = last.filter(|l| l.outcome.is_none()) {
                ctx.store
                    .set_appeal_outcome(last.id, Outcome::Granted, now)
                    .await?;
                info!(slack = "steps", "unbanned: appeal granted");
            }
            report.ban_checks += 1;
        }
        // 4. No change for `update_cutoff` days: stop following.
        let cutoff = now - Duration::days(i64::from(ctx.bot.update_cutoff));
        for a in ctx.store.ignore_stale(cutoff, now).await? {
            report.ignored_stale += 1;
            if let Some(last) = ctx.store.appeals_of(a.id).await?.last() {
                match last.status {
                    AppealStatus::Prompted => {
                        let mut tx = ctx.store.begin().await?;
                        tx.set_appeal_status(last.id, AppealStatus::Abandoned, now)
                            .await?;
                        tx.commit().await?;
                    }
                    AppealStatus::Completed
                        if last.outcome.is_none() && a.still_banned != Some(false) =>
                    {
                        ctx.store
                            .set_appeal_outcome(last.id, Outcome::Denied, now)
                            .await?;
                    }
                    _ => {}
                }
            }
            info!(subreddit = %a.subreddit, "no change for the cutoff period: no longer followed");
        }
        report.sent = ctx.send_pending().await?;
        Ok(report)
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
