//! What happened lately, for the console's live view: events derived from the times the
//! bot and the site already store (an appellant's first contact, a repeat appeal, the
//! journal's sent messages, the submitted form, completion, a lifted ban). Nothing is
//! written for the live view; the runners are other processes, so the database is the one
//! place where their work shows up.

use chrono::{DateTime, Utc};

use super::column::{Millis, Text, read, stored_enum};
use super::{EffectKind, EffectState, Result, StepKind, Store};
use crate::domain::{ConversationId, Group, Outcome, RedditUsername, SubredditName};

/// What kind of thing happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// An appellant wrote for the first time (either group), or again after a new ban.
    NewAppeal,
    /// The bot's message with the personal link is on Reddit.
    LinkSent,
    /// A reminder is on Reddit.
    Reminder,
    /// The form was submitted.
    Submitted,
    /// The moderators' note is on Reddit: the appeal is back in their inbox.
    Completed,
    /// The ban was lifted.
    Granted,
}

// Only the SQL below writes these (as literals); the list keeps reading them back checked.
stored_enum!(ActivityKind {
    NewAppeal => "new_appeal",
    LinkSent => "link_sent",
    Reminder => "reminder",
    Submitted => "submitted",
    Completed => "completed",
    Granted => "granted",
});

impl ActivityKind {
    /// The spelling used in the SQL and in the live view's CSS classes.
    pub fn as_str(self) -> &'static str {
        use super::column::StoredEnum as _;
        self.stored()
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub at: DateTime<Utc>,
    pub kind: ActivityKind,
    pub subreddit: SubredditName,
    pub username: RedditUsername,
    pub group: Group,
    /// The modmail conversation it happened in (`None` only for an appellant whose
    /// conversation row is missing).
    pub conversation_id: Option<ConversationId>,
}

/// A cheap fingerprint of the tables the live view reads: equal stamps mean nothing it
/// shows changed (short of a write that moves no count and no time forward, which the
/// live view's periodic full refresh catches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct ChangeStamp {
    pub appellants: i64,
    pub appellants_at: i64,
    pub appeals: i64,
    pub appeals_at: i64,
    pub journal_done: i64,
    pub journal_at: i64,
    pub forms: i64,
}

#[derive(sqlx::FromRow)]
struct ActivityRow {
    kind: Text<ActivityKind>,
    at: Millis,
    subreddit: Text<SubredditName>,
    username: Text<RedditUsername>,
    grp: Text<Group>,
    conversation_id: Option<Text<ConversationId>>,
}

/// The events, newest first. `$1` reply, `$2` done, `$3` the reminder step, `$4` granted,
/// `$5` the limit, `$6` the decision step (a moderator's decision's reply carries no link:
/// on a control appeal it is the only reply); `{sub}` limits `a.subreddit`.
fn activity_sql(sub: &str) -> String {
    let who = "r.display_name AS subreddit, a.display_name AS username, a.grp";
    let from_appeals = "FROM appeals p JOIN appellants a ON a.id = p.appellant_id \
                        JOIN subreddits r ON r.name = a.subreddit";
    format!(
        "SELECT kind, at, subreddit, username, grp, conversation_id FROM ( \
           SELECT 'new_appeal' AS kind, a.created_at AS at, {who}, \
             (SELECT c.conversation_id FROM appellant_conversations c WHERE c.appellant_id = a.id \
               ORDER BY c.created_at, c.conversation_id LIMIT 1) AS conversation_id \
           FROM appellants a JOIN subreddits r ON r.name = a.subreddit WHERE {sub} \
         UNION ALL \
           SELECT 'new_appeal', p.created_at, {who}, p.conversation_id {from_appeals} \
           WHERE {sub} AND EXISTS (SELECT 1 FROM appeals q \
             WHERE q.appellant_id = p.appellant_id AND q.id < p.id) \
         UNION ALL \
           SELECT 'link_sent', (SELECT MIN(j.updated_at) FROM journal j \
             WHERE j.appeal_id = p.id AND j.kind = $1 AND j.state = $2 \
               AND (j.step IS NULL OR j.step <> $6)), \
             {who}, p.conversation_id {from_appeals} WHERE {sub} \
         UNION ALL \
           SELECT 'reminder', j.updated_at, {who}, p.conversation_id \
           FROM journal j JOIN appeals p ON p.id = j.appeal_id \
           JOIN appellants a ON a.id = p.appellant_id JOIN subreddits r ON r.name = a.subreddit \
           WHERE {sub} AND j.kind = $1 AND j.state = $2 AND j.step = $3 \
         UNION ALL \
           SELECT 'submitted', s.submitted_at, {who}, p.conversation_id \
           FROM form_submissions s JOIN appeals p ON p.id = s.appeal_id \
           JOIN appellants a ON a.id = p.appellant_id JOIN subreddits r ON r.name = a.subreddit \
           WHERE {sub} \
         UNION ALL \
           SELECT 'completed', p.completed_at, {who}, p.conversation_id {from_appeals} \
           WHERE {sub} \
         UNION ALL \
           SELECT 'granted', p.decided_at, {who}, p.conversation_id {from_appeals} \
           WHERE {sub} AND p.outcome = $4 \
         UNION ALL \
           SELECT 'granted', a.unbanned_at, {who}, \
             (SELECT c.conversation_id FROM appellant_conversations c WHERE c.appellant_id = a.id \
               ORDER BY c.created_at, c.conversation_id LIMIT 1) \
           FROM appellants a JOIN subreddits r ON r.name = a.subreddit \
           WHERE {sub} AND a.still_banned = 0 \
             AND NOT EXISTS (SELECT 1 FROM appeals q WHERE q.appellant_id = a.id) \
         ) e WHERE at IS NOT NULL \
         ORDER BY at DESC, kind, subreddit, username LIMIT $5"
    )
}

/// `a.subreddit IN ($6, $7, …)` for `n` subreddits.
fn subreddit_condition(n: usize) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("${}", i + 7)).collect();
    format!("a.subreddit IN ({})", list.join(", "))
}

impl Store {
    /// The `limit` latest events of `subreddits` (`None`: every subreddit), newest first.
    pub async fn recent_activity(
        &self,
        subreddits: Option<&[SubredditName]>,
        limit: u32,
    ) -> Result<Vec<Activity>> {
        let sub = match subreddits {
            None => "1 = 1".to_owned(),
            Some([]) => return Ok(Vec::new()),
            Some(list) => subreddit_condition(list.len()),
        };
        let sql = activity_sql(&sub);
        let mut q = sqlx::query(&sql)
            .bind(Text(EffectKind::Reply))
            .bind(Text(EffectState::Done))
            .bind(Text(StepKind::Remind))
            .bind(Text(Outcome::Granted))
            .bind(i64::from(limit))
            .bind(Text(StepKind::Decision));
        for s in subreddits.unwrap_or_default() {
            q = q.bind(s.key());
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                let row: ActivityRow = read(r, "activity")?;
                Ok(Activity {
                    at: row.at.0,
                    kind: row.kind.0,
                    subreddit: row.subreddit.0,
                    username: row.username.0,
                    group: row.grp.0,
                    conversation_id: row.conversation_id.map(|c| c.0),
                })
            })
            .collect()
    }

    /// The fingerprint the live view polls before it reads anything heavier.
    pub async fn change_stamp(&self) -> Result<ChangeStamp> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM appellants) AS appellants, \
               (SELECT COALESCE(MAX(updated_at), 0) FROM appellants) AS appellants_at, \
               (SELECT COUNT(*) FROM appeals) AS appeals, \
               (SELECT COALESCE(MAX(updated_at), 0) FROM appeals) AS appeals_at, \
               (SELECT COUNT(*) FROM journal WHERE state = $1) AS journal_done, \
               (SELECT COALESCE(MAX(updated_at), 0) FROM journal) AS journal_at, \
               (SELECT COUNT(*) FROM form_submissions) AS forms",
        )
        .bind(Text(EffectState::Done))
        .fetch_one(self.pool())
        .await?;
        read(&row, "change_stamp")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subreddit_list_takes_the_placeholders_after_the_fixed_six() {
        assert_eq!(subreddit_condition(1), "a.subreddit IN ($7)");
        assert_eq!(subreddit_condition(3), "a.subreddit IN ($7, $8, $9)");
        assert!(activity_sql("1 = 1").contains("LIMIT $5"));
    }
}
