//! The two runners. Each exposes `run_once()` — one complete pass that tests call until
//! idle — and the binaries loop over it every `dialogue_update_interval`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use tracing::{error, info, warn};

use appealmod_core::decide::Step;
use appealmod_core::decide::follow::{self, BanStatus, Retirement};
use appealmod_core::decide::verdict::Channel;
use appealmod_reddit::{ChangedSince, RedditError};
use appealmod_shared::domain::{
    AccountStatus, AppealStatus, ConversationId, ConversationSummary, Message, Outcome,
    RedditUsername, SubredditName,
};
use appealmod_shared::storage::{
    MOVED_CURSOR_PREFIX, SUBREDDIT_CURSOR_PREFIX as CURSOR_PREFIX, ServingAccount, StatusUpdate,
    StoreError, account_cursor_scope,
};

use crate::context::BotContext;
use crate::process::Handled;
use crate::sender::SendReport;

/// The single cursor of the first versions; a catch-up starts from it.
const LEGACY_CURSOR_SCOPE: &str = "modmail";
/// Characters of subreddit names in one catch-up request's `entity=` (about 100–150
/// names; a URL of about 1,600 characters).
pub const ENTITY_CHARS: usize = 1_500;
/// Pages of 100 conversations read per listing at most.
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
    /// Split alarms raised or cleared (started runner).
    pub splits: crate::split_alarm::SplitReport,
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

    /// One pass: list what changed in every subreddit the account moderates since the
    /// account-wide cursor (one call when nothing did; newest first, only as many pages as
    /// needed) and keep the conversations of served subreddits that joined that listing;
    /// catch up subreddits served since the last pass with a listing of their own; fetch
    /// untracked conversations in full and decide, flag tracked ones for the started
    /// runner; retry parked conversations; send what was decided. A listing that fails
    /// does not stop the others.
    pub async fn run_once(&self) -> anyhow::Result<PassReport> {
        let ctx = &self.ctx;
        // Sign-ups start pending; the bot's check activates them (before the listing, so
        // that a subreddit activated now is served in this very pass).
        let mut report = PassReport {
            verify: ctx.verify_subreddits().await?,
            ..PassReport::default()
        };
        // Reading what is served every pass picks sign-ups, pauses and moves to another
        // account up without a restart. Only what this pass needs is read: the fresh
        // subreddits, and the served ones among those listed, never all of them.
        let cursors = self.cursors().await?;
        let listed = self.list_account(&cursors, &mut report).await;
        let account = tolerate(listed, "every subreddit", &mut report)?.flatten();
        // A catch-up needs to know where the account listing stands: it hands its
        // subreddits over to it.
        if let Some(account) = account.or(cursors.account) {
            for batch in batches(&cursors.fresh, ENTITY_CHARS) {
                let caught = self.catch_up(batch, &cursors, account, &mut report).await;
                tolerate(caught, "newly served subreddits", &mut report)?;
            }
        }
        self.retry_parked(&mut report).await?;
        report.sent = ctx.send_pending().await?;
        Ok(report)
    }

    /// Where the listings stand. A served subreddit without a cursor of its own is fresh
    /// (signed up since the last pass, or never listed by this version); its catch-up
    /// starts from the cursor of the single list the first versions kept, else from the
    /// cutoff: only what is recent enough to still matter.
    async fn cursors(&self) -> anyhow::Result<Cursors> {
        let ctx = &self.ctx;
        let uncursored = ctx
            .store
            .uncursored_served(&ctx.account, CURSOR_PREFIX, MOVED_CURSOR_PREFIX)
            .await?;
        let moved = uncursored
            .iter()
            .filter_map(|(s, at)| at.map(|at| (s.key(), at)))
            .collect();
        let fresh = uncursored.into_iter().map(|(s, _)| s).collect();
        let account = ctx
            .store
            .cursor(&account_cursor_scope(&ctx.account))
            .await?;
        let legacy = match ctx.account {
            ServingAccount::Default => ctx.store.cursor(LEGACY_CURSOR_SCOPE).await?,
            ServingAccount::Extra(_) => None,
        };
        let fallback = match legacy {
            Some(c) => c,
            None => ctx.clock.now() - Duration::days(i64::from(ctx.bot.update_cutoff)),
        };
        Ok(Cursors {
            account,
            oldest_joined: ctx
                .store
                .oldest_served_cursor(&ctx.account, CURSOR_PREFIX)
                .await?,
            fresh,
            fallback,
            moved,
        })
    }

    /// The cursors of the served subreddits of this account among those `changed` lists
    /// (by key), each the later of its own and the account's (`account`). A subreddit not
    /// caught up yet, not served, or served by another account is absent: its
    /// conversations are left alone here.
    async fn joined_cursors(
        &self,
        changed: &ChangedSince,
        account: Option<DateTime<Utc>>,
    ) -> anyhow::Result<HashMap<String, DateTime<Utc>>> {
        let keys: HashSet<String> = changed
            .conversations
            .iter()
            .map(|c| c.subreddit.key())
            .chain(
                changed
                    .undecodable
                    .iter()
                    .filter_map(|u| u.subreddit.as_ref().map(SubredditName::key)),
            )
            .collect();
        let keys: Vec<String> = keys.into_iter().collect();
        let served = self.ctx.store.served_among(&keys, CURSOR_PREFIX).await?;
        Ok(served
            .into_iter()
            .filter(|(_, s)| s.account == self.ctx.account)
            .filter_map(|(key, s)| {
                s.cursor
                    .map(|own| (key, account.map_or(own, |a| a.max(own))))
            })
            .collect())
    }

    /// Who serves `sub` (a parked conversation's, read one at a time: they are few).
    async fn serving(&self, sub: &SubredditName) -> anyhow::Result<Serving> {
        let key = sub.key();
        let served = self
            .ctx
            .store
            .served_among(std::slice::from_ref(&key), CURSOR_PREFIX)
            .await?;
        Ok(match served.get(&key) {
            Some(s) if s.account == self.ctx.account => Serving::Own,
            Some(_) => Serving::Other,
            None => Serving::None,
        })
    }

    /// The listing of every subreddit the account moderates (no `entity`), from the
    /// account-wide cursor; only joined subreddits' conversations are handled, the others
    /// are never written to. Returns where the account cursor stands now.
    async fn list_account(
        &self,
        cursors: &Cursors,
        report: &mut PassReport,
    ) -> anyhow::Result<Option<DateTime<Utc>>> {
        let ctx = &self.ctx;
        let Some(oldest) = cursors.oldest_joined else {
            return self.anchor(cursors).await;
        };
        // Before the first account listing (an upgrade from per-subreddit listings) it
        // starts where the least advanced subreddit stands.
        let since = cursors.account.unwrap_or(oldest);
        let changed = ctx
            .reddit
            .list_changed_since(&[], Some(end_of_millisecond(since)), MAX_PAGES)
            .await
            .context("listing the modmail of every subreddit")?;
        let joined = self.joined_cursors(&changed, cursors.account).await?;
        let cursor_of = |s: &SubredditName| joined.get(&s.key()).copied();
        let newest = self
            .handle_listing(&changed, since, cursor_of, report)
            .await?;
        ctx.store
            .advance_cursor(&account_cursor_scope(&ctx.account), newest, ctx.clock.now())
            .await?;
        Ok(Some(newest))
    }

    /// No subreddit is served by the account listing yet. When some are to be caught up,
    /// one conversation of it says where Reddit's listing stands, so that they join it
    /// there rather than at the cutoff (which would page through days of every
    /// subreddit's modmail once).
    async fn anchor(&self, cursors: &Cursors) -> anyhow::Result<Option<DateTime<Utc>>> {
        let ctx = &self.ctx;
        if cursors.fresh.is_empty() {
            return Ok(cursors.account);
        }
        let page = ctx
            .reddit
            .list_conversations(&[], 1, None)
            .await
            .context("reading where the modmail of every subreddit stands")?;
        let newest = page
            .conversations
            .iter()
            .map(|c| c.last_updated)
            .chain(page.undecodable.iter().filter_map(|u| u.last_updated))
            .chain(cursors.account)
            .max()
            .unwrap_or(cursors.fallback);
        ctx.store
            .advance_cursor(&account_cursor_scope(&ctx.account), newest, ctx.clock.now())
            .await?;
        Ok(Some(newest))
    }

    /// One listing (and its pages) for a batch of fresh subreddits, from the fallback; each
    /// conversation handled or parked. Then they join the account listing where it stands
    /// (`account`: this listing came after it, so it saw everything up to there).
    async fn catch_up(
        &self,
        batch: &[SubredditName],
        cursors: &Cursors,
        account: DateTime<Utc>,
        report: &mut PassReport,
    ) -> anyhow::Result<()> {
        let ctx = &self.ctx;
        // A subreddit moved from another account is caught up from where that account's
        // listing stood at the move; a newly served one from the fallback.
        let since = batch
            .iter()
            .map(|s| {
                cursors
                    .moved
                    .get(&s.key())
                    .copied()
                    .unwrap_or(cursors.fallback)
            })
            .min()
            .unwrap_or(cursors.fallback);
        let changed = ctx
            .reddit
            .list_changed_since(batch, Some(end_of_millisecond(since)), MAX_PAGES)
            .await
            .context("catching up the modmail of newly served subreddits")?;
        let members: HashSet<String> = batch.iter().map(SubredditName::key).collect();
        let cursor_of = |s: &SubredditName| members.contains(&s.key()).then_some(since);
        let newest = self
            .handle_listing(&changed, since, cursor_of, report)
            .await?;
        let scopes: Vec<String> = batch
            .iter()
            .map(|s| format!("{CURSOR_PREFIX}{}", s.key()))
            .collect();
        ctx.store
            .advance_cursors(&scopes, newest.max(account), ctx.clock.now())
            .await?;
        Ok(())
    }

    /// Handles a listing oldest first: each conversation newer than its subreddit's cursor
    /// (`cursor_of`; `None`: not a subreddit this listing serves, left alone) is handled or
    /// parked. Returns the newest time listed (at least `since`), to which the listing is
    /// read: every conversation up to it was handled, parked or is not ours.
    async fn handle_listing(
        &self,
        changed: &ChangedSince,
        since: DateTime<Utc>,
        cursor_of: impl Fn(&SubredditName) -> Option<DateTime<Utc>>,
        report: &mut PassReport,
    ) -> anyhow::Result<DateTime<Utc>> {
        if !changed.complete {
            warn!(
                pages = changed.pages,
                "more changed conversations than one pass reads; the oldest are left for the started runner's schedule"
            );
        }
        report.listed += changed.conversations.len() + changed.undecodable.len();
        // Reddit's dates have microseconds, the cursors milliseconds: compare at the
        // cursors' precision, or the newest conversation would be listed again every pass.
        let seen = |at: DateTime<Utc>, cursor: DateTime<Utc>| {
            at.timestamp_millis() <= cursor.timestamp_millis()
        };
        for u in &changed.undecodable {
            // One whose subreddit cannot be read either is parked: when it is not ours,
            // its retry finds that out and forgets it without a write.
            let cursor = match &u.subreddit {
                Some(s) => match cursor_of(s) {
                    Some(c) => c,
                    None => continue,
                },
                None => since,
            };
            if !u.last_updated.is_some_and(|at| seen(at, cursor)) {
                self.park_undecodable(u, report).await?;
            }
        }
        // Parked ones count as read: they are retried from the parking, not re-listed.
        let mut newest = changed
            .undecodable
            .iter()
            .filter_map(|u| u.last_updated)
            .fold(since, DateTime::max);
        for summary in changed.conversations.iter().rev() {
            newest = newest.max(summary.last_updated);
            match cursor_of(&summary.subreddit) {
                Some(cursor) if !seen(summary.last_updated, cursor) => {
                    let last = changed.last_messages.get(&summary.id);
                    self.handle_listed(summary, last, report).await?;
                }
                _ => {}
            }
        }
        Ok(newest)
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
    /// One of a subreddit that is not served (parked from the listing of every subreddit
    /// before its subreddit could be read) is forgotten without being handled.
    async fn retry_parked(&self, report: &mut PassReport) -> anyhow::Result<()> {
        let ctx = &self.ctx;
        let due = ctx.store.due_parked(ctx.clock.now(), 20).await?;
        for p in due {
            // Another account's to retry: its runner reads it with its own token.
            if let Some(sub) = &p.subreddit
                && self.serving(sub).await? == Serving::Other
            {
                continue;
            }
            let attempt: anyhow::Result<bool> = async {
                if let Some(sub) = &p.subreddit
                    && self.serving(sub).await? != Serving::Own
                {
                    return Ok(false);
                }
                let conv = ctx.reddit.get_conversation(&p.conversation_id).await?;
                report.fetched += 1;
                if self.serving(&conv.summary.subreddit).await? != Serving::Own {
                    return Ok(false);
                }
                if let Handled::Decided(step) = ctx.handle_conversation(&conv).await? {
                    report.decided.push(step);
                }
                Ok(true)
            }
            .await;
            match attempt {
                Ok(handled) => {
                    ctx.store.unpark_conversation(&p.conversation_id).await?;
                    if handled {
                        info!(conversation_id = %p.conversation_id, "a parked conversation was handled at last");
                    } else {
                        info!(conversation_id = %p.conversation_id, "a parked conversation is of a subreddit the bot does not serve; forgotten");
                    }
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

/// Where the recent runner's listings stand, read at the start of a pass.
struct Cursors {
    /// The account-wide listing is read up to here (none before its first pass).
    account: Option<DateTime<Utc>>,
    /// The least advanced cursor of the served subreddits that joined the account listing
    /// (each is read up to its own cursor or the account's, whichever is later); none
    /// when no subreddit has joined it yet.
    oldest_joined: Option<DateTime<Utc>>,
    /// Served subreddits without a cursor of their own, to catch up.
    fresh: Vec<SubredditName>,
    /// Where a catch-up starts.
    fallback: DateTime<Utc>,
    /// Where the account listing of the account a subreddit was moved from stood at the
    /// move, by key: its catch-up starts there.
    moved: HashMap<String, DateTime<Utc>>,
}

/// Who serves a subreddit, as one account's recent runner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Serving {
    /// This account.
    Own,
    /// Another account: neither handled nor forgotten here.
    Other,
    /// Nobody (not signed up, pending, or left).
    None,
}

/// The last instant of `t`'s millisecond. Cursors are kept in milliseconds and Reddit's
/// dates have microseconds: the listing's last conversation, stored as its millisecond,
/// would otherwise count as newer than the cursor and cost a page more at a page boundary.
fn end_of_millisecond(t: DateTime<Utc>) -> DateTime<Utc> {
    let within = i64::from(t.timestamp_subsec_nanos() % 1_000_000);
    t + Duration::nanoseconds(999_999 - within)
}

/// A listing that failed on Reddit's side is counted, logged and retried next pass; the
/// pass goes on. `None` then.
fn tolerate<T>(
    result: anyhow::Result<T>,
    listing: &str,
    report: &mut PassReport,
) -> anyhow::Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if crate::failpoints::is_crash(&e) => Err(e),
        Err(e) if e.downcast_ref::<RedditError>().is_some() => {
            report.errors += 1;
            warn!(
                listing,
                error = format!("{e:#}"),
                "listing modmail failed; the other listings go on, this one is retried next pass"
            );
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Splits the subreddits into batches whose `entity=` list stays within `max_chars`, so
/// that each catch-up request stays well inside URL limits however many subreddits are
/// signed up at once.
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
    /// When the last split check began (none yet in this process: the first checks every
    /// subreddit that has drawn anyone, as the configured default fraction may be new).
    splits_checked: std::sync::Mutex<Option<DateTime<Utc>>>,
}

/// How far back a split check looks before the previous one began: a draw committed late
/// (its time read before that check, its row written after) is still seen.
const SPLIT_CHECK_OVERLAP: Duration = Duration::minutes(10);

impl StartedRunner {
    pub fn new(ctx: Arc<BotContext>) -> Self {
        Self {
            ctx,
            splits_checked: std::sync::Mutex::new(None),
        }
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
        // Conversations the modmail list showed changed (of this account's subreddits: it
        // reads them with its token).
        let ctx = &self.ctx;
        for (conv_id, _) in ctx.store.conversations_to_visit_in(ctx.own(), 200).await? {
            self.visit(&conv_id, &mut report).await?;
        }
        self.check_bans(&mut report).await?;
        // From the database alone, so done once, by the default account's runner.
        if ctx.account == ServingAccount::Default {
            self.retire_stale(&mut report).await?;
            report.splits = self.check_splits().await?;
        }
        report.sent = self.ctx.send_pending().await?;
        Ok(report)
    }

    /// The split check of the subreddits whose split may have changed since the previous
    /// check (a few small reads each), not of every served subreddit every pass.
    async fn check_splits(&self) -> anyhow::Result<crate::split_alarm::SplitReport> {
        let began = self.ctx.clock.now();
        let previous = self.splits_checked.lock().map(|t| *t).unwrap_or(None);
        let report = self
            .ctx
            .check_splits(previous.map(|t| t - SPLIT_CHECK_OVERLAP))
            .await?;
        if let Ok(mut t) = self.splits_checked.lock() {
            *t = Some(began);
        }
        Ok(report)
    }

    /// Submitted forms (the site wrote them). When the conversation changed since the bot's
    /// last look, read it first; otherwise complete without a read.
    async fn complete_submissions(&self, report: &mut PassReport) -> anyhow::Result<()> {
        let ctx = &self.ctx;
        for appeal in ctx.store.unprocessed_submissions_in(ctx.own(), 100).await? {
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
            .due_ban_checks_in(ctx.own(), now, ctx.bot.ban_checks_per_pass)
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
                tx.set_appeal_outcome_via(appeal, outcome, Channel::BanCheck, now)
                    .await?;
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
                    tx.set_appeal_outcome_via(id, Outcome::Denied, Channel::Retired, now)
                        .await?;
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
