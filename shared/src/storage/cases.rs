//! A subreddit's appeal list for the console: one line per appeal, and one per appellant
//! recorded without an appeal (the control group; a moderator who stepped in first).

use chrono::{DateTime, Utc};

use super::column::{Flag, Millis, StoredEnum, Text, read};
use super::{Result, Store};
use crate::domain::{
    AppealStatus, Case, CaseFacts, CaseStatus, ConversationId, Group, Outcome, RedditUsername,
    SubredditName, case_status,
};

/// Which lines to show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    pub group: Option<Group>,
}

/// The SQL form of [`case_status`]: the rows of one status. A test checks both agree.
fn status_predicate(s: CaseStatus) -> String {
    let st = |a: AppealStatus| format!("'{}'", a.stored());
    let o = |x: Outcome| format!("'{}'", x.stored());
    let prompted = st(AppealStatus::Prompted);
    match s {
        CaseStatus::Granted => format!("p.outcome = {}", o(Outcome::Granted)),
        CaseStatus::Denied => format!("p.outcome = {}", o(Outcome::Denied)),
        CaseStatus::Completed => format!(
            "p.outcome IS NULL AND p.status = {}",
            st(AppealStatus::Completed)
        ),
        CaseStatus::Submitted => format!(
            "p.outcome IS NULL AND p.status = {}",
            st(AppealStatus::Submitted)
        ),
        CaseStatus::Abandoned => format!(
            "p.outcome IS NULL AND p.status = {}",
            st(AppealStatus::Abandoned)
        ),
        CaseStatus::Ignored => format!(
            "a.ignored = 1 AND (p.id IS NULL OR (p.outcome IS NULL AND p.status = {prompted}))"
        ),
        CaseStatus::Reminded => format!(
            "a.ignored = 0 AND p.outcome IS NULL AND p.status = {prompted} AND p.reminders > 0"
        ),
        CaseStatus::Contacted => format!(
            "a.ignored = 0 AND p.outcome IS NULL AND p.status = {prompted} AND p.reminders = 0"
        ),
        CaseStatus::Recorded => "p.id IS NULL AND a.ignored = 0".to_owned(),
    }
}

// Appeals and appellants without one, newest first. The conversation of an appellant without
// an appeal is their first one.
const FROM: &str = "FROM appellants a LEFT JOIN appeals p ON p.appellant_id = a.id \
     LEFT JOIN form_submissions f ON f.appeal_id = p.id \
     LEFT JOIN appellant_conversations c ON c.conversation_id = COALESCE(p.conversation_id, \
       (SELECT c2.conversation_id FROM appellant_conversations c2 WHERE c2.appellant_id = a.id \
        ORDER BY c2.created_at, c2.conversation_id LIMIT 1))";

#[derive(sqlx::FromRow)]
struct CaseRow {
    username: Text<RedditUsername>,
    grp: Text<Group>,
    ignored: Flag,
    appeal_id: Option<i64>,
    status: Option<Text<AppealStatus>>,
    reminders: Option<i64>,
    outcome: Option<Text<Outcome>>,
    conversation_id: Option<Text<ConversationId>>,
    first_seen: Millis,
    link_sent: Option<Millis>,
    opened_at: Option<Millis>,
    submitted_at: Option<Millis>,
    completed_at: Option<Millis>,
}

impl From<CaseRow> for Case {
    fn from(r: CaseRow) -> Self {
        let appeal = match (r.appeal_id, r.status) {
            (Some(_), Some(s)) => Some((s.0, r.reminders.unwrap_or(0), r.outcome.map(|o| o.0))),
            _ => None,
        };
        Self {
            username: r.username.0,
            group: r.grp.0,
            status: case_status(CaseFacts {
                ignored: r.ignored.0,
                appeal,
            }),
            conversation_id: r.conversation_id.map(|c| c.0),
            first_seen: r.first_seen.0,
            link_sent: r.link_sent.map(|t| t.0),
            opened: r.opened_at.map(|t| t.0),
            submitted: r.submitted_at.map(|t| t.0),
            completed: r.completed_at.map(|t| t.0),
            reminders: r.reminders.unwrap_or(0),
        }
    }
}

/// One page of the list, and how many lines match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct CasePage {
    pub cases: Vec<Case>,
    pub total: i64,
}

impl Store {
    /// The lines of `sub` matching `filter`, newest first, `limit` from `offset`.
    pub async fn cases(
        &self,
        sub: &SubredditName,
        filter: CaseFilter,
        limit: u32,
        offset: u64,
    ) -> Result<CasePage> {
        let mut wheres = vec!["a.subreddit = $1".to_owned()];
        if let Some(s) = filter.status {
            wheres.push(format!("({})", status_predicate(s)));
        }
        if filter.group.is_some() {
            wheres.push("a.grp = $2".to_owned());
        } else {
            // Keeps the placeholder numbering the same for both shapes of the query.
            wheres.push("$2 = $2".to_owned());
        }
        let where_clause = wheres.join(" AND ");
        let group = filter.group.unwrap_or(Group::Treatment);
        let total_row = sqlx::query(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n {FROM} WHERE {where_clause}"
        ))
        .bind(sub.key())
        .bind(Text(group))
        .fetch_one(self.pool())
        .await?;
        let total: i64 = super::column::get(&total_row, "appeals", "n")?;
        let rows = sqlx::query(&format!(
            "SELECT a.display_name AS username, a.grp, a.ignored, p.id AS appeal_id, p.status, \
               p.reminders, p.outcome, c.conversation_id, \
               COALESCE(c.created_at, a.created_at) AS first_seen, p.created_at AS link_sent, \
               p.opened_at, f.submitted_at, p.completed_at \
             {FROM} WHERE {where_clause} \
             ORDER BY COALESCE(p.created_at, a.created_at) DESC, a.id DESC, p.id DESC \
             LIMIT $3 OFFSET $4"
        ))
        .bind(sub.key())
        .bind(Text(group))
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        let cases = rows
            .iter()
            .map(|r| read::<CaseRow>(r, "appeals").map(Case::from))
            .collect::<Result<Vec<_>>>()?;
        Ok(CasePage { cases, total })
    }

    /// How many new conversations were left alone while `sub` was paused, since `since`.
    pub async fn left_alone_count(
        &self,
        sub: &SubredditName,
        since: Option<DateTime<Utc>>,
    ) -> Result<i64> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM left_alone WHERE subreddit = $1 AND at >= $2",
        )
        .bind(sub.key())
        .bind(Millis(since.unwrap_or(DateTime::<Utc>::UNIX_EPOCH)))
        .fetch_one(self.pool())
        .await?;
        super::column::get(&row, "left_alone", "n")
    }
}
