//! Reddit's JSON, exactly as Reddit shapes it, and the conversions into domain types.
//!
//! Nothing outside this crate sees these structs: callers get
//! [`appealmod_core::domain`] types. Conversions are `TryFrom` impls whose errors name the
//! JSON field that was wrong (e.g. `conversations.pinb6.lastUpdated`), so a change on
//! Reddit's side shows up as one precise log line instead of a silent misreading.
//!
//! Fields the bot does not use are not declared; serde ignores them.

use std::collections::HashMap;

use appealmod_core::domain::{
    Author, BanEntry, Conversation, ConversationId, ConversationState, ConversationSummary,
    InviteOutcome, Message, ModAction, ModActionKind, ModNote, ModNoteId, ModNoteLabel,
    ModPermissions, ModeratedSubreddit, ParticipantInfo, RecentConversation, RedditUsername,
    SubredditModerator, SubredditName,
};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

/// A wire object could not become a domain value. `field` is the JSON path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: {message}")]
pub struct ConvertError {
    pub field: String,
    pub message: String,
}

impl ConvertError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Prefixes the path with the enclosing object's, so nested errors read as one path.
    fn within(self, prefix: &str) -> Self {
        Self {
            field: format!("{prefix}.{}", self.field),
            message: self.message,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dates

/// Parses Reddit's modmail timestamps.
///
/// Reddit sends `2017-03-07T15:41:54.042442+00:00`, in newer objects `…+0000` (no colon), and
/// `0001-01-01T00:00:00+00:00` where it has no date at all; that sentinel becomes `None`, as
/// does JSON `null`, so no code mistakes year 1 for a real time.
pub fn parse_date(raw: &str) -> Result<Option<DateTime<Utc>>, String> {
    let s = raw.trim();
    if s.starts_with("0001-01-01") {
        return Ok(None);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(d.with_timezone(&Utc)));
    }
    // `%z` accepts both `+0000` and `+00:00`; `%.f` accepts any number of fraction digits.
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, fmt) {
            return Ok(Some(d.with_timezone(&Utc)));
        }
    }
    // A naive timestamp is UTC on Reddit's side; accept it rather than drop a conversation.
    if let Ok(n) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Ok(Some(Utc.from_utc_datetime(&n)));
    }
    Err(format!("`{raw}` is not a date Reddit sends"))
}

fn opt_date(field: &str, raw: &Option<String>) -> Result<Option<DateTime<Utc>>, ConvertError> {
    match raw {
        None => Ok(None),
        Some(s) => parse_date(s).map_err(|m| ConvertError::new(field, m)),
    }
}

fn req_date(field: &str, raw: &Option<String>) -> Result<DateTime<Utc>, ConvertError> {
    opt_date(field, raw)?.ok_or_else(|| ConvertError::new(field, "missing or empty date"))
}

fn epoch_date(field: &str, secs: f64) -> Result<DateTime<Utc>, ConvertError> {
    let whole = secs.trunc();
    let nanos = ((secs - whole) * 1e9).round().clamp(0.0, 999_999_999.0);
    if !whole.is_finite() || whole.abs() > 1e12 {
        return Err(ConvertError::new(
            field,
            format!("{secs} is not an epoch time"),
        ));
    }
    // The casts are safe: both values were range-checked just above.
    DateTime::from_timestamp(whole as i64, nanos as u32)
        .ok_or_else(|| ConvertError::new(field, format!("{secs} is not an epoch time")))
}

// ---------------------------------------------------------------------------------------------
// OAuth

/// `POST /api/v1/access_token`. Reddit reports refusals as HTTP 200 with `error` set
/// (`{"error": "invalid_grant"}`), so every field is optional and `error` is checked first.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenResponse {
    pub access_token: Option<String>,
    pub token_type: Option<String>,
    pub expires_in: Option<f64>,
    pub scope: Option<String>,
    /// A string (`"invalid_grant"`) or a number (`401`), depending on the failure.
    pub error: Option<serde_json::Value>,
    pub message: Option<String>,
}

/// `GET /api/v1/me` (only the name is used).
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    pub name: String,
}

// ---------------------------------------------------------------------------------------------
// Modmail

/// An author as modmail shows it. The conversation's `participant` may be `{}`, so every
/// field has a default and `name` is checked where it is required.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WireAuthor {
    pub name: Option<String>,
    pub is_mod: bool,
    pub is_admin: bool,
    pub is_op: bool,
    pub is_participant: bool,
    pub is_hidden: bool,
    pub is_deleted: bool,
    pub id: Option<i64>,
}

impl WireAuthor {
    fn is_empty(&self) -> bool {
        self.name.as_deref().is_none_or(str::is_empty)
    }
}

impl TryFrom<&WireAuthor> for Author {
    type Error = ConvertError;

    fn try_from(a: &WireAuthor) -> Result<Self, ConvertError> {
        let name = a
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ConvertError::new("name", "missing"))?;
        Ok(Author {
            name,
            is_mod: a.is_mod,
            is_admin: a.is_admin,
            is_participant: a.is_participant,
            is_deleted: a.is_deleted,
            is_hidden: a.is_hidden,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ObjId {
    pub id: String,
    pub key: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    pub display_name: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub id: Option<String>,
}

/// The `conversation` object (also each value of the list's `conversations`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireConversation {
    pub id: String,
    #[serde(default)]
    pub subject: String,
    pub state: i64,
    #[serde(default)]
    pub is_auto: bool,
    #[serde(default)]
    pub is_internal: bool,
    #[serde(default)]
    pub is_highlighted: bool,
    #[serde(default)]
    pub participant: WireAuthor,
    #[serde(default)]
    pub authors: Vec<WireAuthor>,
    #[serde(default)]
    pub obj_ids: Vec<ObjId>,
    pub owner: Owner,
    pub last_updated: Option<String>,
    pub last_user_update: Option<String>,
    pub last_mod_update: Option<String>,
    #[serde(default)]
    pub num_messages: i64,
    /// The conversation's first message in the user's inbox (`/message/messages/{id}`).
    #[serde(default)]
    pub legacy_first_message_id: Option<String>,
    /// The reply answer nests `modActions` here instead of at the top level.
    #[serde(default)]
    pub mod_actions: HashMap<String, WireModAction>,
}

impl WireConversation {
    /// The appellant: the `participant` object when Reddit fills it, else the first author
    /// who is not a moderator (older conversations leave `participant` as `{}`).
    fn participant_author(&self) -> Option<&WireAuthor> {
        if !self.participant.is_empty() {
            return Some(&self.participant);
        }
        self.authors.iter().find(|a| !a.is_mod && !a.is_empty())
    }
}

impl TryFrom<&WireConversation> for ConversationSummary {
    type Error = ConvertError;

    fn try_from(c: &WireConversation) -> Result<Self, ConvertError> {
        let id =
            ConversationId::parse(&c.id).map_err(|e| ConvertError::new("id", e.to_string()))?;
        let subreddit = SubredditName::parse(&c.owner.display_name)
            .map_err(|e| ConvertError::new("owner.displayName", e.to_string()))?;
        let last_user_update = opt_date("lastUserUpdate", &c.last_user_update)?;
        let last_mod_update = opt_date("lastModUpdate", &c.last_mod_update)?;
        // `lastUpdated` is always set in practice; fall back to the newer of the other two
        // rather than refuse a conversation over it.
        let last_updated = match opt_date("lastUpdated", &c.last_updated)? {
            Some(d) => d,
            None => last_user_update
                .max(last_mod_update)
                .ok_or_else(|| ConvertError::new("lastUpdated", "missing, and no other date"))?,
        };
        let participant = match c.participant_author() {
            // A deleted account has no valid name left (`[deleted]`): no participant.
            Some(a) if a.is_deleted => None,
            Some(a) => {
                let field = if c.participant.is_empty() {
                    "authors[].name"
                } else {
                    "participant.name"
                };
                let name = a.name.as_deref().unwrap_or_default();
                Some(
                    RedditUsername::parse(name)
                        .map_err(|e| ConvertError::new(field, format!("`{name}`: {e}")))?,
                )
            }
            None => None,
        };
        Ok(ConversationSummary {
            id,
            subreddit,
            subject: c.subject.clone(),
            state: ConversationState::from_code(c.state),
            last_updated,
            last_user_update,
            last_mod_update,
            participant,
            num_messages: c.num_messages,
            is_auto: c.is_auto,
            legacy_first_message_id: c
                .legacy_first_message_id
                .clone()
                .filter(|id| !id.is_empty() && id.chars().all(|ch| ch.is_ascii_alphanumeric())),
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireMessage {
    pub id: String,
    pub author: WireAuthor,
    #[serde(default)]
    pub body_markdown: String,
    #[serde(default)]
    pub is_internal: bool,
    pub date: Option<String>,
}

impl TryFrom<&WireMessage> for Message {
    type Error = ConvertError;

    fn try_from(m: &WireMessage) -> Result<Self, ConvertError> {
        Ok(Message {
            id: m.id.clone(),
            author: Author::try_from(&m.author).map_err(|e| e.within("author"))?,
            body_markdown: m.body_markdown.clone(),
            is_internal: m.is_internal,
            date: req_date("date", &m.date)?,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireModAction {
    pub id: String,
    pub author: WireAuthor,
    pub action_type_id: i64,
    pub date: Option<String>,
}

impl TryFrom<&WireModAction> for ModAction {
    type Error = ConvertError;

    fn try_from(a: &WireModAction) -> Result<Self, ConvertError> {
        Ok(ModAction {
            id: a.id.clone(),
            author: Author::try_from(&a.author).map_err(|e| e.within("author"))?,
            kind: ModActionKind::from_type_id(a.action_type_id),
            date: req_date("date", &a.date)?,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BanStatus {
    pub is_banned: bool,
    pub is_permanent: bool,
    pub end_date: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MuteStatus {
    pub is_muted: bool,
    pub end_date: Option<String>,
    pub reason: Option<String>,
}

/// The full conversation's `user`: the participant's standing in the subreddit.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireUser {
    pub name: String,
    pub id: Option<String>,
    pub created: Option<String>,
    #[serde(default)]
    pub ban_status: BanStatus,
    #[serde(default)]
    pub mute_status: MuteStatus,
    #[serde(default)]
    pub is_suspended: bool,
    #[serde(default)]
    pub is_shadow_banned: bool,
    /// The user's recent modmail with the subreddit, keyed by conversation id.
    #[serde(default)]
    pub recent_convos: HashMap<String, WireRecentConvo>,
}

/// One entry of `user.recentConvos`: `{date, permalink, id, subject}`. The dates cannot
/// order them (the 2017 recording dates conversations the user never wrote in
/// `0001-01-01T00:00:00+00:00`); the ids can.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WireRecentConvo {
    pub id: String,
    pub subject: String,
    pub date: Option<String>,
    pub permalink: Option<String>,
}

impl TryFrom<&WireUser> for Option<ParticipantInfo> {
    type Error = ConvertError;

    fn try_from(u: &WireUser) -> Result<Self, ConvertError> {
        // Deleted accounts come back as `[deleted]`, which is no username: nothing to report.
        if u.name.is_empty() || u.name == "[deleted]" {
            return Ok(None);
        }
        let name = RedditUsername::parse(&u.name)
            .map_err(|e| ConvertError::new("name", format!("`{}`: {e}", u.name)))?;
        Ok(Some(ParticipantInfo {
            name,
            is_banned: u.ban_status.is_banned,
            ban_is_permanent: u.ban_status.is_permanent,
            ban_end: opt_date("banStatus.endDate", &u.ban_status.end_date)?,
            ban_reason: u.ban_status.reason.clone().unwrap_or_default(),
            is_muted: u.mute_status.is_muted,
            is_suspended: u.is_suspended,
            is_shadow_banned: u.is_shadow_banned,
            recent_conversations: recent_conversations(u),
        }))
    }
}

/// `user.recentConvos`, oldest first (by id: Reddit's ids grow with time). Only a hint of
/// where the ban notice is: an entry whose id is not one is left out rather than failing
/// the whole conversation.
fn recent_conversations(u: &WireUser) -> Vec<RecentConversation> {
    let mut recent: Vec<RecentConversation> = u
        .recent_convos
        .iter()
        .filter_map(|(key, c)| {
            let id = if c.id.is_empty() { key } else { &c.id };
            Some(RecentConversation {
                id: ConversationId::parse(id).ok()?,
                subject: c.subject.clone(),
            })
        })
        .collect();
    recent.sort_by(|a, b| {
        (a.id.as_str().len(), a.id.as_str()).cmp(&(b.id.as_str().len(), b.id.as_str()))
    });
    recent
}

/// `GET /api/mod/conversations`: conversations keyed by id, their order in
/// `conversationIds`, and each one's LAST message only (no mod actions).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationList {
    #[serde(default)]
    pub conversations: HashMap<String, WireConversation>,
    #[serde(default)]
    pub conversation_ids: Vec<String>,
    #[serde(default)]
    pub messages: HashMap<String, WireMessage>,
    pub viewer_id: Option<String>,
}

impl TryFrom<&ConversationList> for Vec<ConversationSummary> {
    type Error = ConvertError;

    /// In `conversationIds` order (newest first with `sort=recent`).
    fn try_from(l: &ConversationList) -> Result<Self, ConvertError> {
        l.conversation_ids
            .iter()
            .map(|id| {
                let c = l.conversations.get(id).ok_or_else(|| {
                    ConvertError::new(
                        format!("conversations.{id}"),
                        "listed in conversationIds but missing",
                    )
                })?;
                ConversationSummary::try_from(c)
                    .map_err(|e| e.within(&format!("conversations.{id}")))
            })
            .collect()
    }
}

/// A listed conversation that could not be read: what is known of it, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecodable {
    /// The id as listed (kept even when it is not a valid id).
    pub raw_id: String,
    pub id: Option<ConversationId>,
    pub subreddit: Option<SubredditName>,
    pub last_updated: Option<DateTime<Utc>>,
    pub error: String,
}

/// A listing read one conversation at a time, so that one conversation Reddit sends in an
/// unexpected shape never hides the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LenientListing {
    /// In `conversationIds` order (newest first with `sort=recent`).
    pub summaries: Vec<ConversationSummary>,
    pub undecodable: Vec<Undecodable>,
    /// How many conversations the page listed, readable or not (a full page has more).
    pub listed: usize,
    /// The last listed id: where the next page starts.
    pub last_id: Option<String>,
    /// Each conversation's last message, as the listing carries it (`objIds` names only
    /// that one). Missing when it does not decode: then the conversation must be read.
    pub last_messages: HashMap<ConversationId, Message>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawList {
    #[serde(default)]
    conversations: HashMap<String, serde_json::Value>,
    #[serde(default)]
    conversation_ids: Vec<String>,
    /// Kept raw: a message that does not decode only costs the shortcut it would allow.
    #[serde(default)]
    messages: HashMap<String, serde_json::Value>,
}

/// The message a listed conversation's `objIds` ends with, when it is in the listing.
fn last_message(
    c: &WireConversation,
    messages: &HashMap<String, serde_json::Value>,
) -> Option<Message> {
    let last = c.obj_ids.iter().rev().find(|o| o.key == "messages")?;
    let raw = messages.get(&last.id)?;
    let wire: WireMessage = serde_json::from_value(raw.clone()).ok()?;
    Message::try_from(&wire).ok()
}

/// Reads a listing's body. Only a body that is not a listing at all is an error.
pub fn read_listing(body: &[u8]) -> Result<LenientListing, serde_json::Error> {
    let raw: RawList = serde_json::from_slice(body)?;
    let mut out = LenientListing {
        listed: raw.conversation_ids.len(),
        last_id: raw.conversation_ids.last().cloned(),
        ..Default::default()
    };
    for raw_id in &raw.conversation_ids {
        let value = raw.conversations.get(raw_id);
        let read = value
            .ok_or_else(|| "listed in conversationIds but missing".to_owned())
            .and_then(|v| {
                serde_json::from_value::<WireConversation>(v.clone()).map_err(|e| e.to_string())
            })
            .and_then(|c| {
                let s = ConversationSummary::try_from(&c).map_err(|e| e.to_string())?;
                Ok((last_message(&c, &raw.messages), s))
            });
        match read {
            Ok((last, s)) => {
                if let Some(m) = last {
                    out.last_messages.insert(s.id.clone(), m);
                }
                out.summaries.push(s);
            }
            Err(error) => out.undecodable.push(undecodable(raw_id, value, error)),
        }
    }
    Ok(out)
}

/// What can still be read of a conversation that does not decode.
fn undecodable(raw_id: &str, v: Option<&serde_json::Value>, error: String) -> Undecodable {
    let text = |key: &str| v.and_then(|v| v.get(key)).and_then(|x| x.as_str());
    Undecodable {
        raw_id: raw_id.to_owned(),
        id: ConversationId::parse(raw_id).ok(),
        subreddit: v
            .and_then(|v| v.pointer("/owner/displayName"))
            .and_then(|x| x.as_str())
            .and_then(|s| SubredditName::parse(s).ok()),
        last_updated: text("lastUpdated").and_then(|s| parse_date(s).ok().flatten()),
        error: format!("conversations.{raw_id}: {error}"),
    }
}

/// `GET /api/mod/conversations/{id}`, and the answers of reply (201) and unarchive (200).
///
/// The three differ: unarchive names the object `conversations` (one object, plural key),
/// reply nests `modActions` inside it and has no `user`. Both spellings are accepted, also
/// together (a serde alias would refuse that as a duplicate field).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationResponse {
    pub conversation: Option<WireConversation>,
    pub conversations: Option<WireConversation>,
    #[serde(default)]
    pub messages: HashMap<String, WireMessage>,
    /// Absent from some answers; `{}` when there are none.
    #[serde(default)]
    pub mod_actions: HashMap<String, WireModAction>,
    pub user: Option<WireUser>,
}

/// Orders a keyed map by the conversation's `objIds` (Reddit's display order), appends any
/// object `objIds` forgot, then sorts by date (stable, so equal dates keep `objIds` order).
fn ordered<'a, W, D>(
    map: &'a HashMap<String, W>,
    key: &str,
    obj_ids: &[ObjId],
    convert: impl Fn(&'a W) -> Result<D, ConvertError>,
    date: impl Fn(&D) -> DateTime<Utc>,
) -> Result<Vec<D>, ConvertError> {
    let mut ids: Vec<&str> = obj_ids
        .iter()
        .filter(|o| o.key == key && map.contains_key(&o.id))
        .map(|o| o.id.as_str())
        .collect();
    let mut rest: Vec<&str> = map
        .keys()
        .map(String::as_str)
        .filter(|k| !ids.contains(k))
        .collect();
    rest.sort_unstable();
    ids.extend(rest);
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(w) = map.get(id) {
            out.push(convert(w).map_err(|e| e.within(&format!("{key}.{id}")))?);
        }
    }
    out.sort_by_key(|d| date(d));
    Ok(out)
}

impl TryFrom<&ConversationResponse> for Conversation {
    type Error = ConvertError;

    fn try_from(r: &ConversationResponse) -> Result<Self, ConvertError> {
        let c = r
            .conversation
            .as_ref()
            .or(r.conversations.as_ref())
            .ok_or_else(|| ConvertError::new("conversation", "missing"))?;
        let summary = ConversationSummary::try_from(c).map_err(|e| e.within("conversation"))?;
        let authors = c
            .authors
            .iter()
            .enumerate()
            .map(|(i, a)| {
                Author::try_from(a).map_err(|e| e.within(&format!("conversation.authors[{i}]")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let messages = ordered(
            &r.messages,
            "messages",
            &c.obj_ids,
            Message::try_from,
            |m| m.date,
        )?;
        let mut all_actions = c.mod_actions.clone();
        all_actions.extend(r.mod_actions.iter().map(|(k, v)| (k.clone(), v.clone())));
        let mod_actions = ordered(
            &all_actions,
            "modActions",
            &c.obj_ids,
            ModAction::try_from,
            |a| a.date,
        )?;
        let participant = match &r.user {
            Some(u) => Option::<ParticipantInfo>::try_from(u).map_err(|e| e.within("user"))?,
            None => None,
        };
        Ok(Conversation {
            summary,
            authors,
            messages,
            mod_actions,
            participant,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Subreddit and user

/// Reddit's generic `{"kind": "Listing", "data": {...}}` wrapper.
#[derive(Debug, Clone, Deserialize)]
pub struct Listing<T> {
    pub kind: Option<String>,
    pub data: ListingData<T>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ListingData<T> {
    #[serde(default = "Vec::new")]
    pub children: Vec<T>,
    pub after: Option<String>,
    pub before: Option<String>,
}

/// One child of `/r/{sub}/about/banned`.
#[derive(Debug, Clone, Deserialize)]
pub struct BannedUser {
    pub name: String,
    /// Epoch seconds, as a float.
    pub date: f64,
    #[serde(default)]
    pub note: Option<String>,
    pub id: Option<String>,
}

impl TryFrom<&BannedUser> for BanEntry {
    type Error = ConvertError;

    fn try_from(b: &BannedUser) -> Result<Self, ConvertError> {
        Ok(BanEntry {
            user: RedditUsername::parse(&b.name)
                .map_err(|e| ConvertError::new("name", format!("`{}`: {e}", b.name)))?,
            date: epoch_date("date", b.date)?,
            note: b.note.clone().unwrap_or_default(),
        })
    }
}

/// The ban of `user` in a `/about/banned?user=` listing, if any. Reddit filters by name but
/// compares case-insensitively, so the match is checked here too.
pub fn ban_of(
    listing: &Listing<BannedUser>,
    user: &RedditUsername,
) -> Result<Option<BanEntry>, ConvertError> {
    for (i, child) in listing.data.children.iter().enumerate() {
        if child.name.eq_ignore_ascii_case(user.as_str()) {
            return BanEntry::try_from(child)
                .map(Some)
                .map_err(|e| e.within(&format!("data.children[{i}]")));
        }
    }
    Ok(None)
}

/// `GET /user/{name}/about` (`{"kind": "t2", "data": {...}}`).
#[derive(Debug, Clone, Deserialize)]
pub struct UserAbout {
    pub kind: Option<String>,
    pub data: UserAboutData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserAboutData {
    pub name: Option<String>,
    #[serde(default)]
    pub is_suspended: bool,
}

// ---------------------------------------------------------------------------------------------
// Moderators

/// `GET /r/{sub}/about/moderators`: `{"kind": "UserList", "data": {"children": [...]}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct ModeratorList {
    pub kind: Option<String>,
    pub data: ModeratorListData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ModeratorListData {
    #[serde(default)]
    pub children: Vec<ModeratorChild>,
}

/// One moderator: `name`, `mod_permissions` (`["all"]`, `["mail", "access"]`), `date`
/// (epoch seconds, a float).
#[derive(Debug, Clone, Deserialize)]
pub struct ModeratorChild {
    pub name: String,
    #[serde(default)]
    pub mod_permissions: Vec<String>,
    pub date: Option<f64>,
}

impl TryFrom<&ModeratorList> for Vec<SubredditModerator> {
    type Error = ConvertError;

    fn try_from(l: &ModeratorList) -> Result<Self, ConvertError> {
        l.data
            .children
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let at = |e: ConvertError| e.within(&format!("data.children[{i}]"));
                Ok(SubredditModerator {
                    name: RedditUsername::parse(&c.name)
                        .map_err(|e| at(ConvertError::new("name", format!("`{}`: {e}", c.name))))?,
                    permissions: ModPermissions::from_names(&c.mod_permissions),
                    since: c
                        .date
                        .map(|d| epoch_date("date", d))
                        .transpose()
                        .map_err(at)?,
                })
            })
            .collect()
    }
}

/// The `{"json": {"errors": [[CODE, message, field], ...]}}` answer of `api_type=json` calls.
#[derive(Debug, Clone, Deserialize)]
pub struct JsonErrors {
    pub json: JsonErrorsInner,
}

#[derive(Debug, Clone, Deserialize)]
pub struct JsonErrorsInner {
    #[serde(default)]
    pub errors: Vec<Vec<serde_json::Value>>,
}

impl JsonErrors {
    /// No error: accepted. `NO_INVITE_FOUND`: nothing to accept. Anything else is an error
    /// with Reddit's own words.
    pub fn invite_outcome(&self) -> Result<InviteOutcome, String> {
        let Some(first) = self.json.errors.first() else {
            return Ok(InviteOutcome::Accepted);
        };
        let text = |i: usize| first.get(i).and_then(|v| v.as_str()).unwrap_or_default();
        match text(0) {
            "NO_INVITE_FOUND" => Ok(InviteOutcome::NoInvite),
            code => Err(format!("{code}: {}", text(1))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The moderator's own account (console login)

/// `GET /subreddits/mine/moderator`: a `Listing` of `t5` children.
#[derive(Debug, Clone, Deserialize)]
pub struct MineModerator {
    pub data: MineModeratorData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MineModeratorData {
    #[serde(default)]
    pub children: Vec<MineChild>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MineChild {
    pub data: MineSubreddit,
}

/// The fields of a moderated subreddit the console uses.
#[derive(Debug, Clone, Deserialize)]
pub struct MineSubreddit {
    pub display_name: String,
    /// `user` for the account's own profile "subreddit" (`u_name`), which has no modmail.
    pub subreddit_type: Option<String>,
    #[serde(default)]
    pub mod_permissions: Vec<String>,
}

impl TryFrom<&MineModerator> for Vec<ModeratedSubreddit> {
    type Error = ConvertError;

    /// Profile subreddits are left out: they have no modmail to serve.
    fn try_from(l: &MineModerator) -> Result<Self, ConvertError> {
        let mut out = Vec::new();
        for (i, c) in l.data.children.iter().enumerate() {
            let d = &c.data;
            if d.subreddit_type.as_deref() == Some("user") {
                continue;
            }
            let name = SubredditName::parse(&d.display_name).map_err(|e| {
                ConvertError::new(
                    format!("data.children[{i}].data.display_name"),
                    format!("`{}`: {e}", d.display_name),
                )
            })?;
            out.push(ModeratedSubreddit {
                name,
                permissions: ModPermissions::from_names(&d.mod_permissions),
            });
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Mod Notes

/// `POST /api/mod/notes` answers 200 `{"created": note}`.
#[derive(Debug, Clone, Deserialize)]
pub struct ModNoteCreated {
    pub created: ModNoteWire,
}

/// `GET /api/mod/notes`: `{mod_notes, start_cursor, end_cursor, has_next_page}`, newest
/// first. Someone who may not read the notes gets an empty list, not an error.
#[derive(Debug, Clone, Deserialize)]
pub struct ModNotesPage {
    #[serde(default)]
    pub mod_notes: Vec<ModNoteWire>,
    pub end_cursor: Option<String>,
    #[serde(default)]
    pub has_next_page: bool,
}

/// One entry: a user note (`type: NOTE`, text in `user_note_data`) or one of Reddit's action
/// notes (`BAN`, `REMOVAL`, …, no text), which the bot does not read.
#[derive(Debug, Clone, Deserialize)]
pub struct ModNoteWire {
    pub id: String,
    pub subreddit: String,
    pub user: String,
    pub operator: Option<String>,
    /// Epoch seconds, a whole number.
    pub created_at: f64,
    #[serde(rename = "type")]
    pub kind: String,
    pub user_note_data: UserNoteData,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserNoteData {
    pub note: Option<String>,
    pub label: Option<String>,
}

impl TryFrom<&ModNoteWire> for ModNote {
    type Error = ConvertError;

    fn try_from(n: &ModNoteWire) -> Result<Self, ConvertError> {
        Ok(ModNote {
            id: ModNoteId(n.id.clone()),
            subreddit: SubredditName::parse(&n.subreddit)
                .map_err(|e| ConvertError::new("subreddit", format!("`{}`: {e}", n.subreddit)))?,
            user: RedditUsername::parse(&n.user)
                .map_err(|e| ConvertError::new("user", format!("`{}`: {e}", n.user)))?,
            operator: n.operator.clone().unwrap_or_default(),
            note: n.user_note_data.note.clone().unwrap_or_default(),
            label: n
                .user_note_data
                .label
                .as_deref()
                .filter(|l| !l.is_empty())
                .map(ModNoteLabel::parse),
            created_at: epoch_date("created_at", n.created_at)?,
        })
    }
}

impl TryFrom<&ModNotesPage> for Vec<ModNote> {
    type Error = ConvertError;

    /// The user notes of the page, newest first; action notes are left out.
    fn try_from(p: &ModNotesPage) -> Result<Self, ConvertError> {
        p.mod_notes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == "NOTE")
            .map(|(i, n)| ModNote::try_from(n).map_err(|e| e.within(&format!("mod_notes[{i}]"))))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_form_reddit_sends() {
        let a = parse_date("2017-03-07T15:41:54.042442+00:00")
            .unwrap()
            .unwrap();
        let b = parse_date("2017-03-07T15:41:54.042442+0000")
            .unwrap()
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_rfc3339(), "2017-03-07T15:41:54.042442+00:00");
        let c = parse_date("2023-07-11T20:33:14.617000+0000")
            .unwrap()
            .unwrap();
        assert_eq!(c.timestamp_millis(), 1_689_107_594_617);
        assert_eq!(parse_date("0001-01-01T00:00:00+00:00").unwrap(), None);
        assert!(parse_date("2017-03-07T15:41:54+02:00").unwrap().is_some());
        assert!(parse_date("yesterday").is_err());
        assert_eq!(opt_date("x", &None).unwrap(), None);
        let e = req_date("messages.a.date", &Some("nope".into())).unwrap_err();
        assert_eq!(e.field, "messages.a.date");
    }

    #[test]
    fn epoch_dates() {
        let d = epoch_date("date", 1_483_592_673.0).unwrap();
        assert_eq!(d.to_rfc3339(), "2017-01-05T05:04:33+00:00");
        assert!(epoch_date("date", f64::NAN).is_err());
    }
}
