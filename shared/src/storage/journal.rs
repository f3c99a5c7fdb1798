//! The side-effect journal: intent is written before any effect on Reddit.
//!
//! Entries of one conversation are applied in id order; an entry is `in_flight` while the
//! sender calls Reddit, so after a crash the sender knows exactly which calls may or may not
//! have happened and reads Reddit back before sending again.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{AppealId, Result, Store, StoreError, Tx, from_millis, opt_from_millis, to_millis};
use crate::domain::ConversationId;

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
}

impl EffectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reply => "reply",
            Self::Note => "note",
            Self::Archive => "archive",
            Self::Unarchive => "unarchive",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "reply" => Self::Reply,
            "note" => Self::Note,
            "archive" => Self::Archive,
            "unarchive" => Self::Unarchive,
            _ => return None,
        })
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

impl EffectState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InFlight => "in_flight",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "in_flight" => Self::InFlight,
            "done" => Self::Done,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEffect {
    pub appeal_id: Option<AppealId>,
    pub conversation_id: ConversationId,
    pub kind: EffectKind,
    pub body: Option<String>,
    /// Unique idempotency key; enqueuing the same marker twice stores one entry.
    pub marker: String,
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
}

const COLUMNS: &str = "id, appeal_id, conversation_id, kind, body, marker, state, attempts, last_error, not_before, created_at, updated_at";

fn entry_from_row(row: &AnyRow) -> Result<JournalEntry> {
    let conv: String = row.try_get(2)?;
    let kind: String = row.try_get(3)?;
    let state: String = row.try_get(6)?;
    Ok(JournalEntry {
        id: EffectId(row.try_get(0)?),
        appeal_id: row.try_get::<Option<i64>, _>(1)?.map(AppealId),
        conversation_id: ConversationId::parse(&conv)
            .map_err(|e| StoreError::corrupt(format!("journal conversation {conv:?}: {e}")))?,
        kind: EffectKind::parse(&kind)
            .ok_or_else(|| StoreError::corrupt(format!("journal kind {kind:?}")))?,
        body: row.try_get(4)?,
        marker: row.try_get(5)?,
        state: EffectState::parse(&state)
            .ok_or_else(|| StoreError::corrupt(format!("journal state {state:?}")))?,
        attempts: row.try_get(7)?,
        last_error: row.try_get(8)?,
        not_before: from_millis(row.try_get(9)?),
        created_at: from_millis(row.try_get(10)?),
        updated_at: opt_from_millis(row.try_get(11)?).unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
    })
}

impl Tx {
    /// Records an effect to apply. Returns false when an entry with this marker exists.
    pub async fn enqueue_effect(&mut self, e: &NewEffect, now: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO journal (appeal_id, conversation_id, kind, body, marker, state, attempts, not_before, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6, $6) ON CONFLICT (marker) DO NOTHING",
        )
        .bind(e.appeal_id.map(|a| a.0))
        .bind(e.conversation_id.as_str())
        .bind(e.kind.as_str())
        .bind(e.body.as_deref())
        .bind(&e.marker)
        .bind(to_millis(now))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Store {
    /// Pending entries that may run now: the first unfinished entry of each conversation
    /// (effects of one conversation are applied strictly in order), oldest first.
    pub async fn due_effects(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<JournalEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM journal j WHERE j.state = 'pending' AND j.not_before <= $1 \
             AND NOT EXISTS (SELECT 1 FROM journal e WHERE e.conversation_id = j.conversation_id \
                             AND e.id < j.id AND e.state IN ('pending', 'in_flight')) \
             ORDER BY j.id LIMIT $2"
        ))
        .bind(to_millis(now))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Entries left in flight (by a crash or a stop mid-call): their outcome is unknown.
    pub async fn in_flight_effects(&self) -> Result<Vec<JournalEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM journal WHERE state = 'in_flight' ORDER BY id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Entries of a conversation not finished yet (pending or in flight): while there are
    /// any, the bot does not decide anything new for that conversation.
    pub async fn unfinished_effects(&self, conversation: &ConversationId) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM journal WHERE conversation_id = $1 AND state IN ('pending', 'in_flight')",
        )
        .bind(conversation.as_str())
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// After a restart: entries left in flight go back to pending. Their attempt count stays,
    /// so the sender reads Reddit back before sending any of them again.
    pub async fn recover_in_flight(&self, now: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE journal SET state = 'pending', last_error = COALESCE(last_error, 'interrupted'), updated_at = $1 \
             WHERE state = 'in_flight'",
        )
        .bind(to_millis(now))
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

    /// pending → in flight (attempts + 1). False if another sender took it first.
    pub async fn claim_effect(&self, id: EffectId, now: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE journal SET state = 'in_flight', attempts = attempts + 1, updated_at = $2 \
             WHERE id = $1 AND state = 'pending'",
        )
        .bind(id.0)
        .bind(to_millis(now))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The effect is on Reddit (sent now, or found there when reading back).
    pub async fn complete_effect(&self, id: EffectId, now: DateTime<Utc>) -> Result<()> {
        self.set_effect_state(id, EffectState::Done, None, None, now)
            .await
    }

    /// Back to pending, to be tried again at `not_before` (the effect is known not applied,
    /// or will be checked on Reddit before any new attempt).
    pub async fn retry_effect(
        &self,
        id: EffectId,
        error: &str,
        not_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.set_effect_state(id, EffectState::Pending, Some(error), Some(not_before), now)
            .await
    }

    /// Given up: it will not be tried again (an operator is alerted by the caller).
    pub async fn fail_effect(&self, id: EffectId, error: &str, now: DateTime<Utc>) -> Result<()> {
        self.set_effect_state(id, EffectState::Failed, Some(error), None, now)
            .await
    }

    async fn set_effect_state(
        &self,
        id: EffectId,
        state: EffectState,
        error: Option<&str>,
        not_before: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE journal SET state = $2, last_error = COALESCE($3, last_error), \
               not_before = COALESCE($4, not_before), updated_at = $5 WHERE id = $1",
        )
        .bind(id.0)
        .bind(state.as_str())
        .bind(error)
        .bind(not_before.map(to_millis))
        .bind(to_millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Number of journal entries per state (every state present, zero included).
    pub async fn journal_counts(&self) -> Result<BTreeMap<EffectState, i64>> {
        let rows = sqlx::query("SELECT state, COUNT(*) FROM journal GROUP BY state")
            .fetch_all(self.pool())
            .await?;
        let mut counts: BTreeMap<EffectState, i64> = [
            EffectState::Pending,
            EffectState::InFlight,
            EffectState::Done,
            EffectState::Failed,
        ]
        .into_iter()
        .map(|s| (s, 0))
        .collect();
        for r in rows {
            let s: String = r.try_get(0)?;
            let state = EffectState::parse(&s)
                .ok_or_else(|| StoreError::corrupt(format!("journal state {s:?}")))?;
            counts.insert(state, r.try_get(1)?);
        }
        Ok(counts)
    }
}
