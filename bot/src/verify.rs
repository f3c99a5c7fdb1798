//! The bot's check of signed-up subreddits, with its own token: is it a moderator there with
//! Mail and Access? It accepts a pending moderator invite when it is not a moderator yet,
//! makes a pending subreddit active once it is ready, and flags a served one that lost
//! what it needs ("needs attention"). The moderator list it reads also renews who may use
//! each subreddit's console. What to do with what it read is decided in
//! [`appealmod_core::decide::verify`].
//!
//! A served subreddit that needs attention is checked every few minutes
//! (`bot.attention_check_minutes`, hourly after `bot.attention_backoff_hours`), so that a
//! moderator who re-invites the bot need not open the console: the check that finds the
//! invite accepts it, and once the bot is back (ready where the check before found it
//! lacking, or re-invited) the writes held for lack of permission are due at once instead
//! of at their slow retry.
//!
//! Accepting an invite is the one Reddit write outside the sender: it is idempotent (a
//! repeat finds no invite) and writes nothing any user sees, so it needs no journal entry.

use chrono::{DateTime, Duration, Utc};
use tracing::{info, warn};

use appealmod_core::decide::verify::{self, Attention, AttentionChecks};
use appealmod_reddit::RedditError;
use appealmod_shared::domain::{
    BotStanding, InviteOutcome, SubredditModerator, SubredditName, SubredditState,
};
use appealmod_shared::storage::{CheckRecord, CheckTarget};

use crate::context::BotContext;

/// Subreddits checked per pass at most: a bounded Reddit cost (two calls each at most)
/// however many sign-ups arrive at once. Of those, pending sign-ups at most
/// [`verify::PENDING_CHECKS_PER_PASS`] (the query caps them), each on a backoff
/// ([`verify::pending_wait`]) and no more after a week without an invite.
pub const CHECKS_PER_PASS: u32 = 5;

/// What one pass of checks did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct VerifyReport {
    pub checked: usize,
    /// Pending subreddits that became active.
    pub activated: usize,
    pub errors: usize,
}

/// What reading Reddit found, before any decision.
struct Read {
    standing: BotStanding,
    moderators: Option<Vec<SubredditModerator>>,
    /// The bot accepted a moderator invite in this check.
    accepted_invite: bool,
}

impl Read {
    fn found(standing: BotStanding, moderators: Vec<SubredditModerator>) -> Self {
        Self {
            standing,
            moderators: Some(moderators),
            accepted_invite: false,
        }
    }
}

impl BotContext {
    /// Checks the subreddits that are due. A Reddit failure only delays that subreddit's
    /// check; a database failure ends the pass.
    pub async fn verify_subreddits(&self) -> anyhow::Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let now = self.clock.now();
        for target in self
            .store
            .due_checks_in(self.own(), now, CHECKS_PER_PASS)
            .await?
        {
            let span = tracing::info_span!("verify", subreddit = %target.name);
            let _g = span.enter();
            match self.read_standing(&target).await {
                Ok(read) => {
                    if self.record(&target, read).await? {
                        report.activated += 1;
                    }
                    report.checked += 1;
                }
                Err(e) => {
                    report.errors += 1;
                    warn!(error = %e, "could not check the bot's standing; tried again later");
                    self.reschedule_after_error(&target).await?;
                }
            }
        }
        Ok(report)
    }

    /// The moderator list, and the invite accepted when the bot is not on it.
    async fn read_standing(&self, target: &CheckTarget) -> Result<Read, RedditError> {
        let mods = match self.reddit.moderators(&target.name).await {
            Ok(m) => m,
            // Banned, private to the bot, or no such subreddit: nothing to read or accept.
            Err(RedditError::NotFound { .. } | RedditError::Forbidden { .. }) => {
                return Ok(Read {
                    standing: BotStanding::NotFound,
                    moderators: None,
                    accepted_invite: false,
                });
            }
            Err(e) => return Err(e),
        };
        let standing = verify::standing(self.own_permissions(&mods));
        if !verify::should_accept_invite(&standing) {
            return Ok(Read::found(standing, mods));
        }
        if self.bot.debug {
            info!("debug mode: would accept a moderator invite if there is one");
            return Ok(Read::found(standing, mods));
        }
        match self.reddit.accept_moderator_invite(&target.name).await? {
            InviteOutcome::NoInvite => Ok(Read::found(standing, mods)),
            InviteOutcome::Accepted => {
                info!(slack = "main", subreddit = %target.name, "accepted the moderator invite of r/{}", target.name);
                let mods = self.reddit.moderators(&target.name).await?;
                Ok(Read {
                    accepted_invite: true,
                    ..Read::found(verify::standing(self.own_permissions(&mods)), mods)
                })
            }
        }
    }

    fn own_permissions<'a>(
        &self,
        mods: &'a [SubredditModerator],
    ) -> Option<&'a appealmod_shared::domain::ModPermissions> {
        mods.iter()
            .find(|m| m.name.as_str().eq_ignore_ascii_case(&self.bot_name))
            .map(|m| &m.permissions)
    }

    /// Writes what the check decided; true when a pending subreddit became active. The
    /// "needs attention" flag is written first, so that the check's own schedule is the one
    /// that stays (raising the flag otherwise makes a check due at once).
    async fn record(&self, target: &CheckTarget, read: Read) -> anyhow::Result<bool> {
        let now = self.clock.now();
        let verdict = verify::verdict(
            target.state,
            &target.standing,
            &read.standing,
            read.accepted_invite,
            &self.bot_name,
        );
        let state = verdict.state.unwrap_or(target.state);
        let ready = matches!(read.standing, BotStanding::Ready);
        let failed = if ready {
            0
        } else {
            target.failed_checks.saturating_add(1)
        };
        let in_use = target
            .console_used_at
            .is_some_and(|t| now - t < Duration::hours(24));
        let since = verify::attention_since(&verdict.attention, target.attention_since, now);
        let wait = verify::next_check(
            state,
            &read.standing,
            failed,
            in_use,
            since.map(|t| now - t),
            &self.attention_checks(),
        );
        // A sign-up whose checks found no invite for a week is checked no more; the console
        // says so, and its "Check now" starts over.
        let gave_up = state == SubredditState::Pending && verify::pending_gives_up(failed);
        if gave_up {
            info!(subreddit = %target.name, checks = failed, "no invite after a week of checks: the bot stops checking this sign-up");
        }
        self.write_attention(&target.name, &verdict.attention, now)
            .await?;
        self.store
            .record_check(
                &CheckRecord {
                    name: &target.name,
                    standing: &read.standing,
                    new_state: verdict.state,
                    failed_checks: failed,
                    next_check_at: now + wait,
                    moderators: read.moderators.as_deref(),
                    actor: &self.bot_name,
                },
                now,
            )
            .await?;
        if gave_up {
            self.store.stop_checking(&target.name).await?;
        }
        if verdict.release_held {
            let released = self.store.release_held_writes(&target.name, now).await?;
            if released > 0 {
                info!(subreddit = %target.name, writes = released, "the bot is back: the writes held for lack of permission go out now");
            }
        }
        let activated = verdict.state == Some(SubredditState::Active);
        if activated {
            info!(slack = "main", subreddit = %target.name, "r/{} is active: the bot is a moderator with what it needs", target.name);
        }
        Ok(activated)
    }

    /// Raises or clears the "bot lacks permission" flag; the alerts channel hears of a
    /// change once.
    async fn write_attention(
        &self,
        name: &SubredditName,
        attention: &Attention,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        match attention {
            Attention::Keep => {}
            Attention::Clear => {
                if self.store.clear_permission_lost(name, now).await? {
                    info!(slack = "alerts", subreddit = %name, "the bot has its permissions back");
                }
            }
            Attention::Raise(message) => {
                if self.store.set_permission_lost(name, message, now).await? {
                    warn!(slack = "alerts", subreddit = %name, %message, "the bot lacks what it needs in this subreddit: it needs attention");
                }
            }
        }
        Ok(())
    }

    /// The schedule of checks of a subreddit that needs attention, from the configuration.
    fn attention_checks(&self) -> AttentionChecks {
        let minutes = i64::try_from(self.bot.attention_check_minutes).unwrap_or(60);
        AttentionChecks {
            every: Duration::minutes(minutes),
            backoff_after: Duration::hours(i64::from(self.bot.attention_backoff_hours)),
        }
    }

    /// Reddit did not answer: the same schedule as a failed check, nothing else changes.
    async fn reschedule_after_error(&self, target: &CheckTarget) -> anyhow::Result<()> {
        let now = self.clock.now();
        let failed = target.failed_checks.saturating_add(1);
        let wait = verify::next_check(
            target.state,
            &BotStanding::Unchecked,
            failed,
            false,
            target.attention_since.map(|t| now - t),
            &self.attention_checks(),
        );
        self.store
            .postpone_check(&target.name, now + wait, failed)
            .await?;
        Ok(())
    }
}
