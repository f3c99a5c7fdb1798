//! What the bot records about appellants and their appeals, as the decision core sees it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ConversationId, RedditUsername, SubredditName};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct AppellantId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct AppealId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealStatus {
    /// The form link was sent; waiting for the form.
    Prompted,
    /// The form was submitted; the bot has not answered yet.
    Submitted,
    /// Final reply, mod note and unarchive are queued or done.
    Completed,
    /// The appellant was no longer followed before submitting.
    Abandoned,
}

impl AppealStatus {
    /// The name in logs and pages (storage keeps its own spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prompted => "prompted",
            Self::Submitted => "submitted",
            Self::Completed => "completed",
            Self::Abandoned => "abandoned",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Granted,
    Denied,
}

impl Outcome {
    /// The name in logs and pages (storage keeps its own spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Denied => "denied",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Appeal {
    pub id: AppealId,
    pub appellant_id: AppellantId,
    pub subreddit: SubredditName,
    pub username: RedditUsername,
    pub conversation_id: ConversationId,
    pub token_expires_at: DateTime<Utc>,
    pub ban_note: String,
    pub ban_reason: String,
    pub ban_date: Option<DateTime<Utc>>,
    pub ban_permanent: bool,
    pub status: AppealStatus,
    pub reminders: i64,
    pub outcome: Option<Outcome>,
    pub created_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
}
