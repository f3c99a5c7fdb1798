//! Reddit's JSON shapes, built from the model. Only this module knows them.
//!
//! Key sets follow the recordings in `fixtures/reddit/`: a listing's conversations and
//! messages carry exactly the keys of the recorded listing, the single-conversation
//! answers the keys of the recorded get/reply/unarchive answers.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::model::{AccountStatus, Conversation, Entry, Message, ModAction, Sim, key};

/// How an account whose user deleted it is named everywhere.
const DELETED: &str = "[deleted]";

/// `2017-03-07T15:41:54.042442+00:00`
pub fn date(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// `2023-07-11T20:32:12.025000+0000`: the other form Reddit sends (the reply answer's
/// message, conversation and recent-conversation dates).
pub fn date_compact(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%S%.6f+0000").to_string()
}

/// Which of Reddit's two date forms an answer uses.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Dates {
    /// `+00:00`: listings, get, unarchive, create.
    Colon,
    /// `+0000`: the reply answer, as recorded.
    Compact,
}

impl Dates {
    fn of(self, d: DateTime<Utc>) -> String {
        match self {
            Self::Colon => date(d),
            Self::Compact => date_compact(d),
        }
    }

    fn opt(self, d: Option<DateTime<Utc>>) -> Value {
        d.map_or(Value::Null, |d| Value::String(self.of(d)))
    }
}

pub fn error(status: u16, message: &str) -> Value {
    json!({"message": message, "error": status})
}

/// The name shown for an account: `[deleted]` once its user deleted it.
fn shown_name(sim: &Sim, name: &str) -> String {
    match sim.users.get(&key(name)) {
        Some(u) if u.status == AccountStatus::Deleted => DELETED.to_owned(),
        Some(u) => u.name.clone(),
        None => name.to_owned(),
    }
}

fn author(sim: &Sim, conv: &Conversation, name: &str, hidden: bool) -> Value {
    let k = key(name);
    let user = sim.users.get(&k);
    let is_mod = sim.is_mod(&conv.subreddit, name) || k == conv.subreddit;
    json!({
        "isMod": is_mod,
        "isAdmin": false,
        "name": shown_name(sim, name),
        "isOp": conv.first_author().is_some_and(|a| key(a) == k),
        "isParticipant": conv.participant.as_deref() == Some(k.as_str()),
        "isApproved": false,
        "isHidden": hidden,
        "id": user.map_or(0, |u| u.num),
        "isDeleted": user.is_some_and(|u| u.status == AccountStatus::Deleted),
    })
}

/// A message; the single-conversation answers add `participatingAs`, listings do not.
fn message(sim: &Sim, conv: &Conversation, m: &Message, dates: Dates, full: bool) -> Value {
    let mut v = json!({
        "body": crate::markdown::body_html(&m.body),
        "author": author(sim, conv, &m.author, m.is_hidden),
        "isInternal": m.is_internal,
        "date": dates.of(m.date),
        "bodyMarkdown": m.body,
        "id": m.id,
    });
    if let (true, Value::Object(o)) = (full, &mut v) {
        let role = if sim.is_mod(&conv.subreddit, &m.author) {
            "moderator"
        } else {
            "participant_user"
        };
        o.insert("participatingAs".into(), json!(role));
    }
    v
}

fn mod_action(sim: &Sim, a: &ModAction, dates: Dates) -> Value {
    let user = sim.users.get(&key(&a.author));
    json!({
        "date": dates.of(a.date),
        "actionTypeId": a.action_type_id,
        "id": a.id,
        "author": {
            "name": shown_name(sim, &a.author),
            "isMod": true,
            "isAdmin": false,
            "isHidden": false,
            "id": user.map_or(0, |u| u.num),
            "isDeleted": user.is_some_and(|u| u.status == AccountStatus::Deleted),
        },
    })
}

fn messages(sim: &Sim, conv: &Conversation, dates: Dates) -> Value {
    Value::Object(
        conv.messages()
            .map(|m| (m.id.clone(), message(sim, conv, m, dates, true)))
            .collect(),
    )
}

fn mod_actions(sim: &Sim, conv: &Conversation, dates: Dates) -> Value {
    Value::Object(
        conv.mod_actions()
            .map(|a| (a.id.clone(), mod_action(sim, a, dates)))
            .collect(),
    )
}

/// The keys every conversation object has, listed or not.
fn conversation_core(sim: &Sim, conv: &Conversation, dates: Dates) -> Map<String, Value> {
    let sub = sim.subreddits.get(&conv.subreddit);
    let participant = conv
        .participant
        .as_deref()
        .map_or_else(|| json!({}), |p| author(sim, conv, p, false));
    let core = json!({
        "isAuto": conv.is_auto,
        "participant": participant,
        "isRepliable": true,
        "lastUserUpdate": dates.opt(conv.last_user_update),
        "isInternal": conv.is_internal,
        "lastModUpdate": dates.opt(conv.last_mod_update),
        "lastUpdated": dates.of(conv.last_updated),
        "legacyFirstMessageId": conv.legacy_first_message_id,
        "state": conv.state.number(),
        "lastUnread": dates.opt(conv.last_unread),
        "owner": {
            "displayName": sub.map_or(conv.subreddit.as_str(), |s| s.name.as_str()),
            "type": "subreddit",
            "id": sub.map(|s| s.fullname()).unwrap_or_default(),
        },
        "subject": conv.subject,
        "id": conv.id,
        "isHighlighted": conv.is_highlighted,
        "numMessages": conv.messages().count(),
    });
    match core {
        Value::Object(o) => o,
        _ => Map::new(),
    }
}

/// A conversation as a listing shows it: `objIds` names only its last message, `authors`
/// has one entry per message, and nothing else is added (the recorded listing's keys).
fn conversation_summary(sim: &Sim, conv: &Conversation) -> Value {
    let mut o = conversation_core(sim, conv, Dates::Colon);
    let last: Vec<Value> = conv
        .messages()
        .last()
        .map(|m| json!({"id": m.id, "key": "messages"}))
        .into_iter()
        .collect();
    let authors: Vec<Value> = conv
        .messages()
        .map(|m| author(sim, conv, &m.author, m.is_hidden))
        .collect();
    o.insert("objIds".into(), Value::Array(last));
    o.insert("authors".into(), Value::Array(authors));
    Value::Object(o)
}

/// A conversation in full: every message and mod action in `objIds`, in order.
fn conversation_full(sim: &Sim, conv: &Conversation, dates: Dates) -> Map<String, Value> {
    let mut o = conversation_core(sim, conv, dates);
    let (obj_ids, authors): (Vec<Value>, Vec<Value>) = conv
        .entries
        .iter()
        .map(|e| match e {
            Entry::Messages(m) => (
                json!({"id": m.id, "key": "messages"}),
                author(sim, conv, &m.author, m.is_hidden),
            ),
            Entry::ModActions(a) => (
                json!({"id": a.id, "key": "modActions"}),
                author(sim, conv, &a.author, false),
            ),
        })
        .unzip();
    o.insert("objIds".into(), Value::Array(obj_ids));
    o.insert("authors".into(), Value::Array(authors));
    let kind = if conv.participant.is_some() {
        "sr_user"
    } else {
        "internal"
    };
    o.insert("conversationType".into(), json!(kind));
    o.insert("participantSubreddit".into(), json!({}));
    o
}

/// `GET /api/mod/conversations`: the conversations in order, each with its last message.
pub fn listing(sim: &Sim, convs: &[&Conversation], viewer: &str) -> Value {
    let mut conversations = Map::new();
    let mut msgs = Map::new();
    let mut ids = Vec::new();
    for c in convs {
        ids.push(Value::String(c.id.clone()));
        conversations.insert(c.id.clone(), conversation_summary(sim, c));
        if let Some(m) = c.messages().last() {
            msgs.insert(m.id.clone(), message(sim, c, m, Dates::Colon, false));
        }
    }
    let viewer = sim
        .users
        .get(viewer)
        .map(|u| u.fullname())
        .unwrap_or_default();
    json!({
        "conversations": conversations,
        "messages": msgs,
        "viewerId": viewer,
        "conversationIds": ids,
    })
}

fn recent_convos(sim: &Sim, conv: &Conversation, pkey: &str, dates: Dates) -> Value {
    let mut convos = Map::new();
    for c in sim
        .conversations
        .values()
        .filter(|c| c.subreddit == conv.subreddit && c.participant.as_deref() == Some(pkey))
    {
        convos.insert(
            c.id.clone(),
            json!({
                "date": dates.of(c.last_user_update.unwrap_or(c.created)),
                "permalink": format!("https://mod.reddit.com/mail/perma/{}", c.id),
                "id": c.id,
                "subject": c.subject,
            }),
        );
    }
    Value::Object(convos)
}

/// Synthetic history keeps `recentComments`/`recentPosts` shaped like Reddit's.
fn recent_history(u: &crate::model::User, sub_name: &str) -> (Value, Value) {
    let mut comments = Map::new();
    let mut posts = Map::new();
    if u.status == AccountStatus::Active {
        let cid = format!("t1_{}", crate::model::base36(u.num * 7));
        let pid = format!("t3_{}", crate::model::base36(u.num * 3));
        let (c36, p36) = (&cid[3..], &pid[3..]);
        comments.insert(
            cid.clone(),
            json!({
                "comment": "a comment",
                "date": date(u.created + chrono::Duration::days(30)),
                "permalink": format!("https://www.reddit.com/r/{sub_name}/comments/{p36}/a_post/{c36}/"),
                "title": "A post",
            }),
        );
        posts.insert(
            pid.clone(),
            json!({
                "date": date(u.created + chrono::Duration::days(20)),
                "permalink": format!("https://www.reddit.com/r/{sub_name}/comments/{p36}/a_post/"),
                "title": "A post",
            }),
        );
    }
    (Value::Object(comments), Value::Object(posts))
}

/// The `user` object: the participant as moderators see them, with ban and mute status;
/// `{}` for a mod discussion, which has no participant.
fn user(sim: &Sim, conv: &Conversation, now: DateTime<Utc>, dates: Dates) -> Value {
    let Some((pkey, u)) = conv
        .participant
        .as_deref()
        .and_then(|p| sim.users.get(p).map(|u| (p, u)))
    else {
        return json!({});
    };
    let ban = sim.active_ban(&conv.subreddit, pkey, now);
    let sub_name = sim
        .subreddits
        .get(&conv.subreddit)
        .map_or(conv.subreddit.as_str(), |s| s.name.as_str());
    let (comments, posts) = recent_history(u, sub_name);
    let muted = sim
        .muted
        .contains(&(conv.subreddit.clone(), pkey.to_owned()));
    json!({
        "recentComments": comments,
        "muteStatus": {"muteCount": u8::from(muted), "isMuted": muted, "endDate": null, "reason": ""},
        "name": shown_name(sim, pkey),
        "created": date(u.created),
        "banStatus": {
            "endDate": ban.and_then(|b| b.ends()).map(date),
            "reason": ban.map_or("", |b| b.note.as_str()),
            "isBanned": ban.is_some(),
            "isPermanent": ban.is_some_and(|b| b.duration_days.is_none()),
        },
        "isSuspended": u.status == AccountStatus::Suspended,
        "approveStatus": {"isApproved": false},
        "isShadowBanned": false,
        "recentPosts": posts,
        "recentConvos": recent_convos(sim, conv, pkey, dates),
        "id": u.fullname(),
    })
}

/// `GET /api/mod/conversations/{id}`.
pub fn conversation_get(sim: &Sim, conv: &Conversation, now: DateTime<Utc>) -> Value {
    json!({
        "conversation": conversation_full(sim, conv, Dates::Colon),
        "messages": messages(sim, conv, Dates::Colon),
        "modActions": mod_actions(sim, conv, Dates::Colon),
        "user": user(sim, conv, now, Dates::Colon),
        "participantSubreddit": {},
    })
}

/// `POST /api/mod/conversations/{id}` (201): recorded with `+0000` dates, and (in the older
/// recording) with `modActions` nested in the conversation; both places are filled.
pub fn conversation_reply(sim: &Sim, conv: &Conversation, now: DateTime<Utc>) -> Value {
    let mut c = conversation_full(sim, conv, Dates::Compact);
    c.insert("modActions".into(), mod_actions(sim, conv, Dates::Compact));
    json!({
        "conversation": c,
        "messages": messages(sim, conv, Dates::Compact),
        "modActions": mod_actions(sim, conv, Dates::Compact),
        "user": user(sim, conv, now, Dates::Compact),
        "participantSubreddit": {},
    })
}

/// `POST .../unarchive` (200): Reddit names the one conversation `conversations` here. Only
/// that key is sent, since clients that accept both spellings reject a body holding both.
pub fn conversation_unarchive(sim: &Sim, conv: &Conversation) -> Value {
    json!({
        "conversations": conversation_full(sim, conv, Dates::Colon),
        "messages": messages(sim, conv, Dates::Colon),
        "modActions": mod_actions(sim, conv, Dates::Colon),
    })
}

/// `POST /api/mod/conversations` (201): the new conversation, its first message and no mod
/// actions.
pub fn conversation_created(sim: &Sim, conv: &Conversation) -> Value {
    json!({
        "conversation": conversation_full(sim, conv, Dates::Colon),
        "messages": messages(sim, conv, Dates::Colon),
        "modActions": {},
    })
}

// ---- Mod Notes ------------------------------------------------------------------------

/// A user note as `POST /api/mod/notes` (under `created`) and `GET /api/mod/notes` (with
/// its `cursor`) send it, keys as in PRAW's recording `TestComment.test_notes` (2022).
pub fn mod_note(sim: &Sim, n: &crate::model::ModNote, with_cursor: bool) -> Value {
    let sub = sim.subreddits.get(&n.subreddit);
    let user = sim.users.get(&n.user);
    let operator = sim.users.get(&n.operator);
    let mut v = json!({
        "subreddit_id": sub.map(crate::model::Subreddit::fullname).unwrap_or_default(),
        "operator_id": operator.map(crate::model::User::fullname).unwrap_or_default(),
        "mod_action_data": {
            "action": null,
            "reddit_id": n.reddit_id,
            "details": null,
            "description": null,
        },
        "subreddit": sub.map_or(n.subreddit.as_str(), |s| s.name.as_str()),
        "user": shown_name(sim, &n.user),
        "operator": shown_name(sim, &n.operator),
        "id": n.id,
        "user_note_data": {"note": n.note, "reddit_id": n.reddit_id, "label": n.label},
        "user_id": user.map(crate::model::User::fullname).unwrap_or_default(),
        "created_at": n.created.timestamp(),
        "type": "NOTE",
    });
    if with_cursor && let Some(o) = v.as_object_mut() {
        o.insert("cursor".into(), Value::String(mod_note_cursor(n.created)));
    }
    v
}

/// Reddit's cursors are base64 of the note's time in milliseconds (`MTY1MTQ0Njc3OTU2Mg==`).
pub fn mod_note_cursor(at: DateTime<Utc>) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(at.timestamp_millis().to_string())
}

/// The time a `before` cursor stands for; `None` when it is not one of ours.
pub fn mod_note_cursor_time(cursor: &str) -> Option<DateTime<Utc>> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(cursor.trim())
        .ok()?;
    let millis: i64 = std::str::from_utf8(&raw).ok()?.parse().ok()?;
    DateTime::from_timestamp_millis(millis)
}

/// `GET /api/mod/notes`: `{mod_notes, start_cursor, end_cursor, has_next_page}`.
pub fn mod_notes_page(sim: &Sim, page: &crate::model::ModNotePage) -> Value {
    let notes: Vec<Value> = page.notes.iter().map(|n| mod_note(sim, n, true)).collect();
    let cursor = |n: Option<&crate::model::ModNote>| {
        n.map_or(Value::Null, |n| Value::String(mod_note_cursor(n.created)))
    };
    json!({
        "mod_notes": notes,
        "start_cursor": cursor(page.notes.first()),
        "end_cursor": cursor(page.notes.last()),
        "has_next_page": page.has_next_page,
    })
}
