//! What waits for the moderators, and what the console's page of one appeal shows beside
//! the appeal's own row: per subreddit, the appeals whose answers are in modmail with no
//! decision yet (the attention queue); an appeal's steps on Reddit (link, reminders, the
//! decision) and its toxicity findings text by text. Read from the times the bot and the
//! site already store; nothing is written for these pages.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::cases::status_predicate;
use super::column::{Flag, Millis, Text, read};
use super::toxicity::FindingRow;
use super::{EffectKind, EffectState, Result, StepKind, Store};
use crate::domain::{AppealId, AppellantId, CaseStatus, ConversationId, SubredditName};
use appealmod_core::toxicity::AssessedText;

/// One subreddit's queue: the appeals awaiting a decision ([`CaseStatus::awaits_decision`],
/// the list's "Completed" filter).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Queue {
    pub awaiting: i64,
    /// When the longest-waiting one's answers reached modmail.
    pub oldest: Option<DateTime<Utc>>,
}

/// An appeal's steps that are not on its own row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppealSteps {
    /// The appellant's first message in the appeal's conversation (of those the bot read).
    pub first_message: Option<DateTime<Utc>>,
    /// The bot's first message with the link, on Reddit.
    pub link_sent: Option<DateTime<Utc>>,
    /// Each reminder, on Reddit, oldest first.
    pub reminders: Vec<DateTime<Utc>>,
    /// When the outcome was recorded.
    pub decided_at: Option<DateTime<Utc>>,
}

/// An appellant's times that are not on [`crate::storage::Appellant`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppellantSteps {
    /// Their first conversation (the one an appellant without an appeal is listed with).
    pub first_conversation: Option<ConversationId>,
    /// Their first message the bot read, in any conversation.
    pub first_message: Option<DateTime<Utc>>,
    /// First seen unbanned.
    pub unbanned_at: Option<DateTime<Utc>>,
    /// When the bot stopped following them, while it still does not.
    pub stopped_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct QueueRow {
    subreddit: String,
    awaiting: i64,
    oldest: Option<Millis>,
}

#[derive(sqlx::FromRow)]
struct StepRow {
    step: Option<Text<StepKind>>,
    at: Millis,
}

#[derive(sqlx::FromRow)]
struct AppealTimesRow {
    decided_at: Option<Millis>,
    first_message: Option<Millis>,
}

#[derive(sqlx::FromRow)]
struct AppellantStepsRow {
    first_conversation: Option<Text<ConversationId>>,
    first_message: Option<Millis>,
    unbanned_at: Option<Millis>,
    ignored: Flag,
    ignored_at: Option<Millis>,
}

#[derive(sqlx::FromRow)]
struct TimedFindingRow {
    #[sqlx(flatten)]
    finding: FindingRow,
    written_at: Millis,
}

impl From<TimedFindingRow> for AssessedText {
    fn from(r: TimedFindingRow) -> Self {
        let (source, toxicity) = r.finding.finding();
        Self {
            source,
            written_at: r.written_at.0,
            toxicity,
        }
    }
}

impl Store {
    /// The queue of each of `subs` (by their key); a subreddit with nothing waiting has the
    /// default, empty queue.
    pub async fn attention_queues(
        &self,
        subs: &[SubredditName],
    ) -> Result<BTreeMap<String, Queue>> {
        let mut out: BTreeMap<String, Queue> =
            subs.iter().map(|s| (s.key(), Queue::default())).collect();
        if subs.is_empty() {
            return Ok(out);
        }
        let list: Vec<String> = (1..=subs.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT a.subreddit, CAST(COUNT(*) AS BIGINT) AS awaiting, \
               MIN(COALESCE(p.completed_at, p.created_at)) AS oldest \
             FROM appeals p JOIN appellants a ON a.id = p.appellant_id \
             WHERE a.subreddit IN ({}) AND ({}) GROUP BY a.subreddit",
            list.join(", "),
            status_predicate(CaseStatus::Completed)
        );
        let mut q = sqlx::query(&sql);
        for s in subs {
            q = q.bind(s.key());
        }
        for row in q.fetch_all(self.pool()).await? {
            let r: QueueRow = read(&row, "appeals")?;
            out.insert(
                r.subreddit,
                Queue {
                    awaiting: r.awaiting,
                    oldest: r.oldest.map(|t| t.0),
                },
            );
        }
        Ok(out)
    }

    /// The steps of `appeal` beside its row: the first message, the link and the reminders
    /// as sent (done replies of the journal), the decision's time.
    pub async fn appeal_steps(&self, appeal: AppealId) -> Result<AppealSteps> {
        let times = sqlx::query(
            "SELECT p.decided_at, (SELECT MIN(m.written_at) FROM message_toxicity m \
               WHERE m.conversation_id = p.conversation_id) AS first_message \
             FROM appeals p WHERE p.id = $1",
        )
        .bind(appeal.0)
        .fetch_optional(self.pool())
        .await?;
        let Some(times) = times else {
            return Ok(AppealSteps::default());
        };
        let times: AppealTimesRow = read(&times, "appeals")?;
        let sent = sqlx::query(
            "SELECT step, updated_at AS at FROM journal \
             WHERE appeal_id = $1 AND kind = $2 AND state = $3 ORDER BY updated_at, id",
        )
        .bind(appeal.0)
        .bind(Text(EffectKind::Reply))
        .bind(Text(EffectState::Done))
        .fetch_all(self.pool())
        .await?;
        let mut steps = AppealSteps {
            first_message: times.first_message.map(|t| t.0),
            decided_at: times.decided_at.map(|t| t.0),
            ..AppealSteps::default()
        };
        for row in &sent {
            let r: StepRow = read(row, "journal")?;
            match r.step.map(|s| s.0) {
                Some(StepKind::Remind) => steps.reminders.push(r.at.0),
                Some(StepKind::Start) => {
                    steps.link_sent.get_or_insert(r.at.0);
                }
                _ => {}
            }
        }
        Ok(steps)
    }

    /// An appellant's first conversation and message, and when the bot saw them unbanned or
    /// stopped following them.
    pub async fn appellant_steps(&self, appellant: AppellantId) -> Result<AppellantSteps> {
        let row = sqlx::query(
            "SELECT (SELECT c.conversation_id FROM appellant_conversations c \
                 WHERE c.appellant_id = a.id ORDER BY c.created_at, c.conversation_id LIMIT 1) \
                 AS first_conversation, \
               (SELECT MIN(m.written_at) FROM message_toxicity m WHERE m.appellant_id = a.id) \
                 AS first_message, \
               a.unbanned_at, a.ignored, a.ignored_at \
             FROM appellants a WHERE a.id = $1",
        )
        .bind(appellant.0)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(AppellantSteps::default());
        };
        let r: AppellantStepsRow = read(&row, "appellants")?;
        Ok(AppellantSteps {
            first_conversation: r.first_conversation.map(|c| c.0),
            first_message: r.first_message.map(|t| t.0),
            unbanned_at: r.unbanned_at.map(|t| t.0),
            stopped_at: r.ignored_at.filter(|_| r.ignored.0).map(|t| t.0),
        })
    }

    /// Each assessed text of `appeal` — its conversation's messages and its answers — with
    /// its finding and date (never the text), oldest first: what
    /// [`Store::appeal_toxicity`] combines.
    pub async fn appeal_findings(&self, appeal: AppealId) -> Result<Vec<AssessedText>> {
        self.timed_findings(
            "SELECT 'message' AS kind, m.message_id AS source_id, m.toxic, m.category, \
               m.severity, m.written_at \
             FROM message_toxicity m JOIN appeals p ON p.conversation_id = m.conversation_id \
             WHERE p.id = $1 \
             UNION ALL \
             SELECT 'answer' AS kind, t.question_id AS source_id, t.toxic, t.category, \
               t.severity, t.written_at \
             FROM answer_toxicity t WHERE t.appeal_id = $1",
            appeal.0,
        )
        .await
    }

    /// Each assessed message of an appellant, in any of their conversations (what the
    /// readout counts for an appellant without an appeal), oldest first.
    pub async fn appellant_findings(&self, appellant: AppellantId) -> Result<Vec<AssessedText>> {
        self.timed_findings(
            "SELECT 'message' AS kind, m.message_id AS source_id, m.toxic, m.category, \
               m.severity, m.written_at \
             FROM message_toxicity m WHERE m.appellant_id = $1",
            appellant.0,
        )
        .await
    }

    async fn timed_findings(&self, sql: &str, id: i64) -> Result<Vec<AssessedText>> {
        let sql = format!("SELECT * FROM ({sql}) f ORDER BY written_at, kind, source_id");
        let rows = sqlx::query(&sql).bind(id).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| read::<TimedFindingRow>(r, "message_toxicity").map(AssessedText::from))
            .collect()
    }
}
