//! Reddit's JSON shapes, built from the model. Only this module knows them.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::model::{AccountStatus, Conversation, Entry, Message, ModAction, Sim, key};

/// `2017-03-07T15:41:54.042442+00:00`
pub fn date(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// `2023-07-11T20:32:12.025000+0000`: the other form Reddit sends (message dates).
pub fn date_compact(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%S%.6f+0000").to_string()
}

fn opt_date(d: Option<DateTime<Utc>>) -> Value {
    d.map_or(Value::Null, |d| Value::String(date(d)))
}

pub fn error(status: u16, message: &str) -> Value {
    json!({"message": message, "error": status})
}

fn markdown_to_html(md: &str) -> String {
    // Reddit renders markdown; escaped paragraphs are close enough for clients that read
    // `bodyMarkdown` and only need `body` to exist.
    let paras: Vec<String> = md
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", crate::html::escape(p)))
        .collect();
    format!(
        "<!-- SC_OFF --><div class=\"md\">{}\n</div><!-- SC_ON -->",
        paras.join("\n\n")
    )
}

fn author(sim: &Sim, conv: &Conversation, name: &str, hidden: bool) -> Value {
    let k = key(name);
    let user = sim.users.get(&k);
    let is_mod = sim.is_mod(&conv.subreddit, name) || k == conv.subreddit;
    json!({
        "isMod": is_mod,
        "isAdmin": false,
        "name": user.map_or(name, |u| u.name.as_str()),
        "isOp": conv.first_author().is_some_and(|a| key(a) == k),
        "isParticipant": conv.participant.as_deref() == Some(k.as_str()),
        "isApproved": false,
        "isHidden": hidden,
        "id": user.map_or(0, |u| u.num),
        "isDeleted": user.is_some_and(|u| u.status == AccountStatus::Deleted),
    })
}

fn message(sim: &Sim, conv: &Conversation, m: &Message) -> Value {
    json!({
        "body": markdown_to_html(&m.body),
        "author": author(sim, conv, &m.author, m.is_hidden),
        "isInternal": m.is_internal,
        "date": date_compact(m.date),
        "bodyMarkdown": m.body,
        "id": m.id,
        "participatingAs": if sim.is_mod(&conv.subreddit, &m.author) { "moderator" } else { "participant_user" },
    })
}

fn mod_action(sim: &Sim, a: &ModAction) -> Value {
    let user = sim.users.get(&key(&a.author));
    json!({
        "date": date(a.date),
        "actionTypeId": a.action_type_id,
        "id": a.id,
        "author": {
            "name": a.author,
            "isMod": true,
            "isAdmin": false,
            "isHidden": false,
            "id": user.map_or(0, |u| u.num),
            "isDeleted": user.is_some_and(|u| u.status == AccountStatus::Deleted),
        },
    })
}

pub fn messages(sim: &Sim, conv: &Conversation) -> Value {
    Value::Object(
        conv.messages()
            .map(|m| (m.id.clone(), message(sim, conv, m)))
            .collect(),
    )
}

pub fn last_message(sim: &Sim, conv: &Conversation) -> Option<(String, Value)> {
    conv.messages()
        .last()
        .map(|m| (m.id.clone(), message(sim, conv, m)))
}

pub fn mod_actions(sim: &Sim, conv: &Conversation) -> Value {
    Value::Object(
        conv.mod_actions()
            .map(|a| (a.id.clone(), mod_action(sim, a)))
            .collect(),
    )
}

/// The `conversation` object shared by list, get, reply and unarchive.
pub fn conversation(sim: &Sim, conv: &Conversation) -> Value {
    let sub = sim.subreddits.get(&conv.subreddit);
    let obj_ids: Vec<Value> = conv
        .entries
        .iter()
        .map(|e| match e {
            Entry::Messages(m) => json!({"id": m.id, "key": "messages"}),
            Entry::ModActions(a) => json!({"id": a.id, "key": "modActions"}),
        })
        .collect();
    let authors: Vec<Value> = conv
        .entries
        .iter()
        .map(|e| match e {
            Entry::Messages(m) => author(sim, conv, &m.author, m.is_hidden),
            Entry::ModActions(a) => author(sim, conv, &a.author, false),
        })
        .collect();
    let participant = conv
        .participant
        .as_deref()
        .map_or_else(|| json!({}), |p| author(sim, conv, p, false));
    json!({
        "isAuto": conv.is_auto,
        "participant": participant,
        "objIds": obj_ids,
        "isRepliable": true,
        "lastUserUpdate": opt_date(conv.last_user_update),
        "isInternal": conv.is_internal,
        "lastModUpdate": opt_date(conv.last_mod_update),
        "authors": authors,
        "lastUpdated": date(conv.last_updated),
        "participantSubreddit": {},
        "legacyFirstMessageId": conv.legacy_first_message_id,
        "state": conv.state.number(),
        "conversationType": if conv.participant.is_some() { "sr_user" } else { "internal" },
        "lastUnread": opt_date(conv.last_unread),
        "owner": {
            "displayName": sub.map_or(conv.subreddit.as_str(), |s| s.name.as_str()),
            "type": "subreddit",
            "id": sub.map(|s| s.fullname()).unwrap_or_default(),
        },
        "subject": conv.subject,
        "id": conv.id,
        "isHighlighted": conv.is_highlighted,
        "numMessages": conv.messages().count(),
    })
}

/// The `user` object: the participant as moderators see them, with ban and mute status.
pub fn user(sim: &Sim, conv: &Conversation, now: DateTime<Utc>) -> Value {
    let Some(pkey) = conv.participant.as_deref() else {
        return json!({});
    };
    let Some(u) = sim.users.get(pkey) else {
        return json!({});
    };
    let ban = sim.active_ban(&conv.subreddit, pkey, now);
    let sub_name = sim
        .subreddits
        .get(&conv.subreddit)
        .map_or(conv.subreddit.as_str(), |s| s.name.as_str());
    let mut convos = Map::new();
    for c in sim
        .conversations
        .values()
        .filter(|c| c.subreddit == conv.subreddit && c.participant.as_deref() == Some(pkey))
    {
        convos.insert(
            c.id.clone(),
            json!({
                "date": date(c.last_user_update.unwrap_or(c.created)),
                "permalink": format!("https://mod.reddit.com/mail/perma/{}", c.id),
                "id": c.id,
                "subject": c.subject,
            }),
        );
    }
    // Synthetic history keeps `recentComments`/`recentPosts` shaped like Reddit's.
    let cid = format!("t1_{}", crate::model::base36(u.num * 7));
    let pid = format!("t3_{}", crate::model::base36(u.num * 3));
    let mut comments = Map::new();
    let mut posts = Map::new();
    if u.status == AccountStatus::Active {
        comments.insert(
            cid.clone(),
            json!({
                "comment": "a comment",
                "date": date(u.created + chrono::Duration::days(30)),
                "permalink": format!("https://www.reddit.com/r/{sub_name}/comments/{}/a_post/{}/", &pid[3..], &cid[3..]),
                "title": "A post",
            }),
        );
        posts.insert(
            pid.clone(),
            json!({
                "date": date(u.created + chrono::Duration::days(20)),
                "permalink": format!("https://www.reddit.com/r/{sub_name}/comments/{}/a_post/", &pid[3..]),
                "title": "A post",
            }),
        );
    }
    let muted = sim
        .muted
        .contains(&(conv.subreddit.clone(), pkey.to_owned()));
    json!({
        "recentComments": comments,
        "muteStatus": {"muteCount": u8::from(muted), "isMuted": muted, "endDate": null, "reason": ""},
        "name": u.name,
        "created": date(u.created),
        "banStatus": {
            "endDate": opt_date(ban.and_then(|b| b.ends())),
            "reason": ban.map_or("", |b| b.note.as_str()),
            "isBanned": ban.is_some(),
            "isPermanent": ban.is_some_and(|b| b.duration_days.is_none()),
        },
        "isSuspended": u.status == AccountStatus::Suspended,
        "approveStatus": {"isApproved": false},
        "isShadowBanned": false,
        "recentPosts": posts,
        "recentConvos": convos,
        "id": u.fullname(),
    })
}

/// `GET /api/mod/conversations/{id}`.
pub fn conversation_get(sim: &Sim, conv: &Conversation, now: DateTime<Utc>) -> Value {
    with_user(
        sim,
        conv,
        now,
        json!({
            "conversation": conversation(sim, conv),
            "messages": messages(sim, conv),
            "modActions": mod_actions(sim, conv),
            "participantSubreddit": {},
        }),
    )
}

/// Adds `user` only when there is a participant: an empty `user` object would lack the
/// `name` every client expects of it.
fn with_user(sim: &Sim, conv: &Conversation, now: DateTime<Utc>, mut body: Value) -> Value {
    let u = user(sim, conv, now);
    if let (Value::Object(o), true) = (&mut body, u.get("name").is_some()) {
        o.insert("user".into(), u);
    }
    body
}

/// `POST /api/mod/conversations/{id}`: Reddit nests `modActions` in the conversation here.
pub fn conversation_reply(sim: &Sim, conv: &Conversation, now: DateTime<Utc>) -> Value {
    let mut c = conversation(sim, conv);
    if let Value::Object(o) = &mut c {
        o.insert("modActions".into(), mod_actions(sim, conv));
    }
    with_user(
        sim,
        conv,
        now,
        json!({
            "conversation": c,
            "messages": messages(sim, conv),
            "modActions": mod_actions(sim, conv),
            "participantSubreddit": {},
        }),
    )
}

/// `POST .../unarchive`: Reddit names the one conversation `conversations` here. Only that
/// key is sent, since clients that accept both spellings reject a body holding both.
pub fn conversation_unarchive(sim: &Sim, conv: &Conversation, now: DateTime<Utc>) -> Value {
    with_user(
        sim,
        conv,
        now,
        json!({
            "conversations": conversation(sim, conv),
            "messages": messages(sim, conv),
            "modActions": mod_actions(sim, conv),
        }),
    )
}
