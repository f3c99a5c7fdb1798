//! The moderators' decisions on appeals and the claims they hold while deciding. A decision
//! is stored with the journal entries that carry it out, in one transaction, and only once
//! per appeal: a second decision (a double click, two moderators at once) finds the first.

use chrono::{DateTime, Utc};

use super::column::{Flag, Millis, Text, get, read, stored_enum};
use super::{NewEffect, Result, Store};
use crate::domain::{
    AppealId, AppealStatus, AppellantId, ConversationId, Group, Outcome, RedditUsername,
};
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
    banned_by: Option<Text<RedditUsername>>,
}

/// What a control appellant's record already says, for the appeal row a moderator's act
/// creates (see [`Store::control_appeal`]).
#[derive(sqlx::FromRow)]
struct ControlRow {
    still_banned: Option<Flag>,
    ignored: Flag,
    unbanned_at: Option<Millis>,
    ignored_at: Option<Millis>,
    contacted_at: Millis,
}

/// What the bot read of a control conversation's ban, for its appeal row (the console,
/// which reads nothing from Reddit, gives [`ControlBan::default`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlBan {
    /// The reason quoted in the ban notice, as the user read it.
    pub reason: String,
    pub permanent: bool,
}

impl Default for ControlBan {
    fn default() -> Self {
        Self {
            reason: String::new(),
            permanent: true,
        }
    }
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
            "SELECT outcome, decided_by, decided_via, decided_at, claimed_by, claimed_until, \
               (SELECT c.banned_by FROM appellant_conversations c \
                 WHERE c.conversation_id = appeals.conversation_id) AS banned_by \
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
            banned_by: r.banned_by.map(|b| b.0),
            // The subreddit's setting: the caller resolves it.
            recusal: false,
        })
    }

    /// Records where the user of `conversation` reads it (Reddit's `legacyFirstMessageId`),
    /// once: the appellant's pages link there.
    pub async fn record_user_message_id(
        &self,
        conversation: &ConversationId,
        id: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE appellant_conversations SET user_message_id = $2 \
             WHERE conversation_id = $1 AND user_message_id IS NULL",
        )
        .bind(conversation.as_str())
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Where the user of `conversation` reads it, when the bot has seen Reddit say so.
    pub async fn user_message_id(&self, conversation: &ConversationId) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT user_message_id FROM appellant_conversations WHERE conversation_id = $1",
        )
        .bind(conversation.as_str())
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(r) => get::<Option<String>>(&r, "appellant_conversations", "user_message_id"),
            None => Ok(None),
        }
    }

    /// Records the moderator who issued the ban of `conversation`, as Reddit's `modActions`
    /// name them (the latest ban done in modmail).
    pub async fn record_banned_by(
        &self,
        conversation: &ConversationId,
        by: &RedditUsername,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE appellant_conversations SET banned_by = $2 \
             WHERE conversation_id = $1 AND (banned_by IS NULL OR banned_by <> $2)",
        )
        .bind(conversation.as_str())
        .bind(by.as_str())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The moderator who issued the ban of `conversation`, when Reddit said.
    pub async fn banned_by(&self, conversation: &ConversationId) -> Result<Option<RedditUsername>> {
        let row =
            sqlx::query("SELECT banned_by FROM appellant_conversations WHERE conversation_id = $1")
                .bind(conversation.as_str())
                .fetch_optional(self.pool())
                .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(get::<Option<Text<RedditUsername>>>(
                &r,
                "appellant_conversations",
                "banned_by",
            )?
            .map(|t| t.0)),
        }
    }

    /// The appeal of a control appellant's conversation, created at a moderator's act (a
    /// decision or a claim, in the console or by a modmail command): the control group has
    /// no appeal until then, since the bot's dialogue never starts one. The row has no link
    /// and no form; its status is `completed` (the moderators have the conversation, as
    /// they always did) without a completion time, and it begins when the conversation was
    /// first recorded, so the readout counts the appellant in the same period as before.
    /// An outcome the bot had already found (unbanned, or no longer followed while banned)
    /// comes with it, so a decision then is refused as already taken. Once per
    /// conversation; `None` when the appellant is not in the control group or the
    /// conversation is not theirs.
    pub async fn control_appeal(
        &self,
        appellant: AppellantId,
        conversation: &ConversationId,
        ban: &ControlBan,
        now: DateTime<Utc>,
    ) -> Result<Option<AppealId>> {
        let mut tx = self.begin().await?;
        // Taking the appellant's row first serialises two moderators acting at once: the
        // second sees the first one's appeal.
        let mine = sqlx::query("UPDATE appellants SET updated_at = $3 WHERE id = $1 AND grp = $2")
            .bind(appellant.0)
            .bind(Text(Group::Control))
            .bind(Millis(now))
            .execute(tx.conn())
            .await?;
        if mine.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        let existing = sqlx::query(
            "SELECT id FROM appeals WHERE appellant_id = $1 AND conversation_id = $2 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(appellant.0)
        .bind(conversation.as_str())
        .fetch_optional(tx.conn())
        .await?;
        if let Some(row) = existing {
            tx.rollback().await?;
            return get(&row, "appeals", "id").map(|id| Some(AppealId(id)));
        }
        let Some(row) = sqlx::query(
            "SELECT a.still_banned, a.ignored, a.unbanned_at, a.ignored_at, \
               c.created_at AS contacted_at \
             FROM appellants a JOIN appellant_conversations c ON c.appellant_id = a.id \
             WHERE a.id = $1 AND c.conversation_id = $2",
        )
        .bind(appellant.0)
        .bind(conversation.as_str())
        .fetch_optional(tx.conn())
        .await?
        else {
            tx.rollback().await?;
            return Ok(None);
        };
        let r: ControlRow = read(&row, "appellants")?;
        let found = match (r.still_banned.map(|f| f.0), r.ignored.0) {
            (Some(false), _) => Some((Outcome::Granted, Channel::BanCheck, r.unbanned_at)),
            (_, true) => Some((Outcome::Denied, Channel::Retired, r.ignored_at)),
            _ => None,
        };
        let start = r.contacted_at.0;
        let id_row = sqlx::query(
            "INSERT INTO appeals (appellant_id, conversation_id, token_expires_at, ban_reason, \
               ban_permanent, status, reminders, created_at, updated_at, outcome, decided_via, \
               decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $3, $7, $8, $9, $10) RETURNING id",
        )
        .bind(appellant.0)
        .bind(conversation.as_str())
        // No link: it expired before it could be made.
        .bind(Millis(start))
        .bind(&ban.reason)
        .bind(Flag(ban.permanent))
        .bind(Text(AppealStatus::Completed))
        .bind(Millis(now))
        .bind(found.map(|(o, _, _)| Text(o)))
        .bind(found.map(|(_, via, _)| Text(via)))
        .bind(found.map(|(_, _, at)| Millis(at.map_or(now, |t| t.0))))
        .fetch_one(tx.conn())
        .await?;
        let id = AppealId(get(&id_row, "appeals", "id")?);
        tx.commit().await?;
        Ok(Some(id))
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
