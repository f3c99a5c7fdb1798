//! The side-effect journal: intent is written before any effect on Reddit.
//!
//! Entries of one conversation are applied in id order; an entry is `in_flight` while the
//! sender calls Reddit, so after a crash the sender knows exactly which calls may or may not
//! have happened and reads Reddit back before sending again.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

use super::column::{Flag, FromText, Millis, StoredEnum, Text, get, read, stored_enum};
use super::{AccountFilter, Result, Store, Tx};
use crate::domain::{AppealId, AppealStatus, ConversationId};
pub use appealmod_core::decide::StepKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct EffectId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectKind {
    /// A message the appellant sees.
    Reply,
    /// A private moderator note.
    Note,
    Archive,
    Unarchive,
    /// A Reddit Mod Note on the appellant (not a modmail message).
    ModNote,
    /// The participant's ban lifted (a moderators' decision).
    Unban,
    /// The participant's ban made temporary; the body holds the days.
    TempBan,
}

stored_enum!(EffectKind {
    Reply => "reply",
    Note => "note",
    Archive => "archive",
    Unarchive => "unarchive",
    ModNote => "mod_note",
    Unban => "unban",
    TempBan => "temp_ban",
});

impl EffectKind {
    /// The stored spelling (also used in logs).
    pub fn as_str(self) -> &'static str {
        self.stored()
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::from_text(s).ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectState {
    Pending,
    InFlight,
    Done,
    Failed,
}

stored_enum!(EffectState {
    Pending => "pending",
    InFlight => "in_flight",
    Done => "done",
    Failed => "failed",
});

impl EffectState {
    /// Every state, in the order `journal_counts` reports them.
    pub(crate) const ALL: [Self; 4] = [Self::Pending, Self::InFlight, Self::Done, Self::Failed];

    /// The stored spelling (also used in logs).
    pub fn as_str(self) -> &'static str {
        self.stored()
    }
}

// The step of the dialogue an entry belongs to, stored beside it: the core's
// `StepMarker::kind`, so that what reads the journal never parses marker text.
stored_enum!(StepKind {
    MissingReason => "missing_reason",
    Start => "start",
    Remind => "remind",
    Complete => "complete",
    HandOver => "hand_over",
    Decision => "decision",
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEffect {
    pub appeal_id: Option<AppealId>,
    pub conversation_id: ConversationId,
    pub kind: EffectKind,
    pub body: Option<String>,
    /// Unique idempotency key; enqueuing the same marker twice stores one entry.
    pub marker: String,
    /// The step it belongs to (`None` for entries outside the dialogue).
    pub step: Option<StepKind>,
    /// Once this entry is on Reddit, its appeal is completed (the plan says which entry:
    /// the moderators' note of a completion step).
    pub completes_appeal: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub id: EffectId,
    pub appeal_id: Option<AppealId>,
    pub conversation_id: ConversationId,
    pub kind: EffectKind,
    pub body: Option<String>,
    pub marker: String,
    pub state: EffectState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub not_before: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the latest attempt began (the settle time after an unknown outcome counts
    /// from here).
    pub attempt_started_at: Option<DateTime<Utc>>,
    /// The latest attempt's outcome is unknown: Reddit is read back before any resend.
    pub unsure: bool,
    /// Since when it waits for a permission the bot lacks (401/403).
    pub held_since: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, appeal_id, conversation_id, kind, body, marker, state, attempts, last_error, \
     not_before, created_at, updated_at, attempt_started_at, unsure, held_since";

/// One row of [`COLUMNS`], read by column name.
#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    appeal_id: Option<i64>,
    conversation_id: Text<ConversationId>,
    kind: Text<EffectKind>,
    body: Option<String>,
    marker: String,
    state: Text<EffectState>,
    attempts: i64,
    last_error: Option<String>,
    not_before: Millis,
    created_at: Millis,
    updated_at: Millis,
    attempt_started_at: Option<Millis>,
    unsure: Flag,
    held_since: Option<Millis>,
}

impl From<EntryRow> for JournalEntry {
    fn from(r: EntryRow) -> Self {
        Self {
            id: EffectId(r.id),
            appeal_id: r.appeal_id.map(AppealId),
            conversation_id: r.conversation_id.0,
            kind: r.kind.0,
            body: r.body,
            marker: r.marker,
            state: r.state.0,
            attempts: r.attempts,
            last_error: r.last_error,
            not_before: r.not_before.0,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
            attempt_started_at: r.attempt_started_at.map(|m| m.0),
            unsure: r.unsure.0,
            held_since: r.held_since.map(|m| m.0),
        }
    }
}

fn entry_from_row(row: &AnyRow) -> Result<JournalEntry> {
    read::<EntryRow>(row, "journal").map(JournalEntry::from)
}

/// A row of `journal_counts`.
#[derive(sqlx::FromRow)]
struct CountRow {
    state: Text<EffectState>,
    n: i64,
}

/// SQL for the subreddit of the journal row `t`: stored with it when the decision knew it,
/// else that of the appellant whose conversation it is.
pub(crate) fn subreddit_of_entry(t: &str) -> String {
    format!(
        "COALESCE({t}.subreddit, (SELECT a.subreddit FROM appellant_conversations c \
           JOIN appellants a ON a.id = c.appellant_id WHERE c.conversation_id = {t}.conversation_id))"
    )
}

/// SQL for the account that applies the journal row `t` (stored as
/// [`super::ServingAccount::stored`]): the account of its first attempt once there was one
/// (only it can read its own write back), before that the account serving its subreddit
/// now — so an entry not yet tried follows its subreddit to a new account, and one tried
/// stays with the account that tried it.
pub(crate) fn account_of_entry(t: &str) -> String {
    format!(
        "COALESCE({t}.account, (SELECT s.bot_account FROM subreddits s WHERE s.name = {}), '')",
        subreddit_of_entry(t)
    )
}

impl Tx {
    /// Records an effect to apply. Returns false when an entry with this marker exists.
    pub async fn enqueue_effect(&mut self, e: &NewEffect, now: DateTime<Utc>) -> Result<bool> {
        self.enqueue_effect_in(e, None, now).await
    }

    /// [`Tx::enqueue_effect`] for an entry whose subreddit the caller knows: it is sent by
    /// the account serving that subreddit even when no appellant links its conversation to
    /// it (a reply to a ban message without a reason).
    pub async fn enqueue_effect_in(
        &mut self,
        e: &NewEffect,
        subreddit: Option<&crate::domain::SubredditName>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO journal (appeal_id, conversation_id, kind, body, marker, state, attempts, \
               not_before, created_at, updated_at, step, completes_appeal, subreddit) \
             VALUES ($1, $2, $3, $4, $5, $7, 0, $6, $6, $6, $8, $9, $10) ON CONFLICT (marker) DO NOTHING",
        )
        .bind(e.appeal_id.map(|a| a.0))
        .bind(e.conversation_id.as_str())
        .bind(Text(e.kind))
        .bind(e.body.as_deref())
        .bind(&e.marker)
        .bind(Millis(now))
        .bind(Text(EffectState::Pending))
        .bind(e.step.map(Text))
        .bind(Flag(e.completes_appeal))
        .bind(subreddit.map(crate::domain::SubredditName::key))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Store {
    /// Pending entries that may run now: the first unfinished entry of each conversation
    /// (effects of one conversation are applied strictly in order), oldest first.
    pub async fn due_effects(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<JournalEntry>> {
        self.due_effects_in(AccountFilter::Any, now, limit).await
    }

    /// [`Store::due_effects`] of one bot account ([`account_of_entry`]): what that
    /// account's sender may claim.
    pub async fn due_effects_for(
        &self,
        account: &super::ServingAccount,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<JournalEntry>> {
        self.due_effects_in(AccountFilter::Of(account), now, limit)
            .await
    }

    async fn due_effects_in(
        &self,
        accounts: AccountFilter<'_>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<JournalEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM journal j WHERE j.state = $3 AND j.not_before <= $1 \
             AND NOT EXISTS (SELECT 1 FROM journal e WHERE e.conversation_id = j.conversation_id \
                             AND e.id < j.id AND e.state IN ($3, $4)) \
             AND ($5 = '*' OR {} = $5) \
             ORDER BY j.id LIMIT $2",
            account_of_entry("j")
        ))
        .bind(Millis(now))
        .bind(i64::from(limit))
        .bind(Text(EffectState::Pending))
        .bind(Text(EffectState::InFlight))
        .bind(accounts.bound())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Entries left in flight (by a crash or a stop mid-call): their outcome is unknown.
    pub async fn in_flight_effects(&self) -> Result<Vec<JournalEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM journal WHERE state = $1 ORDER BY id"
        ))
        .bind(Text(EffectState::InFlight))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Entries of a conversation not finished yet (pending or in flight): while there are
    /// any, the bot does not decide anything new for that conversation.
    pub async fn unfinished_effects(&self, conversation: &ConversationId) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM journal WHERE conversation_id = $1 AND state IN ($2, $3)",
        )
        .bind(conversation.as_str())
        .bind(Text(EffectState::Pending))
        .bind(Text(EffectState::InFlight))
        .fetch_one(self.pool())
        .await?;
        get(&row, "journal", "n")
    }

    /// Entries whose sender's lease ran out while in flight (it crashed, was killed, or lost
    /// the database after calling Reddit) go back to pending, marked unsure: nobody knows
    /// whether their call went through, so they wait `settle` from the attempt's start and
    /// are then read back before any resend. Entries of a live sender (lease not expired)
    /// are never taken, so a second runner or a rolling restart cannot double them.
    pub async fn reclaim_expired(
        &self,
        now: DateTime<Utc>,
        settle: chrono::Duration,
    ) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE journal SET state = $2, unsure = 1, \
               last_error = COALESCE(last_error, 'interrupted while in flight'), \
               not_before = COALESCE(attempt_started_at, updated_at) + $4, updated_at = $1 \
             WHERE state = $3 AND (lease_until IS NULL OR lease_until < $1)",
        )
        .bind(Millis(now))
        .bind(Text(EffectState::Pending))
        .bind(Text(EffectState::InFlight))
        .bind(settle.num_milliseconds())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    pub async fn effects_of(&self, conversation: &ConversationId) -> Result<Vec<JournalEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM journal WHERE conversation_id = $1 ORDER BY id"
        ))
        .bind(conversation.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// pending → in flight (attempts + 1), held by this sender until `now + lease`, and the
    /// row as claimed. `None` when it is not this sender's to take: another sender took it
    /// first, it is not due yet (a settle or backoff time set since the caller's list of
    /// due entries was read), or an earlier entry of its conversation is unfinished. The
    /// sender decides read-back or send from the returned row alone, never from a list
    /// read before the claim: that list may predate another sender's unknown outcome.
    pub async fn claim_effect(
        &self,
        id: EffectId,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<Option<JournalEntry>> {
        self.claim_effect_in(AccountFilter::Any, id, now, lease)
            .await
    }

    /// [`Store::claim_effect`] by one bot account: only an entry that is that account's
    /// ([`account_of_entry`]), which from this first attempt on stays its own — after a move
    /// of its subreddit the new account never resends or reads back what the old one tried.
    pub async fn claim_effect_for(
        &self,
        account: &super::ServingAccount,
        id: EffectId,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<Option<JournalEntry>> {
        self.claim_effect_in(AccountFilter::Of(account), id, now, lease)
            .await
    }

    /// The claim; by one account (`Of`) it also records that account as the entry's.
    async fn claim_effect_in(
        &self,
        accounts: AccountFilter<'_>,
        id: EffectId,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<Option<JournalEntry>> {
        let row = sqlx::query(&format!(
            "UPDATE journal SET state = $3, attempts = attempts + 1, attempt_started_at = $2, \
               lease_until = $5, updated_at = $2, \
               account = CASE WHEN $6 = '*' THEN account ELSE $6 END \
             WHERE id = $1 AND state = $4 AND not_before <= $2 \
               AND NOT EXISTS (SELECT 1 FROM journal e WHERE e.conversation_id = journal.conversation_id \
                               AND e.id < journal.id AND e.state IN ($4, $3)) \
               AND ($6 = '*' OR {} = $6) \
             RETURNING {COLUMNS}",
            account_of_entry("journal")
        ))
        .bind(id.0)
        .bind(Millis(now))
        .bind(Text(EffectState::InFlight))
        .bind(Text(EffectState::Pending))
        .bind(Millis(now + lease))
        .bind(accounts.bound())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(entry_from_row).transpose()
    }

    /// Extends the lease of an attempt still in flight: the sender renews it while its call
    /// lasts, so a lease of seconds suffices and a dead sender's entry is taken over soon.
    /// Fenced by the attempt number: a sender whose lease was taken over (its entry
    /// reclaimed and claimed again) cannot extend the new holder's lease. False then.
    pub async fn renew_lease(
        &self,
        id: EffectId,
        attempt: i64,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE journal SET lease_until = $3 WHERE id = $1 AND state = $4 AND attempts = $2",
        )
        .bind(id.0)
        .bind(attempt)
        .bind(Millis(now + lease))
        .bind(Text(EffectState::InFlight))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The effect is on Reddit (sent now, or found there when reading back). When the plan
    /// marked it as completing its appeal (`completes_appeal`: the moderators' note of a
    /// completion), the appeal is completed in the same transaction.
    pub async fn complete_effect(&self, id: EffectId, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE journal SET state = $2, unsure = 0, held_since = NULL, lease_until = NULL, \
               updated_at = $3 WHERE id = $1",
        )
        .bind(id.0)
        .bind(Text(EffectState::Done))
        .bind(Millis(now))
        .execute(tx.conn())
        .await?;
        sqlx::query(
            "UPDATE appeals SET status = $2, completed_at = COALESCE(completed_at, $3), updated_at = $3 \
             WHERE status = $4 AND id = (SELECT appeal_id FROM journal WHERE id = $1 AND completes_appeal = 1)",
        )
        .bind(id.0)
        .bind(Text(AppealStatus::Completed))
        .bind(Millis(now))
        .bind(Text(AppealStatus::Submitted))
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    /// Back to pending, to be tried again at `not_before`. `unsure`: the attempt's outcome
    /// is unknown, so Reddit is read back before any resend. Once unsure, an entry stays
    /// unsure until it is done: a later attempt that certainly failed says nothing of the
    /// earlier one, which may still have gone through.
    pub async fn retry_effect(
        &self,
        id: EffectId,
        error: &str,
        not_before: DateTime<Utc>,
        unsure: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE journal SET state = $2, last_error = $3, not_before = $4, \
               unsure = CASE WHEN $5 = 1 THEN 1 ELSE unsure END, \
               held_since = NULL, lease_until = NULL, updated_at = $6 WHERE id = $1",
        )
        .bind(id.0)
        .bind(Text(EffectState::Pending))
        .bind(error)
        .bind(Millis(not_before))
        .bind(Flag(unsure))
        .bind(Millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The bot lacks a permission (401/403): nothing was applied by this attempt, and the
    /// entry waits — tried again at `not_before` — until the permission is back.
    /// `held_since` keeps the start of the wait; `unsure` is kept, as an earlier attempt
    /// may still have gone through.
    pub async fn hold_effect(
        &self,
        id: EffectId,
        error: &str,
        not_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE journal SET state = $2, last_error = $3, not_before = $4, \
               held_since = COALESCE(held_since, $5), lease_until = NULL, updated_at = $5 WHERE id = $1",
        )
        .bind(id.0)
        .bind(Text(EffectState::Pending))
        .bind(error)
        .bind(Millis(not_before))
        .bind(Millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Given up: it will not be tried again (an operator is alerted by the caller).
    pub async fn fail_effect(&self, id: EffectId, error: &str, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE journal SET state = $2, last_error = $3, lease_until = NULL, updated_at = $4 \
             WHERE id = $1",
        )
        .bind(id.0)
        .bind(Text(EffectState::Failed))
        .bind(error)
        .bind(Millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Rewrites message bodies stored before personal links were kept out of the
    /// database: each working link becomes [`crate::token::STORED_LINK`], which the sender
    /// fills in when it calls Reddit. Run by [`Store::migrate`]; idempotent.
    pub(crate) async fn strip_stored_links(&self) -> Result<u64> {
        let rows = sqlx::query("SELECT id, body FROM journal WHERE body LIKE '%/appeal/%'")
            .fetch_all(self.pool())
            .await?;
        let mut rewritten = 0;
        for row in &rows {
            let id: i64 = get(row, "journal", "id")?;
            let body: String = get(row, "journal", "body")?;
            if let std::borrow::Cow::Owned(stripped) = crate::token::strip_links(&body) {
                sqlx::query("UPDATE journal SET body = $2 WHERE id = $1")
                    .bind(id)
                    .bind(stripped)
                    .execute(self.pool())
                    .await?;
                rewritten += 1;
            }
        }
        Ok(rewritten)
    }

    /// Entries waiting for a permission in a subreddit's conversations, for the alerts.
    pub async fn held_effects(&self) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM journal WHERE state = $1 AND held_since IS NOT NULL",
        )
        .bind(Text(EffectState::Pending))
        .fetch_one(self.pool())
        .await?;
        get(&row, "journal", "n")
    }

    /// Number of journal entries per state (every state present, zero included).
    pub async fn journal_counts(&self) -> Result<BTreeMap<EffectState, i64>> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM journal GROUP BY state")
            .fetch_all(self.pool())
            .await?;
        let mut counts: BTreeMap<EffectState, i64> =
            EffectState::ALL.into_iter().map(|s| (s, 0)).collect();
        for r in &rows {
            let c: CountRow = read(r, "journal")?;
            counts.insert(c.state.0, c.n);
        }
        Ok(counts)
    }
}
