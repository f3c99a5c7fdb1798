//! Appellants (one per user and subreddit) and the conversations they wrote.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

use super::column::{Flag, Millis, Text, get, read, stored_enum};
use super::{Result, Store, StoreError, Tx};
use crate::domain::{AppellantId, ConversationId, Group, RedditUsername, SubredditName};

// The stored spelling belongs to storage, not to the domain's `Group::as_str` (logs), so
// that renaming one can never silently change the other.
stored_enum!(Group {
    Treatment => "treatment",
    Control => "control",
});

#[derive(Debug, Clone, PartialEq)]
pub struct Appellant {
    pub id: AppellantId,
    pub subreddit: SubredditName,
    pub username: RedditUsername,
    pub group: Group,
    /// No longer followed (a moderator stepped in, or nothing changed for `update_cutoff`).
    pub ignored: bool,
    pub user_deleted: bool,
    /// `None` until the first ban check; `Some(false)` = unbanned (appeal granted).
    pub still_banned: Option<bool>,
    /// Last change seen in the appellant's conversations, mod actions included.
    pub last_update: Option<DateTime<Utc>>,
    pub next_ban_check_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What `record_contact` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub appellant: Appellant,
    /// The appellant was created now (the group was drawn now).
    pub new_appellant: bool,
    /// This conversation id was added to the appellant now.
    pub new_conversation: bool,
}

/// A change to an appellant's status; `None` fields stay as they are.
/// What the bot had seen of a followed conversation when it last read it or wrote to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    /// Reddit's `lastUpdated`.
    pub update: Option<DateTime<Utc>>,
    /// Reddit's `numMessages`; `None` until first known.
    pub messages: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusUpdate {
    pub ignored: Option<bool>,
    pub user_deleted: Option<bool>,
    pub still_banned: Option<bool>,
    pub last_update: Option<DateTime<Utc>>,
    pub next_ban_check_at: Option<DateTime<Utc>>,
}

// Joined columns are aliased so that every column of the row has its own name.
const COLUMNS: &str = "a.id, r.display_name AS subreddit, a.display_name AS username, a.grp, a.ignored, \
     a.user_deleted, a.still_banned, a.last_update, a.next_ban_check_at, a.created_at";

fn select(where_clause: &str) -> String {
    format!(
        "SELECT {COLUMNS} FROM appellants a JOIN subreddits r ON r.name = a.subreddit {where_clause}"
    )
}

/// One row of [`select`], read by column name.
#[derive(sqlx::FromRow)]
struct AppellantRow {
    id: i64,
    subreddit: Text<SubredditName>,
    username: Text<RedditUsername>,
    grp: Text<Group>,
    ignored: Flag,
    user_deleted: Flag,
    still_banned: Option<Flag>,
    last_update: Option<Millis>,
    next_ban_check_at: Option<Millis>,
    created_at: Millis,
}

impl From<AppellantRow> for Appellant {
    fn from(r: AppellantRow) -> Self {
        Self {
            id: AppellantId(r.id),
            subreddit: r.subreddit.0,
            username: r.username.0,
            group: r.grp.0,
            ignored: r.ignored.0,
            user_deleted: r.user_deleted.0,
            still_banned: r.still_banned.map(|f| f.0),
            last_update: r.last_update.map(|t| t.0),
            next_ban_check_at: r.next_ban_check_at.map(|t| t.0),
            created_at: r.created_at.0,
        }
    }
}

fn appellant_from_row(row: &AnyRow) -> Result<Appellant> {
    read::<AppellantRow>(row, "appellants").map(Appellant::from)
}

/// A row of `conversations_to_visit`.
#[derive(sqlx::FromRow)]
struct VisitRow {
    conversation_id: Text<ConversationId>,
    appellant_id: i64,
}

impl Store {
    pub async fn appellant(
        &self,
        sub: &SubredditName,
        user: &RedditUsername,
    ) -> Result<Option<Appellant>> {
        let row = sqlx::query(&select("WHERE a.subreddit = $1 AND a.username = $2"))
            .bind(sub.key())
            .bind(user.key())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(appellant_from_row).transpose()
    }

    pub async fn appellant_by_id(&self, id: AppellantId) -> Result<Option<Appellant>> {
        let row = sqlx::query(&select("WHERE a.id = $1"))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(appellant_from_row).transpose()
    }

    pub async fn appellant_for_conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<Appellant>> {
        let row = sqlx::query(&select(
            "JOIN appellant_conversations c ON c.appellant_id = a.id WHERE c.conversation_id = $1",
        ))
        .bind(id.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(appellant_from_row).transpose()
    }

    /// Records that `user` wrote in `conversation`. A new appellant gets the group `draw()`
    /// returns — called only when the appellant does not exist yet, so the group is drawn
    /// once per (user, subreddit); a returning appellant keeps theirs and gains the
    /// conversation id.
    pub async fn record_contact(
        &self,
        sub: &SubredditName,
        user: &RedditUsername,
        conversation: &ConversationId,
        draw: impl FnOnce() -> Group,
        now: DateTime<Utc>,
    ) -> Result<Contact> {
        let existing = self.appellant(sub, user).await?;
        let mut tx = self.begin().await?;
        let new_appellant = if existing.is_none() {
            let group = draw();
            let done = sqlx::query(
                "INSERT INTO appellants (subreddit, username, display_name, grp, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (subreddit, username) DO NOTHING",
            )
            .bind(sub.key())
            .bind(user.key())
            .bind(user.as_str())
            .bind(Text(group))
            .bind(Millis(now))
            .execute(tx.conn())
            .await?;
            done.rows_affected() == 1
        } else {
            false
        };
        let row = sqlx::query("SELECT id FROM appellants WHERE subreddit = $1 AND username = $2")
            .bind(sub.key())
            .bind(user.key())
            .fetch_one(tx.conn())
            .await?;
        let id: i64 = get(&row, "appellants", "id")?;
        let added = sqlx::query(
            "INSERT INTO appellant_conversations (conversation_id, appellant_id, needs_visit, created_at) \
             VALUES ($1, $2, 1, $3) ON CONFLICT (conversation_id) DO NOTHING",
        )
        .bind(conversation.as_str())
        .bind(id)
        .bind(Millis(now))
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        let appellant = self
            .appellant_by_id(AppellantId(id))
            .await?
            .ok_or_else(|| StoreError::corrupt(format!("appellant {id} vanished")))?;
        Ok(Contact {
            appellant,
            new_appellant,
            new_conversation: added.rows_affected() == 1,
        })
    }

    pub async fn conversations_of(&self, id: AppellantId) -> Result<Vec<ConversationId>> {
        let rows = sqlx::query(
            "SELECT conversation_id FROM appellant_conversations WHERE appellant_id = $1 ORDER BY created_at, conversation_id",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                get::<Text<ConversationId>>(r, "appellant_conversations", "conversation_id")
                    .map(|c| c.0)
            })
            .collect()
    }

    /// Is the conversation flagged for a visit (changed since the bot last looked)?
    pub async fn conversation_needs_visit(&self, id: &ConversationId) -> Result<bool> {
        let row = sqlx::query(
            "SELECT needs_visit FROM appellant_conversations WHERE conversation_id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(r) => get::<Flag>(&r, "appellant_conversations", "needs_visit")?.0,
            None => true,
        })
    }

    /// Is this conversation one the bot follows, and what `lastUpdated` did it last process?
    /// `None` = not tracked.
    pub async fn tracked_conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<Option<DateTime<Utc>>>> {
        let row = sqlx::query(
            "SELECT last_seen_update FROM appellant_conversations WHERE conversation_id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            get::<Option<Millis>>(&r, "appellant_conversations", "last_seen_update")
                .map(|t| t.map(|t| t.0))
        })
        .transpose()
    }

    /// The modmail list shows `conversation` changed at `last_updated`: flag it for a visit
    /// if that is newer than what was processed. Returns true when it was flagged.
    pub async fn note_conversation_update(
        &self,
        id: &ConversationId,
        last_updated: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE appellant_conversations SET needs_visit = 1 \
             WHERE conversation_id = $1 AND needs_visit = 0 \
               AND (last_seen_update IS NULL OR last_seen_update < $2)",
        )
        .bind(id.as_str())
        .bind(Millis(last_updated))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Conversations flagged for a visit whose appellant is still in play (not ignored, not
    /// deleted), oldest flag first. Control conversations too: the dialogue never writes
    /// there, but a moderator's command or hand unban in one is found by reading it.
    pub async fn conversations_to_visit(
        &self,
        limit: u32,
    ) -> Result<Vec<(ConversationId, AppellantId)>> {
        self.conversations_to_visit_in(super::AccountFilter::Any, limit)
            .await
    }

    /// [`Store::conversations_to_visit`] in the subreddits one bot account serves.
    pub async fn conversations_to_visit_in(
        &self,
        account: super::AccountFilter<'_>,
        limit: u32,
    ) -> Result<Vec<(ConversationId, AppellantId)>> {
        let rows = sqlx::query(
            "SELECT c.conversation_id, c.appellant_id FROM appellant_conversations c \
             JOIN appellants a ON a.id = c.appellant_id JOIN subreddits r ON r.name = a.subreddit \
             WHERE c.needs_visit = 1 AND a.ignored = 0 AND a.user_deleted = 0 \
               AND ($2 = '*' OR r.bot_account = $2) \
             ORDER BY c.created_at, c.conversation_id LIMIT $1",
        )
        .bind(i64::from(limit))
        .bind(account.bound())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let v: VisitRow = read(r, "appellant_conversations")?;
                Ok((v.conversation_id.0, AppellantId(v.appellant_id)))
            })
            .collect()
    }

    /// The conversation was processed as it stood at `last_updated` (Reddit's `numMessages`
    /// then: `messages`, when known). The one "visited" write, the same inside a decision's
    /// transaction ([`Tx::mark_conversation_visited`]) and outside it (debug mode): it never
    /// moves the seen time backwards, so a late or repeated visit cannot undo a newer one.
    pub async fn mark_conversation_visited(
        &self,
        id: &ConversationId,
        last_updated: DateTime<Utc>,
        messages: Option<i64>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.mark_conversation_visited(id, last_updated, messages)
            .await?;
        tx.commit().await
    }

    /// The bot's own message moved the conversation's `lastUpdated` (and its number of
    /// messages, `numMessages` of Reddit's answer): remember that, so the next modmail list
    /// does not flag the conversation for a visit it does not need. Never clears a pending
    /// visit.
    pub async fn advance_seen(
        &self,
        id: &ConversationId,
        last_updated: DateTime<Utc>,
        messages: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE appellant_conversations SET last_seen_update = $2, seen_messages = $3 \
             WHERE conversation_id = $1 AND (last_seen_update IS NULL OR last_seen_update < $2)",
        )
        .bind(id.as_str())
        .bind(Millis(last_updated))
        .bind(messages)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// What the bot had seen of a followed conversation at its last look; `None` = not
    /// followed.
    pub async fn seen_of(&self, id: &ConversationId) -> Result<Option<Seen>> {
        let row = sqlx::query(
            "SELECT last_seen_update, seen_messages FROM appellant_conversations \
             WHERE conversation_id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(Seen {
                update: get::<Option<Millis>>(&r, "appellant_conversations", "last_seen_update")?
                    .map(|t| t.0),
                messages: get::<Option<i64>>(&r, "appellant_conversations", "seen_messages")?,
            })
        })
        .transpose()
    }

    pub async fn update_appellant(
        &self,
        id: AppellantId,
        u: &StatusUpdate,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.update_appellant(id, u, now).await?;
        tx.commit().await
    }

    /// Appellants (any group, not deleted, not ignored) whose ban check is due, soonest first.
    pub async fn due_ban_checks(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Appellant>> {
        self.due_ban_checks_in(super::AccountFilter::Any, now, limit)
            .await
    }

    /// [`Store::due_ban_checks`] in the subreddits one bot account serves.
    pub async fn due_ban_checks_in(
        &self,
        account: super::AccountFilter<'_>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Appellant>> {
        let rows = sqlx::query(&select(
            "WHERE a.user_deleted = 0 AND a.ignored = 0 AND (a.next_ban_check_at IS NULL OR a.next_ban_check_at <= $1) \
               AND ($3 = '*' OR r.bot_account = $3) \
             ORDER BY a.next_ban_check_at, a.id LIMIT $2",
        ))
        .bind(Millis(now))
        .bind(i64::from(limit))
        .bind(account.bound())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(appellant_from_row).collect()
    }

    /// In-play appellants whose last change is older than `before`, at most `limit`; each
    /// is then retired with [`Tx::retire_appellant`].
    pub async fn stale_appellants(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Appellant>> {
        let rows = sqlx::query(&select(
            "WHERE a.ignored = 0 AND a.user_deleted = 0 AND COALESCE(a.last_update, a.created_at) < $1 \
             ORDER BY a.id LIMIT $2",
        ))
        .bind(Millis(before))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(appellant_from_row).collect()
    }

    /// Appellants by group, for the experiment's figures.
    pub async fn appellants(&self, group: Option<Group>) -> Result<Vec<Appellant>> {
        let rows = match group {
            Some(g) => {
                sqlx::query(&select("WHERE a.grp = $1 ORDER BY a.id"))
                    .bind(Text(g))
                    .fetch_all(self.pool())
                    .await?
            }
            None => {
                sqlx::query(&select("ORDER BY a.id"))
                    .fetch_all(self.pool())
                    .await?
            }
        };
        rows.iter().map(appellant_from_row).collect()
    }
}

impl Tx {
    /// Stops following an appellant that is still stale (no change since `before`). False
    /// when something changed since it was listed, or another runner retired it first: the
    /// caller then commits nothing else.
    pub async fn retire_appellant(
        &mut self,
        id: AppellantId,
        before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE appellants SET ignored = 1, ignored_at = $3, updated_at = $3 \
             WHERE id = $1 AND ignored = 0 AND user_deleted = 0 AND COALESCE(last_update, created_at) < $2",
        )
        .bind(id.0)
        .bind(Millis(before))
        .bind(Millis(now))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// [`Store::mark_conversation_visited`] inside the transaction that records what
    /// the visit decided, so a crash can never leave a decision without its "visited" mark.
    /// `messages`: Reddit's `numMessages` as read, when known (kept with the newest
    /// `lastUpdated`).
    pub async fn mark_conversation_visited(
        &mut self,
        id: &ConversationId,
        last_updated: DateTime<Utc>,
        messages: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE appellant_conversations SET needs_visit = 0, \
               seen_messages = CASE WHEN last_seen_update IS NULL OR last_seen_update <= $2 THEN $3 ELSE seen_messages END, \
               last_seen_update = CASE WHEN last_seen_update IS NULL OR last_seen_update < $2 THEN $2 ELSE last_seen_update END \
             WHERE conversation_id = $1",
        )
        .bind(id.as_str())
        .bind(Millis(last_updated))
        .bind(messages)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn update_appellant(
        &mut self,
        id: AppellantId,
        u: &StatusUpdate,
        now: DateTime<Utc>,
    ) -> Result<()> {
        // COALESCE keeps a column when its update is NULL (= "leave as is"). The first time
        // an appellant is seen unbanned, or stops being followed, is kept for the readout.
        sqlx::query(
            "UPDATE appellants SET \
               ignored = COALESCE($2, ignored), user_deleted = COALESCE($3, user_deleted), \
               still_banned = COALESCE($4, still_banned), \
               unbanned_at = CASE WHEN $4 = 0 THEN COALESCE(unbanned_at, $7) ELSE unbanned_at END, \
               ignored_at = CASE WHEN $2 = 1 THEN COALESCE(ignored_at, $7) ELSE ignored_at END, \
               last_update = CASE WHEN $5 IS NULL THEN last_update \
                                  WHEN last_update IS NULL OR last_update < $5 THEN $5 ELSE last_update END, \
               next_ban_check_at = COALESCE($6, next_ban_check_at), updated_at = $7 \
             WHERE id = $1",
        )
        .bind(id.0)
        .bind(u.ignored.map(Flag))
        .bind(u.user_deleted.map(Flag))
        .bind(u.still_banned.map(Flag))
        .bind(u.last_update.map(Millis))
        .bind(u.next_ban_check_at.map(Millis))
        .bind(Millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
