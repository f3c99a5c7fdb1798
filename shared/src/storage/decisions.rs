//! The moderators' decisions on appeals and the claims they hold while deciding. A decision
//! is stored with the journal entries that carry it out, in one transaction, and only once
//! per appeal: a second decision (a double click, two moderators at once) finds the first.

use chrono::{DateTime, Utc};

use super::column::{Millis, Text, read, stored_enum};
use super::{NewEffect, Result, Store};
use crate::domain::{AppealId, Outcome, RedditUsername};
use appealmod_core::decide::verdict::{Channel, DecisionPlan, DecisionState, Verdict};

stored_enum!(Channel {
    Console => "console",
    ModmailCommand => "modmail_command",
    HandUnban => "hand_unban",
    BanCheck => "ban_check",
    Retired => "retired",
});

/// One appeal's decision and claim columns.
#[derive(sqlx::FromRow)]
struct StateRow {
    outcome: Option<Text<Outcome>>,
    decided_by: Option<String>,
    decided_via: Option<Text<Channel>>,
    decided_at: Option<Millis>,
    claimed_by: Option<Text<RedditUsername>>,
    claimed_until: Option<Millis>,
}

/// A decision as the appellant's status page shows it: what was decided and when (never by
/// whom). `verdict` is `None` for an outcome the bot inferred (the ban check, retirement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionRecord {
    pub outcome: Outcome,
    pub verdict: Option<Verdict>,
    pub via: Option<Channel>,
    pub at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    outcome: Option<Text<Outcome>>,
    decision: Option<String>,
    decided_via: Option<Text<Channel>>,
    reduced_to_days: Option<i64>,
    decided_at: Option<Millis>,
}

/// What storing a decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Stored with its journal entries: the bot carries it out on its next pass.
    Stored,
    /// Another decision came first (its state says whose and when).
    AlreadyDecided(DecisionState),
}

impl super::Tx {
    /// An outcome the bot found rather than a moderator's decision it carries out: the ban
    /// check found the user unbanned, or nothing changed for the cutoff period. Kept when
    /// the appeal has one already.
    pub async fn set_appeal_outcome_via(
        &mut self,
        id: AppealId,
        outcome: Outcome,
        via: Channel,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE appeals SET outcome = $2, decided_via = $3, decided_at = $4, updated_at = $4 \
             WHERE id = $1 AND outcome IS NULL",
        )
        .bind(id.0)
        .bind(Text(outcome))
        .bind(Text(via))
        .bind(Millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl Store {
    /// The appeal's decision, if it has one.
    pub async fn decision_record(&self, appeal: AppealId) -> Result<Option<DecisionRecord>> {
        let row = sqlx::query(
            "SELECT outcome, decision, decided_via, reduced_to_days, decided_at FROM appeals \
             WHERE id = $1",
        )
        .bind(appeal.0)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let r: RecordRow = read(&row, "appeals")?;
        let verdict = match (r.decision.as_deref(), r.reduced_to_days) {
            (Some("grant"), _) => Some(Verdict::Grant),
            (Some("deny"), _) => Some(Verdict::Deny),
            (Some("reduce"), Some(d)) => u16::try_from(d).ok().map(|days| Verdict::Reduce { days }),
            _ => None,
        };
        Ok(r.outcome.zip(r.decided_at).map(|(o, at)| DecisionRecord {
            outcome: o.0,
            verdict,
            via: r.decided_via.map(|v| v.0),
            at: at.0,
        }))
    }

    /// The appeal's decision (outcome, who — or the channel when no person is named — and
    /// when) and its claim.
    pub async fn decision_state(&self, appeal: AppealId) -> Result<DecisionState> {
        let row = sqlx::query(
            "SELECT outcome, decided_by, decided_via, decided_at, claimed_by, claimed_until \
             FROM appeals WHERE id = $1",
        )
        .bind(appeal.0)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(DecisionState::default());
        };
        let r: StateRow = read(&row, "appeals")?;
        let decided = match (r.outcome, r.decided_at) {
            (Some(o), Some(at)) => {
                // A person as "u/name"; an outcome the bot inferred by how it found it.
                let who = match (r.decided_by, r.decided_via.map(|v| v.0)) {
                    (Some(by), _) => format!("u/{by}"),
                    (None, Some(Channel::BanCheck)) => "the bot's ban check".to_owned(),
                    (None, Some(Channel::Retired)) => {
                        "the bot, when it stopped following the user".to_owned()
                    }
                    (None, _) => "the bot".to_owned(),
                };
                Some((o.0, who, at.0))
            }
            _ => None,
        };
        Ok(DecisionState {
            decided,
            claim: r.claimed_by.zip(r.claimed_until).map(|(b, u)| (b.0, u.0)),
        })
    }

    /// Stores a decision and the journal entries that carry it out, once: when the appeal
    /// already has an outcome, nothing is written and the earlier decision is returned.
    pub async fn record_decision(
        &self,
        plan: &DecisionPlan,
        effects: &[NewEffect],
        by: &RedditUsername,
        via: Channel,
        now: DateTime<Utc>,
    ) -> Result<Recorded> {
        let mut tx = self.begin().await?;
        let days = match plan.verdict {
            Verdict::Reduce { days } => Some(i64::from(days)),
            Verdict::Grant | Verdict::Deny => None,
        };
        let done = sqlx::query(
            "UPDATE appeals SET outcome = $2, decision = $3, decided_by = $4, decided_via = $5, \
               reduced_to_days = $6, decided_at = $7, updated_at = $7, \
               claimed_by = NULL, claimed_until = NULL \
             WHERE id = $1 AND outcome IS NULL",
        )
        .bind(plan.appeal.0)
        .bind(Text(plan.outcome))
        .bind(plan.verdict.as_str())
        .bind(by.as_str())
        .bind(Text(via))
        .bind(days)
        .bind(Millis(now))
        .execute(tx.conn())
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(Recorded::AlreadyDecided(
                self.decision_state(plan.appeal).await?,
            ));
        }
        for e in effects {
            if !tx.enqueue_effect(e, now).await? {
                // The decision's entries exist: it was stored already (cannot happen while
                // the outcome guards it, but never double a write).
                tx.rollback().await?;
                return Ok(Recorded::AlreadyDecided(
                    self.decision_state(plan.appeal).await?,
                ));
            }
        }
        tx.commit().await?;
        Ok(Recorded::Stored)
    }

    /// `by` claims the appeal until `until`: it holds it unless another moderator's claim
    /// runs (then that claim is returned). Renewing one's own claim is a claim.
    pub async fn claim_appeal(
        &self,
        appeal: AppealId,
        by: &RedditUsername,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<(), (RedditUsername, DateTime<Utc>)>> {
        let done = sqlx::query(
            "UPDATE appeals SET claimed_by = $2, claimed_until = $3 \
             WHERE id = $1 AND outcome IS NULL \
               AND (claimed_until IS NULL OR claimed_until <= $4 OR LOWER(claimed_by) = LOWER($2))",
        )
        .bind(appeal.0)
        .bind(by.as_str())
        .bind(Millis(until))
        .bind(Millis(now))
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 1 {
            return Ok(Ok(()));
        }
        let state = self.decision_state(appeal).await?;
        Ok(Err(state.claim.unwrap_or((by.clone(), now))))
    }
}
