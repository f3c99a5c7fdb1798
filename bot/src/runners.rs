//! The two runners. Each exposes `run_once()` — one complete pass that tests call until
//! idle — and the binaries loop over it every `dialogue_update_interval`.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use tracing::{error, info, warn};

use appealmod_core::decide::Step;
use appealmod_core::decide::follow::{self, BanStatus, Retirement};
use appealmod_reddit::RedditError;
use appealmod_shared::domain::{
    AccountStatus, AppealStatus, ConversationId, ConversationSummary, Message, Outcome,
    RedditUsername, SubredditName,
};
use appealmod_shared::storage::{StatusUpdate, StoreError};

use crate::context::BotContext;
use crate::process::Handled;
use crate::sender::SendReport;

/// Scope prefix of the per-subreddit modmail cursors (`modmail/r/<name>`).
const CURSOR_PREFIX: &str = "modmail/r/";
/// The single cursor of earlier versions; new subreddits' cursors start from it.
const LEGACY_CURSOR_SCOPE: &str = "modmail";
/// Characters of subreddit names in one list request's `entity=` (about 100–150 names; a
/// URL of about 1,600 characters).
pub const ENTITY_CHARS: usize = 1_500;
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
    /// Conversations that could not be decoded or handled this pass (parked).
    pub parked: usize,
    pub sent: SendReport,
    pub errors: usize,
    /// Subreddits checked by the bot this pass, and pending ones that became active.
    pub verify: crate::verify::VerifyReport,
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

    /// One pass: for each batch of subreddits, list what changed since their cursors (newest
    /// first, only as many pages as needed), fetch untracked conversations in full and
    /// decide, flag tracked ones for the started runner; retry parked conversations; send
    /// what was decided. A batch whose listing fails does not stop the others.
    pub async fn run_once(&self) -> anyhow::Result<PassReport> {
        let ctx = &self.ctx;
        // Sign-ups start pending; the bot's check activates them (before the listing, so
        // that a subreddit activated now is served in this very pass).
        let mut report = PassReport {
            verify: ctx.verify_subreddits().await?,
            ..PassReport::default()
        };
        // Reading the served subreddits every pass picks sign-ups and pauses up without a
        // restart.
        let subs: Vec<SubredditName> = ctx
            .store
            .enabled_subreddits()
            .await?
            .into_iter()
            .map(|s| s.name)
            .collect();
        let cursors = self.cursors().await?;
        for batch in batches(&subs, ENTITY_CHARS) {
            match self.run_batch(batch, &cursors, &mut report).await {
                Ok(()) => {}
                Err(e) if crate::failpoints::is_crash(&e) => return Err(e),
                Err(e) if e.downcast_ref::<RedditError>().is_some() => {
                    report.errors += 1;
                    warn!(
                        subreddits = batch.len(),
                        error = format!("{e:#}"),
                        "listing modmail failed for a batch of subreddits; the others go on, this one is retried next pass"
                    );
                }
                Err(e) => return Err(e),
            }
        }
        self.retry_parked(&mut report).await?;
        report.sent = ctx.send_pending().await?;
        Ok(report)
    }

    /// The cursor of every subreddit, by key. A subreddit without one starts from the
    /// cursor of the single list this runner used to keep, else from the cutoff: only what
    /// is recent enough to still matter.
    async fn cursors(&self) -> anyhow::Result<Cursors> {
        let ctx = &self.ctx;
        let by_sub = ctx.store.cursors_with_prefix(CURSOR_PREFIX).await?;
        let fallback = match ctx.store.cursor(LEGACY_CURSOR_SCOPE).await? {
            Some(c) => c,
            None => ctx.clock.now() - Duration::days(i64::from(ctx.bot.update_cutoff)),
        };
        Ok(Cursors { by_sub, fallback })
    }

    /// One listing request (and its pages) for `batch`, each conversation handled or parked.
    async fn run_batch(
        &self,
        batch: &[SubredditName],
        cursors: &Cursors,
        report: &mut PassReport,
    ) -> anyhow::Result<()> {
        let ctx = &self.ctx;
        let since = batch
            .iter()
            .map(|s| cursors.of(s))
            .min()
            .unwrap_or(cursors.fallback);
        let changed = ctx
            .reddit
            .list_changed_since(batch, Some(since), MAX_PAGES)
            .await
            .context("listing modmail")?;
        if !changed.complete {
            warn!(
                pages = changed.pages,
                "more changed conversations than one pass reads; the oldest are left for the started runner's schedule"
            );
        }
        report.listed += changed.conversations.len() + changed.undecodable.len();
        // Reddit's dates have microseconds, the cursors milliseconds: compare at the
        // cursors' precision, or the newest conversation would be listed again every pass.
        let seen = |sub: Option<&SubredditName>, at: DateTime<Utc>| {
            let own = sub.map_or(since, |s| cursors.of(s));
            at.timestamp_millis() <= own.timestamp_millis()
        };
        for u in &changed.undecodable {
            if u.last_updated
                .is_some_and(|at| seen(u.subreddit.as_ref(), at))
            {
                continue;
            }
            self.park_undecodable(u, report).await?;
        }
        // Oldest first. Another batch (before the subreddits were regrouped) may have seen
        // a conversation already: its own subreddit's cursor says.
        // Parked ones count as read: they are retried from the parking, not re-listed.
        let mut newest = changed
            .undecodable
            .iter()
            .filter_map(|u| u.last_updated)
            .fold(since, DateTime::max);
        for summary in changed.conversations.iter().rev() {
            newest = newest.max(summary.last_updated);
            if seen(Some(&summary.subreddit), summary.last_updated) {
                continue;
            }
            let last = changed.last_messages.get(&summary.id);
            self.handle_listed(summary, last, report).await?;
        }
        // Every listed conversation was handled or parked: the whole batch is read up to
        // `newest`, so every member moves there (a quiet subreddit does not hold the
        // batch's listing back to its old cursor).
        if newest > since {
            let scopes: Vec<String> = batch
                .iter()
                .map(|s| format!("{CURSOR_PREFIX}{}", s.key()))
                .collect();
            ctx.store
                .advance_cursors(&scopes, newest, ctx.clock.now())
                .await?;
        }
        Ok(())
    }

    /// A listed conversation: when tracked, decide from the listing if it proves enough
    /// (a reminder) or flag it for a visit; else fetch and decide. A conversation that
    /// fails is parked (retried later, reported once), never blocking the others.
    async fn handle_listed(
        &self,
        summary: &ConversationSummary,
        last_message: Option<&Message>,
        report: &mut PassReport,
    ) -> anyhow::Result<()> {
        let ctx = &self.ctx;
        let step: anyhow::Result<()> = async {
            match ctx.store.seen_of(&summary.id).await? {
                Some(seen) => {
                    if let Some(handled) = ctx
                        .handle_listed_change(summary, last_message, seen)
                        .await?
                    {
                        if let Handled::Decided(step) = handled {
                            report.decided.push(step);
                        }
                        return Ok(());
                    }
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
                    if let Handled::Decided(step) = ctx.handle_conversation(&conv).await? {
                        report.decided.push(step);
                    }
                }
            }
            Ok(())
        }
        .await;
        match step {
            Ok(()) => Ok(()),
            Err(e) if crate::failpoints::is_crash(&e) => Err(e),
            // The database itself failing is not this conversation's fault: stop the pass
            // without moving the cursor.
            Err(e) if e.downcast_ref::<StoreError>().is_some() => Err(e),
            Err(e) => {
                self.park(
                    &summary.id,
                    Some(&summary.subreddit),
                    summary.last_updated,
                    &e,
                    report,
                )
                .await
            }
        }
    }

    async fn park_undecodable(
        &self,
        u: &appealmod_reddit::wire::Undecodable,
        report: &mut PassReport,
    ) -> anyhow::Result<()> {
        let Some(id) = &u.id else {
            report.errors += 1;
            error!(slack = "alerts", raw_id = %u.raw_id, error = %u.error, "a listed conversation has no valid id and cannot be handled");
            return Ok(());
        };
        let at = u.last_updated.unwrap_or_else(|| self.ctx.clock.now());
        let err = anyhow::anyhow!("{}", u.error);
        self.park(id, u.subreddit.as_ref(), at, &err, report).await
    }

    async fn park(
        &self,
        id: &ConversationId,
        sub: Option<&SubredditName>,
        last_updated: DateTime<Utc>,
        e: &anyhow::Error,
        report: &mut PassReport,
    ) -> anyhow::Result<()> {
        park(&self.ctx, id, sub, last_updated, e, report).await
    }

    /// Parked conversations whose next try is due: fetched and handled again.
    async fn retry_parked(&self, report: &mut PassReport) -> anyhow::Result<()> {
        let ctx = &self.ctx;
        for p in ctx.store.due_parked(ctx.clock.now(), 20).await? {
            let attempt: anyhow::Result<()> = async {
                let conv = ctx.reddit.get_conversation(&p.conversation_id).await?;
                report.fetched += 1;
                if let Handled::Decided(step) = ctx.handle_conversation(&conv).await? {
                    report.decided.push(step);
                }
                Ok(())
            }
            .await;
            match attempt {
                Ok(()) => {
                    ctx.store.unpark_conversation(&p.conversation_id).await?;
                    info!(conversation_id = %p.conversation_id, "a parked conversation was handled at last");
                }
                Err(e) if crate::failpoints::is_crash(&e) => return Err(e),
                Err(e) if e.downcast_ref::<StoreError>().is_some() => return Err(e),
                Err(e) => {
                    self.park(
                        &p.conversation_id,
                        p.subreddit.as_ref(),
                        p.last_updated,
                        &e,
                        report,
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }
}

/// Records a conversation that could not be handled (either runner); the alerts channel
/// hears of it once. The recent runner's `retry_parked` and the started runner's visits try
/// it again when its backoff is over.
async fn park(
    ctx: &BotContext,
    id: &ConversationId,
    sub: Option<&SubredditName>,
    last_updated: DateTime<Utc>,
    e: &anyhow::Error,
    report: &mut PassReport,
) -> anyhow::Result<()> {
    let text = format!("{e:#}");
    let parked = ctx
        .store
        .park_conversation(id, sub, last_updated, &text, ctx.clock.now())
        .await?;
    report.parked += 1;
    // A conversation Reddit sends in a shape the bot cannot read is news at once; one
    // that failed on a passing 5xx or timeout only once it keeps failing.
    let undecodable = e
        .downcast_ref::<RedditError>()
        .is_none_or(|r| matches!(r, RedditError::Decode { .. }));
    if parked.reported || (!undecodable && parked.attempts < 3) {
        warn!(conversation_id = %id, attempts = parked.attempts, error = %text, "could not handle a conversation; parked and retried later, the others go on");
    } else {
        error!(slack = "alerts", conversation_id = %id, error = %text, "could not handle a conversation; it is parked and retried with backoff, the others go on");
        ctx.store.mark_parked_reported(id).await?;
    }
    Ok(())
}

/// Per-subreddit cursors of the recent runner.
struct Cursors {
    by_sub: HashMap<String, DateTime<Utc>>,
    fallback: DateTime<Utc>,
}

impl Cursors {
    fn of(&self, sub: &SubredditName) -> DateTime<Utc> {
        self.by_sub
            .get(&sub.key())
            .copied()
            .unwrap_or(self.fallback)
    }
}

/// Splits the subreddits into batches whose `entity=` list stays within `max_chars`, so
/// that each list request stays well inside URL limits however many subreddits there are.
pub fn batches(subs: &[SubredditName], max_chars: usize) -> Vec<&[SubredditName]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut len = 0;
    for (i, s) in subs.iter().enumerate() {
        let add = s.as_str().len() + usize::from(i > start);
        if i > start && len + add > max_chars {
            out.push(&subs[start..i]);
            start = i;
            len = s.as_str().len();
        } else {
            len += add;
        }
    }
    if start < subs.len() {
        out.push(&subs[start..]);
    }
    out
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

    /// Reads a flagged conversation and decides. One that cannot be read or handled is
    /// parked as the recent runner parks it: tried again when its backoff is over (here or
    /// by the recent runner's retries), reported once, never fetched on every pass.
    async fn visit(&self, id: &ConversationId, report: &mut PassReport) -> anyhow::Result<()> {
        let ctx = &self.ctx;
        if ctx.store.unfinished_effects(id).await? > 0 {
            return Ok(()); // the sender first
        }
        let parked = ctx.store.parked_conversation(id).await?;
        if parked
            .as_ref()
            .is_some_and(|p| p.next_try_at > ctx.clock.now())
        {
            return Ok(()); // its backoff is not over
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
            Ok(()) => {
                if parked.is_some() && ctx.store.unpark_conversation(id).await? {
                    info!(conversation_id = %id, "a parked conversation was handled at last");
                }
                Ok(())
            }
            Err(e) if crate::failpoints::is_crash(&e) => Err(e),
            // The database failing is not this conversation's fault: no parking.
            Err(e) if e.downcast_ref::<StoreError>().is_some() => {
                report.errors += 1;
                warn!(conversation_id = %id, error = format!("{e:#}"), "could not handle a conversation; retried next pass");
                Ok(())
            }
            Err(e) => {
                let (sub, at) =
                    parked.map_or((None, ctx.clock.now()), |p| (p.subreddit, p.last_updated));
                park(ctx, id, sub.as_ref(), at, &e, report).await
            }
        }
    }
}
