//! Contract tests: for every recorded Reddit answer in `fixtures/reddit/`, the simulator's
//! answer to the same request (same method, path, query and form body) has the recorded
//! status, the recorded keys (recursively, and no key Reddit was never recorded sending in
//! that kind of object), the same value types and the same list semantics, and our own
//! client (`appealmod-reddit`) reads both.

use appealmod_core::domain::{Conversation, ConversationSummary, RedditUsername};
use appealmod_reddit::wire::{self, BannedUser, ConversationList, ConversationResponse, Listing};
use reddit_sim::{
    BanRequest, ModActionKind, ModActionRequest, ModMessage, NewSubreddit, UserMessage,
};
use serde_json::Value;

use crate::helpers::{Recorded, SUB, TestSim, USER, cfg, fixture, recording, spawn};

/// Recordings of one conversation (get, reply, note, unarchive) share their kinds of object.
const ONE_CONVERSATION: &[&str] = &[
    "conversation_get",
    "conversation_reply",
    "conversation_reply_internal",
    "conversation_unarchive",
];

/// Every file in `fixtures/reddit/` and the test below that replays it.
const COVERED: &[&str] = &[
    "banned_user_filter",
    "conversation_archive",
    "conversation_get",
    "conversation_reply",
    "conversation_reply_internal",
    "conversation_unarchive",
    "conversations_list",
    "mod_note_create",
    "mod_notes_list",
    "token",
];

#[test]
fn every_recording_in_fixtures_has_a_contract_test() {
    let mut files: Vec<String> = std::fs::read_dir(crate::helpers::fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
        .collect();
    files.sort();
    assert_eq!(
        files, COVERED,
        "a new recording needs its contract test here"
    );
}

/// A modmail like a busy one: ban appeals (answered ban messages and one the user started),
/// a new and an in-progress conversation, archived ones that must stay out of the default
/// listing, a mod discussion, a long conversation, a highlight and a private note.
pub fn busy_modmail(t: &TestSim) -> Vec<String> {
    let sim = t.sim();
    let id = t.world(); // ban message answered by USER: appeals
    sim.mod_message(ModMessage {
        conversation_id: id.clone(),
        moderator: "alice_mod".into(),
        body: "looking into it".into(),
        internal: true,
    })
    .unwrap();
    sim.mod_action(ModActionRequest {
        conversation_id: id.clone(),
        moderator: "bob_mod".into(),
        action: ModActionKind::Highlight,
    })
    .unwrap();
    let write = |user: &str, body: &str, conv: Option<&str>| {
        sim.advance_clock(1);
        sim.user_message(UserMessage {
            subreddit: SUB.into(),
            user: user.into(),
            body: body.into(),
            subject: Some(format!("from {user}")),
            conversation_id: conv.map(str::to_owned),
        })
        .unwrap()
        .conversation_id
    };
    let ban = |user: &str, send_message: bool| {
        sim.ban(BanRequest {
            subreddit: SUB.into(),
            user: user.into(),
            note: "rule 3".into(),
            reason: Some("Rule 3".into()),
            send_message,
            ..Default::default()
        })
        .unwrap()
        .conversation_id
    };
    let fresh = write("new_user", "a question", None);
    let answered = write("answered_user", "another question", None);
    sim.mod_message(ModMessage {
        conversation_id: answered.clone(),
        moderator: "alice_mod".into(),
        body: "an answer".into(),
        internal: false,
    })
    .unwrap();
    ban("silent_banned", false);
    let started_by_banned = write("silent_banned", "why was I banned?", None);
    let unanswered_ban = ban("quiet_banned", true).unwrap();
    let long = write("chatty_user", "message 1", None);
    for i in 2..=12 {
        write("chatty_user", &format!("message {i}"), Some(&long));
    }
    let archived = write("done_user", "thanks", None);
    sim.mod_action(ModActionRequest {
        conversation_id: archived.clone(),
        moderator: "alice_mod".into(),
        action: ModActionKind::Archive,
    })
    .unwrap();
    let discussion = sim
        .mod_discussion(reddit_sim::ModDiscussion {
            subreddit: SUB.into(),
            moderator: "alice_mod".into(),
            subject: "mods only".into(),
            body: "shall we?".into(),
        })
        .unwrap()
        .conversation_id;
    vec![
        id,
        fresh,
        answered,
        started_by_banned,
        unanswered_ban,
        long,
        archived,
        discussion,
    ]
}

fn client_reads_listing(v: &Value) -> Vec<ConversationSummary> {
    let list: ConversationList = serde_json::from_value(v.clone()).unwrap();
    Vec::<ConversationSummary>::try_from(&list).unwrap()
}

fn client_reads_conversation(v: &Value) -> Conversation {
    let r: ConversationResponse = serde_json::from_value(v.clone()).unwrap();
    Conversation::try_from(&r).unwrap()
}

/// The list semantics of a listing: one `objIds` entry per conversation naming its last
/// message, `messages` holding exactly those, no `modActions`.
fn assert_summary_semantics(v: &Value) {
    let convs = v["conversations"].as_object().unwrap();
    let msgs = v["messages"].as_object().unwrap();
    assert!(v.get("modActions").is_none());
    assert_eq!(msgs.len(), convs.len());
    for c in convs.values() {
        let obj = c["objIds"].as_array().unwrap();
        assert_eq!(obj.len(), 1, "{}: objIds {obj:?}", c["id"]);
        assert_eq!(obj[0]["key"], "messages");
        assert!(msgs.contains_key(obj[0]["id"].as_str().unwrap()));
    }
}

fn states(v: &Value) -> std::collections::BTreeSet<u64> {
    v["conversations"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["state"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn contract_default_listing_matches_conversations_list_json() {
    let rec = recording("conversations_list");
    assert_summary_semantics(&rec["json"]);
    let t = spawn(cfg()).await;
    busy_modmail(&t);
    let token = t.token().await;
    let resp = t.replay(&token, &rec, &[]).await;
    assert_eq!(resp.status().as_u16(), rec["status"]);
    let got: Value = resp.json().await.unwrap();
    // Exactly the recorded listing's keys: unions over this one recording.
    Recorded::from(&["conversations_list"]).assert_matches(&fixture("conversations_list"), &got);
    assert_summary_semantics(&got);
    assert_eq!(states(&rec["json"]), [0, 1, 3].into());
    assert_eq!(states(&got), [0, 1, 3].into());
    let numbers: Vec<u64> = got["conversations"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["numMessages"].as_u64().unwrap())
        .collect();
    assert!(
        numbers.iter().any(|n| *n >= 10),
        "a long conversation is summarised: {numbers:?}"
    );
    assert_eq!(client_reads_listing(&rec["json"]).len(), 100);
    assert_eq!(
        client_reads_listing(&got).len(),
        got["conversationIds"].as_array().unwrap().len()
    );
}

async fn one_conversation(t: &TestSim) -> (String, String) {
    let id = busy_modmail(t).remove(0);
    let sim = t.sim();
    sim.mod_action(ModActionRequest {
        conversation_id: id.clone(),
        moderator: "alice_mod".into(),
        action: ModActionKind::Archive,
    })
    .unwrap();
    sim.mod_action(ModActionRequest {
        conversation_id: id.clone(),
        moderator: "alice_mod".into(),
        action: ModActionKind::Unarchive,
    })
    .unwrap();
    (id, t.token().await)
}

/// Replays one single-conversation recording against a conversation with messages, a
/// note and mod actions; returns the simulator's answer after the shared checks.
async fn replay_one(name: &str, recorded_id: &str) -> Value {
    let rec = recording(name);
    let t = spawn(cfg()).await;
    let (id, token) = one_conversation(&t).await;
    let resp = t.replay(&token, &rec, &[(recorded_id, id.as_str())]).await;
    assert_eq!(resp.status().as_u16(), rec["status"], "{name}");
    let got: Value = resp.json().await.unwrap();
    Recorded::from(ONE_CONVERSATION).assert_matches(&fixture(name), &got);
    let from_rec = client_reads_conversation(&rec["json"]);
    let from_sim = client_reads_conversation(&got);
    assert!(!from_rec.messages.is_empty() && !from_sim.messages.is_empty());
    got
}

#[tokio::test]
async fn contract_get_matches_conversation_get_json() {
    let got = replay_one("conversation_get", "ik72").await;
    // Only the full conversation names every message and mod action.
    let obj = got["conversation"]["objIds"].as_array().unwrap();
    let n_msgs = got["messages"].as_object().unwrap().len();
    let n_actions = got["modActions"].as_object().unwrap().len();
    assert_eq!(obj.len(), n_msgs + n_actions);
    assert!(n_actions >= 3);
    assert_eq!(
        got["conversation"]["numMessages"].as_u64().unwrap() as usize,
        n_msgs
    );
}

#[tokio::test]
async fn contract_reply_matches_conversation_reply_json() {
    let got = replay_one("conversation_reply", "ik72").await;
    assert!(got["conversation"]["modActions"].is_object());
}

#[tokio::test]
async fn contract_internal_note_matches_conversation_reply_internal_json() {
    let got = replay_one("conversation_reply_internal", "1mahha").await;
    let notes = got["messages"]
        .as_object()
        .unwrap()
        .values()
        .filter(|m| m["isInternal"] == true && m["bodyMarkdown"] == "A message")
        .count();
    assert_eq!(notes, 1);
}

#[tokio::test]
async fn contract_unarchive_matches_conversation_unarchive_json() {
    let got = replay_one("conversation_unarchive", "ik72").await;
    assert_eq!(got["conversations"]["state"], 1);
    assert!(got.get("conversation").is_none());
}

#[tokio::test]
async fn contract_archive_matches_conversation_archive_json() {
    let rec = recording("conversation_archive");
    let t = spawn(cfg()).await;
    let (id, token) = one_conversation(&t).await;
    let resp = t.replay(&token, &rec, &[("ik72", id.as_str())]).await;
    assert_eq!(resp.status().as_u16(), rec["status"]);
    assert!(rec["json"].is_null());
    assert!(resp.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn contract_banned_filter_matches_banned_user_filter_json() {
    let rec = recording("banned_user_filter");
    let t = spawn(cfg()).await;
    t.world();
    let token = t.token().await;
    let replace = [("scrubbed_sub", SUB), ("pyapitestuser3", USER)];
    let resp = t.replay(&token, &rec, &replace).await;
    assert_eq!(resp.status().as_u16(), rec["status"]);
    let got: Value = resp.json().await.unwrap();
    Recorded::from(&["banned_user_filter"]).assert_matches(&rec["json"], &got);
    let user = RedditUsername::parse(USER).unwrap();
    let ours: Listing<BannedUser> = serde_json::from_value(got).unwrap();
    assert!(wire::ban_of(&ours, &user).unwrap().is_some());
    let theirs: Listing<BannedUser> = serde_json::from_value(rec["json"].clone()).unwrap();
    let recorded_user = RedditUsername::parse("PyAPITestUser3").unwrap();
    assert!(wire::ban_of(&theirs, &recorded_user).unwrap().is_some());
}

#[tokio::test]
async fn contract_token_refresh_grant_matches_token_json() {
    let rec = recording("token");
    let t = spawn(cfg()).await;
    t.sim()
        .add_subreddit(NewSubreddit {
            name: SUB.into(),
            moderators: vec!["alice_mod".into()],
            bot_is_mod: true,
        })
        .unwrap();
    let first = t
        .web_login("alice_mod", "identity mysubreddits", "permanent")
        .await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let (_, path, body) = crate::helpers::recorded_request(&rec, &[("<REFRESH_TOKEN>", refresh)]);
    let app = t.sim().config().web_app;
    let resp = t
        .http
        .post(t.url(&path))
        .basic_auth(&app.client_id, Some(&app.client_secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), rec["status"]);
    let got: Value = resp.json().await.unwrap();
    Recorded::from(&["token"]).assert_matches(&rec["json"], &got);
    let parsed: wire::TokenResponse = serde_json::from_value(got.clone()).unwrap();
    assert!(parsed.error.is_none() && parsed.access_token.is_some());
    let me: Value = t
        .get(got["access_token"].as_str().unwrap(), "/api/v1/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], "alice_mod");
}

/// The recorded note's subreddit and user, replaced by the world's.
fn mod_note_names() -> [(&'static str, &'static str); 2] {
    [("scrubbed_sub", SUB), ("Lil_SpazTest", USER)]
}

#[tokio::test]
async fn contract_add_mod_note_matches_mod_note_create_json() {
    let rec = recording("mod_note_create");
    let t = spawn(cfg()).await;
    t.world();
    let token = t.token().await;
    let resp = t.replay(&token, &rec, &mod_note_names()).await;
    assert_eq!(resp.status().as_u16(), rec["status"]);
    let got: Value = resp.json().await.unwrap();
    Recorded::from(&["mod_note_create"]).assert_matches(&rec["json"], &got);
    let note = &got["created"];
    assert_eq!(note["user_note_data"]["label"], "HELPFUL_USER");
    assert_eq!(note["user_note_data"]["reddit_id"], "t1_i6yklz7");
    assert_eq!(note["type"], "NOTE");
    let ours: wire::ModNoteCreated = serde_json::from_value(got.clone()).unwrap();
    let theirs: wire::ModNoteCreated = serde_json::from_value(rec["json"].clone()).unwrap();
    for created in [&ours.created, &theirs.created] {
        let n = appealmod_core::domain::ModNote::try_from(created).unwrap();
        assert_eq!(n.note, "test note");
    }
    assert_eq!(t.sim().mod_notes_on(SUB, USER).len(), 1);
}

#[tokio::test]
async fn contract_mod_notes_listing_matches_mod_notes_list_json() {
    let rec = recording("mod_notes_list");
    let t = spawn(cfg()).await;
    t.world();
    let token = t.token().await;
    let create = recording("mod_note_create");
    for _ in 0..2 {
        let resp = t.replay(&token, &create, &mod_note_names()).await;
        assert_eq!(resp.status(), 200);
    }
    let resp = t.replay(&token, &rec, &mod_note_names()).await;
    assert_eq!(resp.status().as_u16(), rec["status"]);
    let got: Value = resp.json().await.unwrap();
    Recorded::from(&["mod_notes_list"]).assert_matches(&rec["json"], &got);
    let notes = got["mod_notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(got["start_cursor"], notes[0]["cursor"]);
    assert_eq!(got["end_cursor"], notes[1]["cursor"]);
    assert_eq!(got["has_next_page"], false);
    for page in [&got, &rec["json"]] {
        let p: wire::ModNotesPage = serde_json::from_value(page.clone()).unwrap();
        let listed = Vec::<appealmod_core::domain::ModNote>::try_from(&p).unwrap();
        assert!(
            listed
                .windows(2)
                .all(|w| w[0].created_at >= w[1].created_at)
        );
    }
}

#[test]
fn contract_every_recorded_message_body_is_reddits_rendering_of_its_markdown() {
    let (mut same, mut all) = (0, 0);
    for name in COVERED {
        let rec = fixture(name);
        for m in rec["messages"]
            .as_object()
            .into_iter()
            .flat_map(|o| o.values())
        {
            all += 1;
            let markdown = m["bodyMarkdown"].as_str().unwrap();
            let ours = reddit_sim::body_html(markdown);
            assert_eq!(ours, m["body"].as_str().unwrap(), "markdown {markdown:?}");
            same += 1;
        }
    }
    assert_eq!((same, all), (118, 118));
}

#[test]
fn key_check_refuses_a_key_reddit_never_sent() {
    let recorded = serde_json::json!({"conversation": {"id": "a", "state": 1}});
    let actual = serde_json::json!({"conversation": {"id": "b", "state": 2, "made_up": true}});
    let known = Recorded::from(&["conversation_get"]);
    let outcome = std::panic::catch_unwind(|| known.assert_matches(&recorded, &actual));
    assert!(outcome.is_err());
}
