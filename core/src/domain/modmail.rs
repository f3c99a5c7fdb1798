//! What the bot knows about a modmail conversation, independent of Reddit's JSON.
//!
//! The Reddit client converts its wire types into these; the decision core reads only these.

use chrono::{DateTime, Utc};

use super::{ConversationId, RedditUsername, SubredditName};

/// Who wrote a message or took a mod action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Author {
    /// Account name as Reddit shows it; `[deleted]` accounts keep the name Reddit gives.
    pub name: String,
    pub is_mod: bool,
    pub is_admin: bool,
    /// The conversation's non-moderator participant (the appellant).
    pub is_participant: bool,
    pub is_deleted: bool,
    /// Sent as the subreddit ("isAuthorHidden").
    pub is_hidden: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    pub id: String,
    pub author: Author,
    /// The message source (Reddit's `bodyMarkdown`).
    pub body_markdown: String,
    /// A private moderator note.
    pub is_internal: bool,
    pub date: DateTime<Utc>,
}

/// Reddit's modmail mod-action types (`actionTypeId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ModActionKind {
    Highlight,
    Unhighlight,
    Archive,
    Unarchive,
    ReportedToAdmins,
    Mute,
    Unmute,
    Ban,
    Unban,
    Approve,
    Disapprove,
    Other(i64),
}

impl ModActionKind {
    pub fn from_type_id(id: i64) -> Self {
        match id {
            0 => Self::Highlight,
            1 => Self::Unhighlight,
            2 => Self::Archive,
            3 => Self::Unarchive,
            4 => Self::ReportedToAdmins,
            5 => Self::Mute,
            6 => Self::Unmute,
            7 => Self::Ban,
            8 => Self::Unban,
            9 => Self::Approve,
            10 => Self::Disapprove,
            other => Self::Other(other),
        }
    }

    pub fn type_id(self) -> i64 {
        match self {
            Self::Highlight => 0,
            Self::Unhighlight => 1,
            Self::Archive => 2,
            Self::Unarchive => 3,
            Self::ReportedToAdmins => 4,
            Self::Mute => 5,
            Self::Unmute => 6,
            Self::Ban => 7,
            Self::Unban => 8,
            Self::Approve => 9,
            Self::Disapprove => 10,
            Self::Other(n) => n,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModAction {
    pub id: String,
    pub author: Author,
    pub kind: ModActionKind,
    pub date: DateTime<Utc>,
}

/// Reddit's conversation `state`: 0 new, 1 in progress, 2 archived (others exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ConversationState {
    New,
    InProgress,
    Archived,
    /// The Ban Appeals folder: where Reddit files modmail from banned users.
    Appeals,
    /// Mod discussions, notifications, join requests, filtered.
    Other(i64),
}

impl ConversationState {
    pub fn from_code(code: i64) -> Self {
        match code {
            0 => Self::New,
            1 => Self::InProgress,
            2 => Self::Archived,
            3 => Self::Appeals,
            n => Self::Other(n),
        }
    }

    pub fn code(self) -> i64 {
        match self {
            Self::New => 0,
            Self::InProgress => 1,
            Self::Archived => 2,
            Self::Appeals => 3,
            Self::Other(n) => n,
        }
    }
}

/// The participant's standing in the conversation's subreddit, as the full conversation
/// shows it (`user.banStatus`, `user.muteStatus`, `isSuspended`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ParticipantInfo {
    pub name: RedditUsername,
    pub is_banned: bool,
    pub ban_is_permanent: bool,
    pub ban_end: Option<DateTime<Utc>>,
    pub ban_reason: String,
    pub is_muted: bool,
    pub is_suspended: bool,
    pub is_shadow_banned: bool,
    /// The participant's recent modmail with this subreddit (`user.recentConvos`), this
    /// conversation included: where the ban notice of a user who wrote a fresh message is.
    pub recent_conversations: Vec<RecentConversation>,
}

/// One of the participant's recent conversations with the subreddit, as the full
/// conversation's `user.recentConvos` names it (no messages: reading it is another call).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecentConversation {
    pub id: ConversationId,
    pub subject: String,
}

/// One line of the modmail list (`GET /api/mod/conversations`): enough to tell whether the
/// conversation changed since the bot last looked, without fetching it in full.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub subreddit: SubredditName,
    pub subject: String,
    pub state: ConversationState,
    pub last_updated: DateTime<Utc>,
    pub last_user_update: Option<DateTime<Utc>>,
    pub last_mod_update: Option<DateTime<Utc>>,
    /// Non-moderator participant, when Reddit names one.
    pub participant: Option<RedditUsername>,
    pub num_messages: i64,
    /// True for conversations the subreddit (a moderator) started, e.g. a ban message.
    pub is_auto: bool,
    /// Reddit's `legacyFirstMessageId`: the conversation as its user sees it is
    /// `reddit.com/message/messages/{this}` (the `mod.reddit.com` address is moderators'
    /// only). Absent in older snapshots.
    #[serde(default)]
    pub legacy_first_message_id: Option<String>,
}

/// A conversation in full (`GET /api/mod/conversations/{id}`), messages and mod actions in
/// date order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Conversation {
    pub summary: ConversationSummary,
    /// Every author Reddit lists for the conversation (in `authors`).
    pub authors: Vec<Author>,
    pub messages: Vec<Message>,
    pub mod_actions: Vec<ModAction>,
    pub participant: Option<ParticipantInfo>,
}

impl Conversation {
    pub fn id(&self) -> &ConversationId {
        &self.summary.id
    }

    pub fn is_archived(&self) -> bool {
        self.summary.state == ConversationState::Archived
    }

    /// The most recent change of any kind: a message or a mod action.
    pub fn last_activity(&self) -> DateTime<Utc> {
        let msg = self.messages.iter().map(|m| m.date).max();
        let act = self.mod_actions.iter().map(|a| a.date).max();
        [Some(self.summary.last_updated), msg, act]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(self.summary.last_updated)
    }
}

/// One entry of `/r/{sub}/about/banned?user=`: a ban and the moderator's note.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BanEntry {
    pub user: RedditUsername,
    pub date: DateTime<Utc>,
    pub note: String,
}

/// Whether an account still exists (`/user/{name}/about`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AccountStatus {
    Active,
    Suspended,
    Deleted,
}
