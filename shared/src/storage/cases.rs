//! A subreddit's appeal list for the console: one line per appeal, and one per appellant
//! recorded without one (the control group; a moderator who stepped in first), filtered,
//! searched by username and sorted by waiting time or newest first.

use chrono::{DateTime, Utc};

use super::column::{Flag, Millis, StoredEnum, Text, read};
use super::{EffectKind, EffectState, Result, Store};
use crate::domain::{
    AppealId, AppealStatus, AppellantId, Case, CaseFacts, CaseOrder, CaseStatus, ConversationId,
    Group, Outcome, RedditUsername, SubredditName, UsernameSearch, case_status,
};

/// Which lines to show, and in which order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    pub group: Option<Group>,
    /// Only toxic (`Some(true)`) or only clean (`Some(false)`) ones.
    pub toxic: Option<bool>,
    /// Usernames containing this.
    pub user: Option<UsernameSearch>,
    pub order: CaseOrder,
}

/// The SQL form of [`case_status`]: the rows of one status. A test checks both agree.
pub(super) fn status_predicate(s: CaseStatus) -> String {
    let st = |a: AppealStatus| format!("'{}'", a.stored());
    let o = |x: Outcome| format!("'{}'", x.stored());
    let g = |x: Group| format!("'{}'", x.stored());
    let prompted = st(AppealStatus::Prompted);
    // Without an appeal: a ban check found the user unbanned, or not (NULL: not checked).
    let unbanned = "COALESCE(a.still_banned, 1) = 0";
    let banned = "COALESCE(a.still_banned, 1) = 1";
    match s {
        CaseStatus::Granted => format!(
            "p.outcome = {} OR (p.id IS NULL AND {unbanned})",
            o(Outcome::Granted)
        ),
        CaseStatus::Denied => format!(
            "p.outcome = {} OR (p.id IS NULL AND {banned} AND a.ignored = 1 AND a.grp = {})",
            o(Outcome::Denied),
            g(Group::Control)
        ),
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
            "a.ignored = 1 AND ((p.id IS NULL AND {banned} AND a.grp = {}) \
               OR (p.outcome IS NULL AND p.status = {prompted}))",
            g(Group::Treatment)
        ),
        CaseStatus::Reminded => format!(
            "a.ignored = 0 AND p.outcome IS NULL AND p.status = {prompted} AND p.reminders > 0"
        ),
        CaseStatus::Contacted => format!(
            "a.ignored = 0 AND p.outcome IS NULL AND p.status = {prompted} AND p.reminders = 0"
        ),
        CaseStatus::Recorded => format!("p.id IS NULL AND a.ignored = 0 AND {banned}"),
    }
}

// Appeals and appellants without one. The conversation of an appellant without an appeal is
// their first one.
const FROM: &str = "FROM appellants a LEFT JOIN appeals p ON p.appellant_id = a.id \
     LEFT JOIN form_submissions f ON f.appeal_id = p.id \
     LEFT JOIN appellant_conversations c ON c.conversation_id = COALESCE(p.conversation_id, \
       (SELECT c2.conversation_id FROM appellant_conversations c2 WHERE c2.appellant_id = a.id \
        ORDER BY c2.created_at, c2.conversation_id LIMIT 1))";

/// 1 when toxic language was found in what the line covers (as the readout counts it): an
/// appeal's conversation and answers; without an appeal, any message of the appellant.
const TOXIC: &str = "CAST(CASE WHEN p.id IS NULL THEN \
       CASE WHEN EXISTS (SELECT 1 FROM message_toxicity m \
         WHERE m.appellant_id = a.id AND m.toxic = 1) THEN 1 ELSE 0 END \
     WHEN EXISTS (SELECT 1 FROM message_toxicity m \
         WHERE m.conversation_id = p.conversation_id AND m.toxic = 1) \
       OR EXISTS (SELECT 1 FROM answer_toxicity t WHERE t.appeal_id = p.id AND t.toxic = 1) \
     THEN 1 ELSE 0 END AS BIGINT)";

/// When the outcome was recorded; without an appeal, when the user was seen unbanned or, a
/// control appellant, stopped being followed (as the readout dates it).
const DECIDED: &str = "CASE WHEN p.id IS NOT NULL THEN p.decided_at \
     WHEN COALESCE(a.still_banned, 1) = 0 THEN a.unbanned_at \
     WHEN a.ignored = 1 AND a.grp = $6 THEN a.ignored_at END";

/// When the bot's first message (with the link) was on Reddit: its first done reply, as the
/// readout times it.
fn link_sent() -> String {
    format!(
        "(SELECT MIN(j.updated_at) FROM journal j WHERE j.appeal_id = p.id \
           AND j.kind = '{}' AND j.state = '{}')",
        EffectKind::Reply.stored(),
        EffectState::Done.stored()
    )
}

/// The `ORDER BY` of each order; ties go to the later row.
fn order_by(order: CaseOrder) -> String {
    let newest = "COALESCE(p.created_at, a.created_at) DESC, a.id DESC, p.id DESC";
    match order {
        CaseOrder::Newest => newest.to_owned(),
        CaseOrder::Waiting => {
            let waiting = status_predicate(CaseStatus::Completed);
            format!(
                "CASE WHEN {waiting} THEN 0 ELSE 1 END, \
                 CASE WHEN {waiting} THEN COALESCE(p.completed_at, p.created_at) END, {newest}"
            )
        }
    }
}

/// `%text%` for `LIKE … ESCAPE '\'`, with the pattern characters in `text` escaped.
fn contains_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    appellant_id: i64,
    username: Text<RedditUsername>,
    grp: Text<Group>,
    ignored: Flag,
    still_banned: Option<Flag>,
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
    decided_at: Option<Millis>,
    toxic: Flag,
}

impl From<CaseRow> for Case {
    fn from(r: CaseRow) -> Self {
        let appeal = match (r.appeal_id, r.status) {
            (Some(_), Some(s)) => Some((s.0, r.reminders.unwrap_or(0), r.outcome.map(|o| o.0))),
            _ => None,
        };
        Self {
            appellant_id: AppellantId(r.appellant_id),
            appeal_id: r.appeal_id.map(AppealId),
            username: r.username.0,
            group: r.grp.0,
            status: case_status(CaseFacts {
                group: r.grp.0,
                ignored: r.ignored.0,
                unbanned: r.still_banned.is_some_and(|b| !b.0),
                appeal,
            }),
            conversation_id: r.conversation_id.map(|c| c.0),
            first_seen: r.first_seen.0,
            link_sent: r.link_sent.map(|t| t.0),
            opened: r.opened_at.map(|t| t.0),
            submitted: r.submitted_at.map(|t| t.0),
            completed: r.completed_at.map(|t| t.0),
            decided: r.decided_at.map(|t| t.0),
            reminders: r.reminders.unwrap_or(0),
            toxic: r.toxic.0,
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
    /// The lines of `sub` matching `filter`, in its order, `limit` from `offset`.
    pub async fn cases(
        &self,
        sub: &SubredditName,
        filter: &CaseFilter,
        limit: u32,
        offset: u64,
    ) -> Result<CasePage> {
        // Every condition is always there, switched off by a NULL: one shape of the query.
        let mut wheres = vec![
            "a.subreddit = $1".to_owned(),
            "($2 IS NULL OR a.grp = $2)".to_owned(),
            format!("($3 IS NULL OR {TOXIC} = $3)"),
            "($4 IS NULL OR a.username LIKE $4 ESCAPE '\\')".to_owned(),
        ];
        if let Some(s) = filter.status {
            wheres.push(format!("({})", status_predicate(s)));
        }
        let where_clause = wheres.join(" AND ");
        let group = filter.group.map(Text);
        let toxic = filter.toxic.map(Flag);
        let user = filter.user.as_ref().map(|u| contains_pattern(u.as_str()));
        let total_row = sqlx::query(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n {FROM} WHERE {where_clause}"
        ))
        .bind(sub.key())
        .bind(group.clone())
        .bind(toxic)
        .bind(user.clone())
        .fetch_one(self.pool())
        .await?;
        let total: i64 = super::column::get(&total_row, "appeals", "n")?;
        let rows = sqlx::query(&format!(
            "SELECT a.id AS appellant_id, a.display_name AS username, a.grp, a.ignored, \
               a.still_banned, p.id AS appeal_id, p.status, p.reminders, p.outcome, \
               c.conversation_id, COALESCE(c.created_at, a.created_at) AS first_seen, \
               {LINK_SENT} AS link_sent, p.opened_at, f.submitted_at, p.completed_at, \
               {DECIDED} AS decided_at, {TOXIC} AS toxic \
             {FROM} WHERE {where_clause} ORDER BY {} LIMIT $5 OFFSET $7",
            order_by(filter.order),
            LINK_SENT = link_sent(),
        ))
        .bind(sub.key())
        .bind(group)
        .bind(toxic)
        .bind(user)
        .bind(i64::from(limit))
        .bind(Text(Group::Control))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_matches_its_text_anywhere_and_nothing_else() {
        assert_eq!(contains_pattern("a_b"), "%a\\_b%");
        assert_eq!(contains_pattern("x%\\"), "%x\\%\\\\%");
    }
}
