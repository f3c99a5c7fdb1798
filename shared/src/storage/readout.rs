//! The experiment's rows: one per appeal (see `appealmod_core::readout` for what an appeal
//! is in each group), read from the database for the results pages, the export and the
//! live view alike. The computation on them is `appealmod_core::readout::compute`. Also
//! what the assignment audit needs — each subreddit's history of treatment fractions and
//! its draws — and the split alarm raised when a period's split is off.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::column::{Flag, Millis, Text, get, read};
use super::toxicity::{AppealToxicity, FindingRow};
use super::{EffectKind, EffectState, Result, StepKind, Store, StoreError};
use crate::domain::{
    AppealId, AppealStatus, AppellantId, ConversationId, Group, Outcome, RedditUsername,
    SubredditName,
};
use appealmod_core::readout::{self, CaseOutcome, Period, ReadoutRow, Segment};
use appealmod_core::toxicity::{TextRef, Toxicity};

/// Which rows: one subreddit or all, appeals begun in `period`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadoutFilter {
    pub subreddit: Option<SubredditName>,
    pub period: Period,
}

/// A treatment appeal, read by column name.
#[derive(sqlx::FromRow)]
struct AppealCaseRow {
    appeal_id: i64,
    appellant_id: i64,
    subreddit: Text<SubredditName>,
    username: Text<RedditUsername>,
    grp: Text<Group>,
    conversation_id: Text<ConversationId>,
    assigned_at: Millis,
    started_at: Millis,
    first_message_at: Option<Millis>,
    link_sent_at: Option<Millis>,
    opened_at: Option<Millis>,
    submitted_at: Option<Millis>,
    completed_at: Option<Millis>,
    decided_at: Option<Millis>,
    status: Text<AppealStatus>,
    outcome: Option<Text<Outcome>>,
    reminders: i64,
    handed_over_at: Option<Millis>,
    ignored: Flag,
    ignored_at: Option<Millis>,
}

/// An appellant without any appeal (control, or treatment never sent a link).
#[derive(sqlx::FromRow)]
struct AppellantCaseRow {
    appellant_id: i64,
    subreddit: Text<SubredditName>,
    username: Text<RedditUsername>,
    grp: Text<Group>,
    conversation_id: Text<ConversationId>,
    assigned_at: Millis,
    first_message_at: Option<Millis>,
    still_banned: Option<Flag>,
    ignored: Flag,
    unbanned_at: Option<Millis>,
    ignored_at: Option<Millis>,
}

/// A stored finding with what it belongs to.
#[derive(sqlx::FromRow)]
struct OwnedFindingRow {
    #[sqlx(flatten)]
    finding: FindingRow,
    appellant_id: i64,
    conversation_id: Option<String>,
    appeal_id: Option<i64>,
}

/// `($1 subreddit key or NULL, $2 from or NULL, $3 until or NULL)` on `started`.
fn filtered(started: &str) -> String {
    format!(
        "($1 IS NULL OR a.subreddit = $1) AND ($2 IS NULL OR {started} >= $2) AND ($3 IS NULL OR {started} < $3)"
    )
}

impl Store {
    /// The rows of the readout, oldest first, each with its toxicity.
    pub async fn readout_rows(&self, f: &ReadoutFilter) -> Result<Vec<ReadoutRow>> {
        let mut rows = self.appeal_cases(f).await?;
        rows.extend(self.appellant_cases(f).await?);
        rows.sort_by_key(|r| (r.started_at, r.appellant_id, r.appeal_id));
        let findings = self.findings(f.subreddit.as_ref()).await?;
        for r in &mut rows {
            let t = findings.of(r);
            r.toxicity = t.toxicity;
            r.toxic_texts = t.toxic_texts;
        }
        Ok(rows)
    }

    async fn appeal_cases(&self, f: &ReadoutFilter) -> Result<Vec<ReadoutRow>> {
        let sql = format!(
            "SELECT p.id AS appeal_id, a.id AS appellant_id, r.display_name AS subreddit, \
               a.display_name AS username, a.grp, p.conversation_id, a.created_at AS assigned_at, \
               p.created_at AS started_at, \
               (SELECT MIN(m.written_at) FROM message_toxicity m \
                 WHERE m.conversation_id = p.conversation_id) AS first_message_at, \
               (SELECT MIN(j.updated_at) FROM journal j \
                 WHERE j.appeal_id = p.id AND j.kind = $4 AND j.state = $5 \
                   AND (j.step IS NULL OR j.step <> $7)) AS link_sent_at, \
               (SELECT MIN(j.created_at) FROM journal j \
                 WHERE j.appeal_id = p.id AND j.step = $6) AS handed_over_at, \
               p.opened_at, s.submitted_at, p.completed_at, p.decided_at, p.status, p.outcome, \
               p.reminders, a.ignored, a.ignored_at \
             FROM appeals p JOIN appellants a ON a.id = p.appellant_id \
             JOIN subreddits r ON r.name = a.subreddit \
             LEFT JOIN form_submissions s ON s.appeal_id = p.id WHERE {}",
            filtered("p.created_at")
        );
        let rows = sqlx::query(&sql)
            .bind(f.subreddit.as_ref().map(|s| s.key()))
            .bind(f.period.from.map(Millis))
            .bind(f.period.until.map(Millis))
            .bind(Text(EffectKind::Reply))
            .bind(Text(EffectState::Done))
            .bind(Text(StepKind::HandOver))
            // A decision's reply carries no link (a control appeal has no other reply).
            .bind(Text(StepKind::Decision))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| read::<AppealCaseRow>(r, "appeals").map(ReadoutRow::from))
            .collect()
    }

    async fn appellant_cases(&self, f: &ReadoutFilter) -> Result<Vec<ReadoutRow>> {
        let sql = format!(
            "SELECT a.id AS appellant_id, r.display_name AS subreddit, a.display_name AS username, \
               a.grp, a.created_at AS assigned_at, a.still_banned, a.ignored, a.unbanned_at, \
               a.ignored_at, \
               (SELECT c.conversation_id FROM appellant_conversations c WHERE c.appellant_id = a.id \
                 ORDER BY c.created_at, c.conversation_id LIMIT 1) AS conversation_id, \
               (SELECT MIN(m.written_at) FROM message_toxicity m \
                 WHERE m.appellant_id = a.id) AS first_message_at \
             FROM appellants a JOIN subreddits r ON r.name = a.subreddit \
             WHERE NOT EXISTS (SELECT 1 FROM appeals p WHERE p.appellant_id = a.id) AND {}",
            filtered("a.created_at")
        );
        let rows = sqlx::query(&sql)
            .bind(f.subreddit.as_ref().map(|s| s.key()))
            .bind(f.period.from.map(Millis))
            .bind(f.period.until.map(Millis))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| read::<AppellantCaseRow>(r, "appellants").map(ReadoutRow::from))
            .collect()
    }

    /// Every stored finding of the subreddit (or of all), grouped by what it belongs to.
    async fn findings(&self, subreddit: Option<&SubredditName>) -> Result<Findings> {
        let rows = sqlx::query(
            "SELECT 'message' AS kind, m.message_id AS source_id, m.toxic, m.category, m.severity, \
               m.appellant_id, m.conversation_id, NULL AS appeal_id \
             FROM message_toxicity m JOIN appellants a ON a.id = m.appellant_id \
             WHERE ($1 IS NULL OR a.subreddit = $1) \
             UNION ALL \
             SELECT 'answer' AS kind, t.question_id AS source_id, t.toxic, t.category, t.severity, \
               p.appellant_id, NULL AS conversation_id, t.appeal_id \
             FROM answer_toxicity t JOIN appeals p ON p.id = t.appeal_id \
             JOIN appellants a ON a.id = p.appellant_id WHERE ($1 IS NULL OR a.subreddit = $1)",
        )
        .bind(subreddit.map(|s| s.key()))
        .fetch_all(self.pool())
        .await?;
        let mut out = Findings::default();
        for r in &rows {
            let row: OwnedFindingRow = read(r, "message_toxicity")?;
            let finding = row.finding.finding();
            let owner = AppellantId(row.appellant_id);
            if let Some(conv) = row.conversation_id {
                out.by_conversation
                    .entry(conv)
                    .or_default()
                    .push(finding.clone());
                out.by_appellant.entry(owner).or_default().push(finding);
            } else if let Some(appeal) = row.appeal_id {
                out.by_appeal
                    .entry(AppealId(appeal))
                    .or_default()
                    .push(finding);
            }
        }
        Ok(out)
    }
}

/// Findings by what they belong to.
#[derive(Default)]
struct Findings {
    by_conversation: BTreeMap<String, Vec<(TextRef, Toxicity)>>,
    by_appellant: BTreeMap<AppellantId, Vec<(TextRef, Toxicity)>>,
    by_appeal: BTreeMap<AppealId, Vec<(TextRef, Toxicity)>>,
}

impl Findings {
    /// An appeal: its conversation's messages and its answers. An appellant without an
    /// appeal: every message of theirs.
    fn of(&self, r: &ReadoutRow) -> AppealToxicity {
        let none = Vec::new();
        let found = match r.appeal_id {
            Some(id) => {
                let msgs = self.by_conversation.get(r.conversation_id.as_str());
                let answers = self.by_appeal.get(&id);
                msgs.unwrap_or(&none)
                    .iter()
                    .chain(answers.unwrap_or(&none))
                    .cloned()
                    .collect::<Vec<_>>()
            }
            None => self
                .by_appellant
                .get(&r.appellant_id)
                .unwrap_or(&none)
                .clone(),
        };
        AppealToxicity::from_findings(found)
    }
}

/// When the bot stopped following the appellant, while it still does not.
fn stopped(ignored: Flag, at: Option<Millis>) -> Option<DateTime<Utc>> {
    at.filter(|_| ignored.0).map(|t| t.0)
}

impl From<AppealCaseRow> for ReadoutRow {
    fn from(r: AppealCaseRow) -> Self {
        Self {
            appellant_id: AppellantId(r.appellant_id),
            appeal_id: Some(AppealId(r.appeal_id)),
            subreddit: r.subreddit.0,
            username: r.username.0,
            group: r.grp.0,
            conversation_id: r.conversation_id.0,
            assigned_at: r.assigned_at.0,
            started_at: r.started_at.0,
            first_message_at: r.first_message_at.map(|t| t.0),
            link_sent_at: r.link_sent_at.map(|t| t.0),
            form_opened_at: r.opened_at.map(|t| t.0),
            submitted_at: r.submitted_at.map(|t| t.0),
            completed_at: r.completed_at.map(|t| t.0),
            decided_at: r.decided_at.map(|t| t.0),
            status: Some(r.status.0),
            outcome: CaseOutcome::of_appeal(r.status.0, r.outcome.map(|o| o.0)),
            reminders: r.reminders,
            toxicity: Toxicity::CLEAN,
            toxic_texts: Vec::new(),
            handed_over_at: r.handed_over_at.map(|t| t.0),
            stopped_at: stopped(r.ignored, r.ignored_at),
        }
    }
}

impl From<AppellantCaseRow> for ReadoutRow {
    fn from(r: AppellantCaseRow) -> Self {
        let outcome = CaseOutcome::of_appellant(r.still_banned.map(|f| f.0), r.ignored.0);
        let decided_at: Option<DateTime<Utc>> = match outcome {
            CaseOutcome::Granted => r.unbanned_at.map(|t| t.0),
            CaseOutcome::Denied => r.ignored_at.map(|t| t.0),
            CaseOutcome::Abandoned | CaseOutcome::Pending => None,
        };
        Self {
            appellant_id: AppellantId(r.appellant_id),
            appeal_id: None,
            subreddit: r.subreddit.0,
            username: r.username.0,
            group: r.grp.0,
            conversation_id: r.conversation_id.0,
            assigned_at: r.assigned_at.0,
            started_at: r.assigned_at.0,
            first_message_at: r.first_message_at.map(|t| t.0),
            link_sent_at: None,
            form_opened_at: None,
            submitted_at: None,
            completed_at: None,
            decided_at,
            status: None,
            outcome,
            reminders: 0,
            toxicity: Toxicity::CLEAN,
            toxic_texts: Vec::new(),
            handed_over_at: None,
            stopped_at: stopped(r.ignored, r.ignored_at),
        }
    }
}

/// One change of the treatment fraction, as the audit log recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct FractionChange {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub from: f64,
    pub to: f64,
}

/// The fractions a subreddit has had, oldest first: the one it began with, then each change.
#[derive(Debug, Clone, PartialEq)]
pub struct FractionHistory {
    pub first: f64,
    pub changes: Vec<FractionChange>,
}

impl FractionHistory {
    /// The periods of one fraction each, for the assignment audit.
    pub fn segments(&self) -> Vec<Segment> {
        let pairs: Vec<(DateTime<Utc>, f64)> = self.changes.iter().map(|c| (c.at, c.to)).collect();
        readout::segments(self.first, &pairs)
    }
}

/// A stored fraction of the audit log: `None` is "the configured default".
fn stored_fraction(v: Option<&str>, default: f64) -> Result<f64> {
    match v {
        None => Ok(default),
        Some(s) => s.parse().map_err(|_| {
            StoreError::Corrupt(format!(
                "audit_log holds a treatment fraction that is not a number: {s:?}"
            ))
        }),
    }
}

/// A raised split alarm: in the period from `period_from` (`None`: the first), `treatment`
/// of `appellants` were put in the treatment group where `fraction` was configured, with
/// the exact binomial test's `p_value` below `readout::SPLIT_ALARM_P`.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitAlarm {
    pub subreddit: SubredditName,
    pub period_from: Option<DateTime<Utc>>,
    pub fraction: f64,
    pub appellants: u64,
    pub treatment: u64,
    pub p_value: f64,
    pub raised_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SplitAlarmRow {
    subreddit: Text<SubredditName>,
    period_from: Option<Millis>,
    fraction: f64,
    appellants: i64,
    treatment: i64,
    p_value: f64,
    raised_at: Millis,
}

impl From<SplitAlarmRow> for SplitAlarm {
    fn from(r: SplitAlarmRow) -> Self {
        Self {
            subreddit: r.subreddit.0,
            period_from: r.period_from.map(|t| t.0),
            fraction: r.fraction,
            appellants: u64::try_from(r.appellants).unwrap_or(0),
            treatment: u64::try_from(r.treatment).unwrap_or(0),
            p_value: r.p_value,
            raised_at: r.raised_at.0,
        }
    }
}

#[derive(sqlx::FromRow)]
struct DrawRow {
    created_at: Millis,
    grp: Text<Group>,
}

impl Store {
    /// `name`'s fractions: the first (from the first change's old value, else its own
    /// setting, else `default`) and every change the console audited.
    pub async fn fraction_history(
        &self,
        name: &SubredditName,
        default: f64,
    ) -> Result<FractionHistory> {
        let mut changes = Vec::new();
        for e in self.fraction_changes(name).await? {
            changes.push(FractionChange {
                at: e.at,
                actor: e.actor,
                from: stored_fraction(e.change.old.as_deref(), default)?,
                to: stored_fraction(e.change.new.as_deref(), default)?,
            });
        }
        let first = match changes.first() {
            Some(c) => c.from,
            None => self
                .subreddit(name)
                .await?
                .and_then(|s| s.treatment_fraction)
                .unwrap_or(default),
        };
        Ok(FractionHistory { first, changes })
    }

    /// Every draw of `name`: when each appellant's group was drawn, and which.
    pub async fn assignment_draws(
        &self,
        name: &SubredditName,
    ) -> Result<Vec<(DateTime<Utc>, Group)>> {
        let rows = sqlx::query("SELECT created_at, grp FROM appellants WHERE subreddit = $1")
            .bind(name.key())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| read::<DrawRow>(r, "appellants").map(|d| (d.created_at.0, d.grp.0)))
            .collect()
    }

    /// The alarm raised for `name`, if any.
    pub async fn split_alarm(&self, name: &SubredditName) -> Result<Option<SplitAlarm>> {
        Ok(self.split_alarms_where(Some(name)).await?.pop())
    }

    /// Every raised alarm, by subreddit.
    pub async fn split_alarms(&self) -> Result<Vec<SplitAlarm>> {
        self.split_alarms_where(None).await
    }

    async fn split_alarms_where(&self, name: Option<&SubredditName>) -> Result<Vec<SplitAlarm>> {
        let rows = sqlx::query(
            "SELECT r.display_name AS subreddit, s.period_from, s.fraction, s.appellants, \
               s.treatment, s.p_value, s.raised_at \
             FROM split_alarms s JOIN subreddits r ON r.name = s.subreddit \
             WHERE ($1 IS NULL OR s.subreddit = $1) ORDER BY s.subreddit",
        )
        .bind(name.map(|n| n.key()))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| read::<SplitAlarmRow>(r, "split_alarms").map(SplitAlarm::from))
            .collect()
    }

    /// Records the alarm unless one is raised already for its subreddit. True when this
    /// call raised it: the caller tells the alerts channel then, and only then.
    pub async fn raise_split_alarm(&self, a: &SplitAlarm) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO split_alarms \
               (subreddit, period_from, fraction, appellants, treatment, p_value, raised_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (subreddit) DO NOTHING",
        )
        .bind(a.subreddit.key())
        .bind(a.period_from.map(Millis))
        .bind(a.fraction)
        .bind(i64::try_from(a.appellants).unwrap_or(i64::MAX))
        .bind(i64::try_from(a.treatment).unwrap_or(i64::MAX))
        .bind(a.p_value)
        .bind(Millis(a.raised_at))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The served subreddits whose split may have changed since `since`: a group drawn or
    /// the treatment fraction changed at or after it, or an alarm raised (it may have to
    /// be cleared). `None`: every served subreddit that has drawn anyone or has an alarm.
    /// One query: the split check no longer reads every served subreddit's draws each
    /// pass (at 50,000 subreddits, 150,000 queries a pass).
    ///
    /// A page at a time, in name order: at most `limit` after the key `after` (a first
    /// check at 50,000 subreddits need not hold every name at once).
    pub async fn split_check_candidates(
        &self,
        since: Option<DateTime<Utc>>,
        after: Option<&SubredditName>,
        limit: u32,
    ) -> Result<Vec<SubredditName>> {
        let since = since.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        let rows = sqlx::query(
            "SELECT r.display_name FROM subreddits r WHERE r.state IN ($1, $2) AND ( \
               EXISTS (SELECT 1 FROM split_alarms s WHERE s.subreddit = r.name) \
               OR EXISTS (SELECT 1 FROM appellants a \
                          WHERE a.subreddit = r.name AND a.created_at >= $3) \
               OR EXISTS (SELECT 1 FROM audit_log l \
                          WHERE l.subreddit = r.name AND l.field = $4 AND l.at >= $3)) \
               AND r.name > $5 \
             ORDER BY r.name LIMIT $6",
        )
        .bind(Text(crate::domain::SubredditState::Active))
        .bind(Text(crate::domain::SubredditState::Paused))
        .bind(Millis(since))
        .bind(super::FRACTION_FIELD)
        .bind(after.map(SubredditName::key).unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| get::<Text<SubredditName>>(r, "subreddits", "display_name").map(|n| n.0))
            .collect()
    }

    /// Clears `name`'s alarm. True when there was one: the caller says it cleared.
    pub async fn clear_split_alarm(&self, name: &SubredditName) -> Result<bool> {
        let done = sqlx::query("DELETE FROM split_alarms WHERE subreddit = $1")
            .bind(name.key())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_fractions_read_back_and_default_when_unset() {
        assert_eq!(stored_fraction(Some("0.8"), 0.5).ok(), Some(0.8));
        assert_eq!(stored_fraction(None, 0.25).ok(), Some(0.25));
        assert!(stored_fraction(Some("eighty"), 0.5).is_err());
    }
}
