//! `POST`/`GET /api/mod/notes` over HTTP: Reddit's refusals in its own shape, the
//! 250-character limit, who may write and read, paging by cursor, the ledger and counters.

use reddit_sim::{CallStatus, Endpoint, LedgerKind};
use serde_json::{Value, json};

use crate::helpers::{SUB, TestSim, USER, cfg, spawn};

async fn world() -> (TestSim, String) {
    let t = spawn(cfg()).await;
    t.world();
    let token = t.token().await;
    (t, token)
}

async fn add(t: &TestSim, token: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = t.post(token, "/api/mod/notes", form).await;
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

async fn list(t: &TestSim, token: &str, query: &str) -> (u16, Value) {
    let resp = t.get(token, &format!("/api/mod/notes?{query}")).await;
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

fn refusal(field: &str, explanation: &str, reason: &str) -> Value {
    json!({"fields": [field], "explanation": explanation, "message": "Bad Request", "reason": reason})
}

#[tokio::test]
async fn refusals_name_the_field_as_reddit_does() {
    let (t, token) = world().await;
    let long = "x".repeat(251);
    let cases: [(&[(&str, &str)], Value); 6] = [
        (
            &[("subreddit", "no_such_sub"), ("user", USER), ("note", "n")],
            refusal(
                "subreddit",
                "This community name isn't recognizable. Check the spelling and try again.",
                "BAD_SR_NAME",
            ),
        ),
        (
            &[("subreddit", SUB), ("user", "no_such_user"), ("note", "n")],
            refusal("user", "that user doesn't exist", "USER_DOESNT_EXIST"),
        ),
        (
            &[("subreddit", SUB), ("user", USER), ("note", " ")],
            refusal("note", "we need something here", "NO_TEXT"),
        ),
        (
            &[("subreddit", SUB), ("user", USER), ("note", &long)],
            refusal(
                "note",
                "This field must be under 250 characters",
                "TOO_LONG",
            ),
        ),
        (
            &[
                ("subreddit", SUB),
                ("user", USER),
                ("note", "n"),
                ("label", "NICE"),
            ],
            refusal("label", "that option is not valid", "INVALID_OPTION"),
        ),
        (
            &[
                ("subreddit", SUB),
                ("user", USER),
                ("note", "n"),
                ("reddit_id", "t2_abc"),
            ],
            refusal("reddit_id", "id not specified", "NO_THING_ID"),
        ),
    ];
    for (form, want) in cases {
        assert_eq!(add(&t, &token, form).await, (400, want), "{form:?}");
    }
    assert!(t.sim().mod_notes().is_empty());
    assert!(t.sim().ledger().is_empty());
    let (status, body) = list(&t, &token, &format!("subreddit={SUB}&user={USER}&filter=X")).await;
    assert_eq!(
        (status, body),
        (
            400,
            refusal("filter", "that option is not valid", "INVALID_OPTION")
        )
    );
}

#[tokio::test]
async fn exactly_250_characters_are_accepted_and_counted_as_characters() {
    let (t, token) = world().await;
    let note = "ü".repeat(250);
    let (status, body) = add(
        &t,
        &token,
        &[("subreddit", SUB), ("user", USER), ("note", &note)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"]["user_note_data"]["note"], note.as_str());
    assert_eq!(body["created"]["user_note_data"]["label"], Value::Null);
    assert_eq!(body["created"]["operator"], "appealmod_bot");
}

#[tokio::test]
async fn only_moderators_with_manage_users_write_and_others_read_nothing() {
    let (t, token) = world().await;
    add(
        &t,
        &token,
        &[("subreddit", SUB), ("user", USER), ("note", "kept")],
    )
    .await;
    // A moderator with mail only, through the web app with the modnote scope.
    t.sim()
        .set_moderator(SUB, "mail_only", &["mail".to_owned()])
        .unwrap();
    let theirs = t.user_token("mail_only", "modnote").await;
    let form = [("subreddit", SUB), ("user", USER), ("note", "mine")];
    assert_eq!(
        add(&t, &theirs, &form).await,
        (403, json!({"message": "Forbidden", "error": 403}))
    );
    let query = format!("subreddit={SUB}&user={USER}");
    let (status, body) = list(&t, &theirs, &query).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"mod_notes": [], "start_cursor": null, "end_cursor": null, "has_next_page": false})
    );
    // A full moderator may, and a human's note is no effect of the bot's.
    let alice = t.user_token("alice_mod", "modnote").await;
    assert_eq!(add(&t, &alice, &form).await.0, 200);
    assert_eq!(t.sim().mod_notes_on(SUB, USER).len(), 2);
    assert_eq!(t.sim().ledger().len(), 1);
    // The scope is needed whoever asks.
    let no_scope = t.user_token("alice_mod", "identity").await;
    assert_eq!(add(&t, &no_scope, &form).await.0, 403);
}

#[tokio::test]
async fn listing_pages_newest_first_by_cursor() {
    let (t, token) = world().await;
    for n in ["one", "two", "three"] {
        let form = [("subreddit", SUB), ("user", USER), ("note", n)];
        assert_eq!(add(&t, &token, &form).await.0, 200);
    }
    let query = format!("subreddit={SUB}&user={USER}&filter=NOTE&limit=2");
    let (_, first) = list(&t, &token, &query).await;
    let texts = |v: &Value| -> Vec<String> {
        v["mod_notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["user_note_data"]["note"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(texts(&first), ["three", "two"]);
    assert_eq!(first["has_next_page"], true);
    let cursor = first["end_cursor"].as_str().unwrap();
    let (_, rest) = list(&t, &token, &format!("{query}&before={cursor}")).await;
    assert_eq!(texts(&rest), ["one"]);
    assert_eq!(rest["has_next_page"], false);
    // Action notes are not simulated: a filter for them lists nothing.
    let (_, bans) = list(
        &t,
        &token,
        &format!("subreddit={SUB}&user={USER}&filter=BAN"),
    )
    .await;
    assert_eq!(texts(&bans), Vec::<String>::new());
}

#[tokio::test]
async fn the_bots_notes_are_in_the_ledger_counters_control_api_and_moderator_view() {
    let (t, token) = world().await;
    let form = [
        ("subreddit", SUB),
        ("user", USER),
        ("note", "Appeal submitted <b>2026-03-01</b>"),
        ("label", "PERMA_BAN"),
    ];
    let (_, body) = add(&t, &token, &form).await;
    let id = body["created"]["id"].as_str().unwrap().to_owned();
    list(&t, &token, &format!("subreddit={SUB}&user={USER}")).await;

    let ledger = t.control_get("/_sim/ledger").await;
    assert_eq!(ledger.as_array().unwrap().len(), 1);
    let e = &ledger[0];
    assert_eq!(e["kind"], "mod_note");
    assert_eq!(e["object_id"], id.as_str());
    assert_eq!(e["subreddit"], SUB.to_lowercase());
    assert_eq!(e["user"], USER.to_lowercase());
    assert_eq!(t.sim().ledger()[0].kind, LedgerKind::ModNote);

    let counters = t.sim().counters();
    assert_eq!(counters.count(Endpoint::AddModNote, 200), 1);
    assert_eq!(counters.count(Endpoint::ModNotes, 200), 1);
    let json_counters = t.control_get("/_sim/counters").await;
    assert_eq!(json_counters["calls"]["add_mod_note"]["200"], 1);
    assert_eq!(json_counters["calls"]["mod_notes"]["200"], 1);

    let notes = t.control_get("/_sim/mod_notes").await;
    assert_eq!(notes[0]["label"], "PERMA_BAN");

    let conv = t.sim().conversation_ids()[0].clone();
    let page = t
        .http
        .get(t.url(&format!("/_sim/view/{conv}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Mod notes"), "{page}");
    assert!(page.contains("Appeal submitted &lt;b&gt;2026-03-01&lt;/b&gt;"));
    assert!(page.contains("PERMA_BAN"));
}

#[tokio::test]
async fn faults_target_the_mod_note_endpoints() {
    let (t, token) = world().await;
    t.control(
        "/_sim/faults",
        json!({"endpoint": "add_mod_note", "mode": {"status_after_apply": 502}}),
    )
    .await;
    let form = [("subreddit", SUB), ("user", USER), ("note", "late")];
    assert_eq!(add(&t, &token, &form).await.0, 502);
    assert_eq!(t.sim().mod_notes().len(), 1, "applied before the error");
    let c = t.sim().counters();
    assert_eq!(c.count(Endpoint::AddModNote, CallStatus::Status(502)), 1);
}
