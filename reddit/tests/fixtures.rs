//! One parse test per recorded Reddit answer in `fixtures/reddit/`: the wire types
//! read the real JSON, and the conversions give the values the recording holds.

#![allow(clippy::unwrap_used)] // tests may panic on the unexpected

use appealmod_core::domain::{
    Conversation, ConversationState, ConversationSummary, ModActionKind, RedditUsername,
};
use appealmod_reddit::RateHeaders;
use appealmod_reddit::wire::{
    self, BannedUser, ConversationList, ConversationResponse, Listing, TokenResponse,
};
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

/// The recorder replaced the test account and subreddit with placeholders that are not
/// valid names; put plausible ones back so the name checks run on the real structure.
fn fixture(file: &str) -> Value {
    let path = format!("{}/../fixtures/reddit/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let text = text
        .replace("<USERNAME>", "scrubbed_user")
        .replace("<TEST_SUBREDDIT>", "scrubbed_sub");
    serde_json::from_str(&text).unwrap()
}

fn body<T: serde::de::DeserializeOwned>(fx: &Value) -> T {
    serde_json::from_value(fx["json"].clone()).unwrap()
}

fn headers(fx: &Value) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, vs) in fx["headers"].as_object().unwrap() {
        for v in vs.as_array().unwrap() {
            h.append(
                HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).unwrap(),
                HeaderValue::from_str(v.as_str().unwrap()).unwrap(),
            );
        }
    }
    h
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn token() {
    let fx = fixture("token.json");
    let t: TokenResponse = body(&fx);
    assert_eq!(t.access_token.as_deref(), Some("<ACCESS_TOKEN>"));
    assert_eq!(t.token_type.as_deref(), Some("bearer"));
    assert_eq!(t.expires_in, Some(86400.0));
    assert!(t.scope.unwrap().split(' ').any(|s| s == "modmail"));
    assert!(t.error.is_none());
    // The documented refusal shape reads too.
    let refused: TokenResponse = serde_json::from_str(r#"{"error": "invalid_grant"}"#).unwrap();
    assert_eq!(refused.error, Some(Value::String("invalid_grant".into())));
    assert!(refused.access_token.is_none());
}

#[test]
fn conversations_list() {
    let fx = fixture("conversations_list.json");
    let rate = RateHeaders::from_headers(&headers(&fx)).unwrap();
    assert_eq!(rate.remaining, 326.0);
    assert_eq!(rate.used, Some(274));
    assert_eq!(rate.reset.as_secs(), 300);

    let list: ConversationList = body(&fx);
    assert_eq!(list.viewer_id.as_deref(), Some("t2_o77bz"));
    let all = Vec::<ConversationSummary>::try_from(&list).unwrap();
    assert_eq!(all.len(), 100);
    let ids: Vec<&str> = all.iter().take(3).map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["pinb6", "viokk", "vio8h"]);

    let first = &all[0];
    assert_eq!(first.subreddit.as_str(), "pics");
    assert_eq!(
        first.subject,
        "You've been permanently banned from participating in r/pics"
    );
    assert_eq!(first.state, ConversationState::InProgress);
    // The recorded default listing: 21 of 100 in the Ban Appeals folder, none archived.
    let in_state = |s: ConversationState| all.iter().filter(|c| c.state == s).count();
    assert_eq!(in_state(ConversationState::Appeals), 21);
    assert_eq!(in_state(ConversationState::Archived), 0);
    assert!(first.is_auto);
    assert_eq!(first.num_messages, 3);
    // The user's own view of it: reddit.com/message/messages/12tz1li.
    assert_eq!(first.legacy_first_message_id.as_deref(), Some("12tz1li"));
    assert!(all.iter().all(|c| c.legacy_first_message_id.is_some()));
    assert_eq!(first.participant.as_ref().unwrap().as_str(), "helpfuldan");
    assert_eq!(first.last_updated, at("2021-12-09T02:06:00.156337+00:00"));
    assert_eq!(
        first.last_user_update,
        Some(at("2021-12-09T01:45:53.588185+00:00"))
    );

    // 5 have `participant: {}` and only AutoModerator as author: mod-only notifications,
    // no participant. (conversation_get.json covers the fall-back to a non-mod author.)
    let without: Vec<&str> = all
        .iter()
        .filter(|c| c.participant.is_none())
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(without, ["vijqe", "vihdg", "vhtw6", "vhpzn", "vhp8m"]);
    // Some have no moderator update yet (`lastModUpdate: null`).
    assert!(all.iter().any(|c| c.last_mod_update.is_none()));
    // Newest first, as `conversationIds` orders them.
    assert!(
        all.windows(2)
            .all(|w| w[0].last_updated >= w[1].last_updated)
    );
    // The list carries one (the last) message per conversation.
    assert_eq!(list.messages.len(), 100);

    // The lenient reader keeps each conversation's last message (what a reminder can be
    // decided from without reading the conversation).
    let raw = serde_json::to_vec(&fx["json"]).unwrap();
    let lenient = wire::read_listing(&raw).unwrap();
    assert_eq!(lenient.summaries.len(), 100);
    assert_eq!(lenient.last_messages.len(), 100);
    let last = &lenient.last_messages[&first.id];
    assert_eq!(last.id, "1b71ic");
    assert_eq!(last.author.name, "N8theGr8");
    assert!(last.author.is_mod);
    assert!(!last.is_internal);
    assert_eq!(last.date, first.last_updated);
}

#[test]
fn conversation_get() {
    let fx = fixture("conversation_get.json");
    let r: ConversationResponse = body(&fx);
    let c = Conversation::try_from(&r).unwrap();
    assert_eq!(c.id().as_str(), "ik72");
    assert_eq!(c.summary.subreddit.as_str(), "ThirdRealm");
    assert_eq!(c.summary.subject, "This is an outrage!");
    assert!(c.is_archived());
    assert!(!c.summary.is_auto);
    // `participant` is `{}` here: the non-moderator author stands in.
    assert_eq!(
        c.summary.participant.as_ref().unwrap().as_str(),
        "BJO_test_user"
    );
    assert_eq!(c.authors.len(), 7);

    let ids: Vec<&str> = c.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["uui4", "uuln", "138au", "138h7", "138qf"]);
    let first = &c.messages[0];
    assert_eq!(first.author.name, "BJO_test_user");
    assert!(!first.author.is_mod);
    assert_eq!(
        first.body_markdown,
        "How dare you ban /r/ThirdRealm's most prolific poster?"
    );
    assert_eq!(first.date, at("2017-03-07T15:28:19.342937+00:00"));
    assert!(c.messages[1].author.is_mod);

    let actions: Vec<(&str, ModActionKind)> = c
        .mod_actions
        .iter()
        .map(|a| (a.id.as_str(), a.kind))
        .collect();
    assert_eq!(
        actions,
        [
            ("bmb6", ModActionKind::Archive),
            ("em79", ModActionKind::Archive)
        ]
    );
    assert_eq!(c.mod_actions[1].author.name, "BJO_test_mod");
    assert_eq!(c.last_activity(), at("2017-03-29T18:35:08.920838+00:00"));

    // The user opened this conversation; their ban notice is another of their recent
    // conversations with the subreddit, found by Reddit's subject.
    assert_eq!(
        appealmod_core::decide::trigger::ban_notice_elsewhere(&c).map(|id| id.as_str()),
        Some("ik9t")
    );
    let p = c.participant.unwrap();
    assert_eq!(p.name, RedditUsername::parse("bjo_test_user").unwrap());
    assert!(p.is_banned);
    assert!(p.ban_is_permanent);
    assert_eq!(p.ban_end, None);
    assert!(!p.is_muted);
    assert!(!p.is_suspended);
    let recent: Vec<(&str, &str)> = p
        .recent_conversations
        .iter()
        .map(|r| (r.id.as_str(), r.subject.as_str()))
        .collect();
    assert_eq!(
        recent,
        [
            ("ik72", "This is an outrage!"),
            (
                "ik9t",
                "You've been banned from participating in r/ThirdRealm"
            ),
            ("ja9m", "test message"),
        ],
        "user.recentConvos, oldest first"
    );
}

#[test]
fn conversation_reply() {
    let fx = fixture("conversation_reply.json");
    assert_eq!(fx["status"], 201);
    let r: ConversationResponse = body(&fx);
    let c = Conversation::try_from(&r).unwrap();
    assert_eq!(c.id().as_str(), "ik72");
    assert_eq!(c.summary.state, ConversationState::InProgress);
    let last = c.messages.last().unwrap();
    assert_eq!(last.id, "138qf");
    assert_eq!(last.body_markdown, "A message");
    assert_eq!(last.author.name, "BJO_test_mod");
    assert!(!last.is_internal);
    // Here `modActions` sits inside `conversation`; it is still found.
    assert_eq!(c.mod_actions.len(), 1);
    assert_eq!(c.mod_actions[0].id, "bmb6");
    // No `user` block in a reply answer.
    assert!(c.participant.is_none());
}

#[test]
fn conversation_reply_internal() {
    let fx = fixture("conversation_reply_internal.json");
    let r: ConversationResponse = body(&fx);
    let c = Conversation::try_from(&r).unwrap();
    assert_eq!(c.id().as_str(), "1mahha");
    assert_eq!(c.summary.subreddit.as_str(), "scrubbed_sub");
    // Dates in the `+0000` form.
    assert_eq!(c.summary.last_updated, at("2023-07-11T20:33:14.617+00:00"));
    assert_eq!(c.summary.last_user_update, None);
    let ids: Vec<&str> = c.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["2bjn0i", "2bjn0k", "2bjn2z"]);
    let note = c.messages.last().unwrap();
    assert!(note.is_internal);
    assert_eq!(note.body_markdown, "A message");
    assert!(c.messages[0].author.is_hidden);
    assert!(c.mod_actions.is_empty());
    // A filled `participant` object wins over the authors list.
    assert_eq!(c.summary.participant.unwrap().as_str(), "scrubbed_user");
    let p = c.participant.unwrap();
    assert!(!p.is_banned);
}

#[test]
fn conversation_archive() {
    let fx = fixture("conversation_archive.json");
    assert_eq!(fx["status"], 204);
    assert!(fx["json"].is_null());
    let rate = RateHeaders::from_headers(&headers(&fx)).unwrap();
    assert_eq!(rate.remaining, 598.0);
    assert_eq!(rate.used, Some(2));
    assert_eq!(rate.reset.as_secs(), 229);
}

#[test]
fn conversation_unarchive() {
    let fx = fixture("conversation_unarchive.json");
    // This answer spells the object `conversations` (one object).
    let r: ConversationResponse = body(&fx);
    let c = Conversation::try_from(&r).unwrap();
    assert_eq!(c.id().as_str(), "ik72");
    assert_eq!(c.summary.state, ConversationState::InProgress);
    assert_eq!(c.summary.num_messages, 5);
    let actions: Vec<&str> = c.mod_actions.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(actions, ["bmb6", "em79", "em7z"]);
    assert_eq!(c.mod_actions[2].kind, ModActionKind::Unarchive);
    assert_eq!(c.messages.len(), 5);
}

#[test]
fn banned_user_filter() {
    let fx = fixture("banned_user_filter.json");
    let listing: Listing<BannedUser> = body(&fx);
    assert_eq!(listing.kind.as_deref(), Some("Listing"));
    let who = RedditUsername::parse("pyapitestuser3").unwrap();
    let ban = wire::ban_of(&listing, &who).unwrap().unwrap();
    assert_eq!(ban.user.as_str(), "PyAPITestUser3");
    assert_eq!(ban.note, "Sample rule");
    assert_eq!(ban.date, at("2017-01-05T05:04:33+00:00"));
    let other = RedditUsername::parse("someone_else").unwrap();
    assert_eq!(wire::ban_of(&listing, &other).unwrap(), None);
}

#[test]
fn conversion_errors_name_the_field() {
    let fx = fixture("conversation_get.json");
    let mut json = fx["json"].clone();
    json["messages"]["uuln"]["date"] = Value::String("not a date".into());
    let r: ConversationResponse = serde_json::from_value(json).unwrap();
    let e = Conversation::try_from(&r).unwrap_err();
    assert_eq!(e.field, "messages.uuln.date");
    assert!(e.to_string().contains("not a date"), "{e}");
}

#[test]
fn mod_note_create() {
    let fx = fixture("mod_note_create.json");
    let created: wire::ModNoteCreated = body(&fx);
    let note = appealmod_core::domain::ModNote::try_from(&created.created).unwrap();
    assert_eq!(
        note.id.as_str(),
        "ModNote_4a31835b-658e-4fea-8cee-429a41276cd4"
    );
    assert_eq!(
        (note.subreddit.as_str(), note.user.as_str()),
        ("scrubbed_sub", "Lil_SpazTest")
    );
    assert_eq!(note.operator, "scrubbed_user");
    assert_eq!(note.note, "test note");
    assert_eq!(
        note.label,
        Some(appealmod_core::domain::ModNoteLabel::HelpfulUser)
    );
    assert_eq!(note.created_at.timestamp(), 1_651_446_779);
}

#[test]
fn mod_notes_list() {
    let fx = fixture("mod_notes_list.json");
    let page: wire::ModNotesPage = body(&fx);
    assert!(!page.has_next_page);
    assert_eq!(page.end_cursor.as_deref(), Some("MTY1MTM2MDI1MzU3Ng=="));
    let notes = Vec::<appealmod_core::domain::ModNote>::try_from(&page).unwrap();
    assert_eq!(notes.len(), 8);
    assert!(
        notes.windows(2).all(|w| w[0].created_at >= w[1].created_at),
        "newest first"
    );
    assert_eq!(notes[5].note, "test");
    // An action note (a ban, say) has no text and is not one of the bot's: left out.
    let mut with_action = page.clone();
    with_action.mod_notes[0].kind = "BAN".into();
    with_action.mod_notes[0].user_note_data.note = None;
    assert_eq!(
        Vec::<appealmod_core::domain::ModNote>::try_from(&with_action)
            .unwrap()
            .len(),
        7
    );
}
