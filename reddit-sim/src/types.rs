//! Payloads of the control API. The same structs serve `POST /_sim/...` (as JSON) and the
//! in-process [`Simulator`](crate::Simulator) methods.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

fn yes() -> bool {
    true
}

/// `POST /_sim/subreddits`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSubreddit {
    /// Name without `r/`.
    pub name: String,
    /// Human moderators; each also becomes a user account.
    #[serde(default)]
    pub moderators: Vec<String>,
    /// Whether the bot account moderates it (default `true`). Subreddits the bot does not
    /// moderate answer the bot with 403.
    #[serde(default = "yes")]
    pub bot_is_mod: bool,
}

/// `POST /_sim/users`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Reddit username.
    pub name: String,
}

/// `POST /_sim/bans`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BanRequest {
    /// Subreddit name.
    pub subreddit: String,
    /// Banned user; created if unknown.
    pub user: String,
    /// Moderator's note, shown in `about/banned` and as `banStatus.reason`.
    #[serde(default)]
    pub note: String,
    /// Text sent to the user, quoted in the ban message.
    #[serde(default)]
    pub reason: Option<String>,
    /// `None` is a permanent ban.
    #[serde(default)]
    pub duration_days: Option<u32>,
    /// Send the ban modmail (default `true`).
    #[serde(default = "yes")]
    pub send_message: bool,
    /// The acting moderator (default: the subreddit's first moderator).
    #[serde(default)]
    pub moderator: Option<String>,
}

/// Answer to a ban.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BanOutcome {
    /// The ban message conversation, when one was sent.
    pub conversation_id: Option<String>,
}

/// `POST /_sim/unban`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnbanRequest {
    /// Subreddit name.
    pub subreddit: String,
    /// User to unban.
    pub user: String,
}

/// `POST /_sim/modmail/user`: a (non-moderator) user writes to a subreddit's modmail.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserMessage {
    /// Subreddit written to.
    pub subreddit: String,
    /// Author; created if unknown.
    pub user: String,
    /// Markdown body.
    pub body: String,
    /// Subject of a new conversation.
    #[serde(default)]
    pub subject: Option<String>,
    /// Reply to this conversation instead of starting one.
    #[serde(default)]
    pub conversation_id: Option<String>,
}

/// `POST /_sim/modmail/mod`: a human moderator writes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModMessage {
    /// Conversation written to.
    pub conversation_id: String,
    /// A moderator of the conversation's subreddit.
    pub moderator: String,
    /// Markdown body.
    pub body: String,
    /// A private moderator note.
    #[serde(default)]
    pub internal: bool,
}

/// `POST /_sim/modmail/discussion`: moderators start a conversation among themselves.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModDiscussion {
    /// Subreddit whose mod team talks.
    pub subreddit: String,
    /// A moderator of it.
    pub moderator: String,
    /// Subject line.
    pub subject: String,
    /// Markdown body of the first message.
    pub body: String,
}

fn all_permissions() -> Vec<String> {
    vec!["all".to_owned()]
}

/// `POST /_sim/subreddits/{sub}/moderators` (make or change a moderator) and
/// `POST /_sim/subreddits/{sub}/invites` (invite one).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeratorRequest {
    /// The account.
    pub name: String,
    /// Reddit's permission names (default `["all"]`); `[]` is a moderator without any.
    #[serde(default = "all_permissions")]
    pub permissions: Vec<String>,
}

/// Where a message landed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posted {
    /// Conversation id (base36).
    pub conversation_id: String,
    /// Message id (base36).
    pub message_id: String,
}

/// What a moderator can do to a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModActionKind {
    /// `actionTypeId` 0.
    Highlight,
    /// `actionTypeId` 1.
    Unhighlight,
    /// `actionTypeId` 2; state becomes archived.
    Archive,
    /// `actionTypeId` 3; state becomes in progress.
    Unarchive,
    /// `actionTypeId` 5; the participant is muted.
    Mute,
    /// `actionTypeId` 6.
    Unmute,
    /// `actionTypeId` 7: the participant was banned (a temporary ban from modmail).
    Ban,
    /// `actionTypeId` 8: the participant's ban was lifted from modmail. A ban lifted in
    /// the ban list leaves the conversation as it was.
    Unban,
}

impl ModActionKind {
    /// Reddit's `actionTypeId`.
    pub fn type_id(self) -> u8 {
        match self {
            Self::Highlight => 0,
            Self::Unhighlight => 1,
            Self::Archive => 2,
            Self::Unarchive => 3,
            Self::Mute => 5,
            Self::Unmute => 6,
            Self::Ban => 7,
            Self::Unban => 8,
        }
    }

    /// Label used in the HTML views.
    pub fn label(type_id: u8) -> &'static str {
        match type_id {
            0 => "highlighted",
            1 => "removed highlight",
            2 => "archived",
            3 => "unarchived",
            5 => "muted",
            6 => "unmuted",
            7 => "banned",
            8 => "unbanned",
            _ => "acted",
        }
    }
}

/// `POST /_sim/modmail/mod_action`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModActionRequest {
    /// Conversation acted on.
    pub conversation_id: String,
    /// A moderator of its subreddit.
    pub moderator: String,
    /// The action.
    pub action: ModActionKind,
}

/// Reddit endpoints faults can target; also the keys of [`Counters::calls`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `POST /api/v1/access_token`
    Token,
    /// `GET /api/mod/conversations`
    List,
    /// `GET /api/mod/conversations/{id}`
    Get,
    /// `POST /api/mod/conversations/{id}`
    Reply,
    /// `POST /api/mod/conversations/{id}/archive`
    Archive,
    /// `POST /api/mod/conversations/{id}/unarchive`
    Unarchive,
    /// `GET /r/{sub}/about/banned`
    Banned,
    /// `GET /user/{name}/about`
    UserAbout,
    /// `GET /api/v1/me`
    Me,
    /// `POST /api/mod/conversations`
    Create,
    /// `GET /r/{sub}/about/moderators`
    Moderators,
    /// `GET /api/v1/{sub}/moderators_invited`
    ModeratorsInvited,
    /// `POST /r/{sub}/api/accept_moderator_invite`
    AcceptInvite,
    /// `GET|POST /api/v1/authorize` (the consent page)
    Authorize,
    /// `GET /subreddits/mine/moderator`
    MineModerator,
    /// `GET /api/mod/notes`
    ModNotes,
    /// `POST /api/mod/notes`
    AddModNote,
    /// `POST /api/mod/conversations/{id}/unban`
    Unban,
    /// `POST /api/mod/conversations/{id}/temp_ban`
    TempBan,
}

impl Endpoint {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::List => "list",
            Self::Get => "get",
            Self::Reply => "reply",
            Self::Archive => "archive",
            Self::Unarchive => "unarchive",
            Self::Banned => "banned",
            Self::UserAbout => "user_about",
            Self::Me => "me",
            Self::Create => "create",
            Self::Moderators => "moderators",
            Self::ModeratorsInvited => "moderators_invited",
            Self::AcceptInvite => "accept_invite",
            Self::Authorize => "authorize",
            Self::MineModerator => "mine_moderator",
            Self::ModNotes => "mod_notes",
            Self::AddModNote => "add_mod_note",
            Self::Unban => "unban",
            Self::TempBan => "temp_ban",
        }
    }
}

/// How an injected fault fails a call.
///
/// JSON forms: `{"status": 500}`, `{"status_after_apply": 502}`, `{"delay_ms": 3000}`,
/// `"drop_after_apply"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FaultModeWire", into = "FaultModeWire")]
pub enum FaultMode {
    /// Answer with this status (and a Reddit-style JSON error) without applying anything.
    Status(u16),
    /// Apply the effect, then answer with this status: a 5xx that did take effect.
    StatusAfterApply(u16),
    /// Wait, then handle the call normally. The effect is applied even when the client has
    /// given up waiting, as a timed-out request to Reddit may still succeed.
    Delay(Duration),
    /// Apply the effect, then close the TCP connection without any response.
    DropAfterApply,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum FaultModeWire {
    Status { status: u16 },
    StatusAfterApply { status_after_apply: u16 },
    Delay { delay_ms: u64 },
    Named(NamedFault),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum NamedFault {
    DropAfterApply,
}

impl TryFrom<FaultModeWire> for FaultMode {
    type Error = String;

    fn try_from(w: FaultModeWire) -> Result<Self, String> {
        let valid = |s: u16| {
            if (100..=999).contains(&s) {
                Ok(s)
            } else {
                Err(format!("{s} is not an HTTP status"))
            }
        };
        Ok(match w {
            FaultModeWire::Status { status } => Self::Status(valid(status)?),
            FaultModeWire::StatusAfterApply { status_after_apply } => {
                Self::StatusAfterApply(valid(status_after_apply)?)
            }
            FaultModeWire::Delay { delay_ms } => Self::Delay(Duration::from_millis(delay_ms)),
            FaultModeWire::Named(NamedFault::DropAfterApply) => Self::DropAfterApply,
        })
    }
}

impl From<FaultMode> for FaultModeWire {
    fn from(m: FaultMode) -> Self {
        match m {
            FaultMode::Status(status) => Self::Status { status },
            FaultMode::StatusAfterApply(status_after_apply) => {
                Self::StatusAfterApply { status_after_apply }
            }
            FaultMode::Delay(d) => Self::Delay {
                delay_ms: u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            },
            FaultMode::DropAfterApply => Self::Named(NamedFault::DropAfterApply),
        }
    }
}

/// `POST /_sim/faults`: the next `count` calls of `endpoint` fail with `mode`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    /// Targeted endpoint.
    pub endpoint: Endpoint,
    /// How many calls fail (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// How they fail.
    pub mode: FaultMode,
}

fn one() -> u32 {
    1
}

/// `POST /_sim/clock/advance`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockAdvance {
    /// Seconds to add to the simulated clock.
    pub seconds: i64,
}

/// `POST /_sim/ratelimit`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Requests per window.
    pub budget: u32,
    /// Window length in seconds.
    pub window_secs: u64,
}

/// How a counted call ended: the HTTP status answered, or a connection cut without any
/// answer (fault `drop_after_apply`). In JSON, `"200"` or `"dropped"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CallStatus {
    /// Answered with this HTTP status.
    Status(u16),
    /// The connection was closed before any answer.
    Dropped,
}

impl From<u16> for CallStatus {
    fn from(status: u16) -> Self {
        Self::Status(status)
    }
}

impl std::fmt::Display for CallStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Status(s) => write!(f, "{s}"),
            Self::Dropped => f.write_str("dropped"),
        }
    }
}

impl std::str::FromStr for CallStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "dropped" => Ok(Self::Dropped),
            n => n
                .parse()
                .map(Self::Status)
                .map_err(|_| format!("{n:?} is neither an HTTP status nor \"dropped\"")),
        }
    }
}

// A string, so that it can key a JSON object (`"calls": {"me": {"200": 3}}`).
impl Serialize for CallStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CallStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `GET /_sim/counters`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    /// Calls per endpoint, then per outcome.
    pub calls: BTreeMap<Endpoint, BTreeMap<CallStatus, u64>>,
    /// All calls counted here.
    pub total: u64,
    /// Calls refused with 429.
    pub rate_limited: u64,
    /// Highest `x-ratelimit-used` sent.
    pub max_used: u32,
    /// Lowest `x-ratelimit-remaining` sent (`None` before the first API call).
    pub min_remaining: Option<f64>,
}

impl Counters {
    /// Calls of `endpoint` that ended with `status` (`201`, or [`CallStatus::Dropped`]).
    pub fn count(&self, endpoint: Endpoint, status: impl Into<CallStatus>) -> u64 {
        self.calls
            .get(&endpoint)
            .and_then(|m| m.get(&status.into()))
            .copied()
            .unwrap_or(0)
    }

    /// All calls of `endpoint`, whatever the outcome.
    pub fn calls_of(&self, endpoint: Endpoint) -> u64 {
        self.calls.get(&endpoint).map_or(0, |m| m.values().sum())
    }
}

/// What the bot did to a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    /// A message the participant can read.
    Reply,
    /// A private moderator note.
    InternalNote,
    /// Archived.
    Archive,
    /// Unarchived.
    Unarchive,
    /// A Reddit Mod Note on a user (`subreddit` and `user` say whom; no conversation).
    ModNote,
    /// The participant's ban lifted from the conversation.
    Unban,
    /// The participant's ban replaced by a temporary one (`body`: the days).
    TempBan,
}

/// One effect the bot applied, in the order applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// 1-based position in the ledger.
    pub seq: u64,
    /// Conversation affected; empty for an effect on no conversation (a Mod Note).
    pub conversation_id: String,
    /// What happened.
    pub kind: LedgerKind,
    /// Markdown body of replies and notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Id of the created message, mod action or mod note.
    pub object_id: String,
    /// Simulated time.
    pub at: DateTime<Utc>,
    /// Lower-cased subreddit of a Mod Note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subreddit: Option<String>,
    /// Lower-cased user a Mod Note is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}
