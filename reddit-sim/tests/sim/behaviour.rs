use reddit_sim::{
    BanRequest, ConvState, LedgerKind, NewSubreddit, SimConfig, Simulator, UserMessage,
};
use serde_json::{Value, json};

use crate::helpers::{SUB, TestSim, USER, cfg, spawn};

#[tokio::test]
async fn ledger_records_bot_effects_in_order() {
    let t = spawn(cfg()).await;
    let id = t.world();
    let token = t.token().await;
    let path = format!("/api/mod/conversations/{id}");
    t.post(&token, &path, &[("body", "first"), ("isInternal", "False")])
        .await;
    t.post(
        &token,
        &path,
        &[("body", "private"), ("isInternal", "True")],
    )
    .await;
    t.post(&token, &format!("{path}/archive"), &[]).await;
    t.post(&token, &format!("{path}/unarchive"), &[]).await;
    // Human moderators are not the bot: not in the ledger.
    t.control("/_sim/modmail/mod", json!({"conversation_id": id, "moderator": "alice_mod", "body": "human", "internal": false})).await;

    let kinds: Vec<LedgerKind> = t.sim().ledger().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            LedgerKind::Reply,
            LedgerKind::InternalNote,
            LedgerKind::Archive,
            LedgerKind::Unarchive
        ]
    );
    let ledger: Value = t.control_get("/_sim/ledger").await;
    let seqs: Vec<u64> = ledger
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    assert_eq!(ledger[1]["kind"], "internal_note");
    assert_eq!(ledger[1]["body"], "private");
    assert!(
        t.control_get("/_sim/ledger/doesnotexist")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn script(t: &TestSim) -> Vec<String> {
    let id = t.world();
    let token = t.token().await;
    let reply: Value = t
        .post(
            &token,
            &format!("/api/mod/conversations/{id}"),
            &[("body", "hello")],
        )
        .await
        .json()
        .await
        .unwrap();
    let posted = t
        .sim()
        .user_message(UserMessage {
            subreddit: SUB.into(),
            user: "other_user".into(),
            body: "hi".into(),
            subject: Some("question".into()),
            conversation_id: None,
        })
        .unwrap();
    let mut ids = vec![id, token, posted.conversation_id, posted.message_id];
    ids.extend(
        reply["conversation"]["objIds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned()),
    );
    ids.push(reply["user"]["id"].as_str().unwrap().to_owned());
    ids
}

#[tokio::test]
async fn same_seed_and_script_give_same_ids() {
    let a = spawn(cfg()).await;
    let b = spawn(cfg()).await;
    let c = spawn(SimConfig { seed: 43, ..cfg() }).await;
    let (ia, ib, ic) = (script(&a).await, script(&b).await, script(&c).await);
    assert_eq!(ia, ib);
    assert_ne!(ia, ic);
    assert!(ia.iter().all(|id| !id.is_empty()));
}

#[tokio::test]
async fn banned_users_answer_moves_the_archived_ban_message_to_appeals_but_bot_reply_does_not() {
    let t = spawn(cfg()).await;
    let sim = t.sim();
    sim.add_subreddit(NewSubreddit {
        name: SUB.into(),
        moderators: vec!["alice_mod".into()],
        bot_is_mod: true,
    })
    .unwrap();
    let id = sim
        .ban(BanRequest {
            subreddit: SUB.into(),
            user: USER.into(),
            note: "n".into(),
            reason: None,
            duration_days: Some(3),
            send_message: true,
            moderator: None,
        })
        .unwrap()
        .conversation_id
        .unwrap();
    let conv = sim.conversation(&id).unwrap();
    assert_eq!(conv.state, ConvState::Archived);
    assert!(conv.is_auto);
    assert_eq!(
        conv.subject,
        format!("You've been temporarily banned from participating in r/{SUB}")
    );

    let token = t.token().await;
    let resp = t
        .post(
            &token,
            &format!("/api/mod/conversations/{id}"),
            &[("body", "bot says")],
        )
        .await;
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["conversation"]["state"], 2);
    assert!(v["conversation"]["lastModUpdate"].is_string());

    let before = sim.conversation(&id).unwrap().last_user_update;
    t.control(
        "/_sim/modmail/user",
        json!({"subreddit": SUB, "user": USER, "body": "sorry", "conversation_id": id}),
    )
    .await;
    let conv = sim.conversation(&id).unwrap();
    assert_eq!(conv.state, ConvState::Appeals);
    assert!(conv.last_user_update > before);
    let raw = t.control_get(&format!("/_sim/conversations/{id}")).await;
    assert_eq!(raw["state"], "appeals");
}

#[tokio::test]
async fn ban_message_quotes_the_reason_and_ban_status_follows_the_clock() {
    let t = spawn(cfg()).await;
    t.control(
        "/_sim/subreddits",
        json!({"name": SUB, "moderators": ["alice_mod"]}),
    )
    .await;
    let out = t
        .control("/_sim/bans", json!({"subreddit": SUB, "user": USER, "note": "rule 1", "reason": "You broke rule 1.\nTwice.", "duration_days": 2}))
        .await;
    let id = out["conversation_id"].as_str().unwrap().to_owned();
    let token = t.token().await;
    let got: Value = t
        .get(&token, &format!("/api/mod/conversations/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let msg = got["messages"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .clone();
    let body = msg["bodyMarkdown"].as_str().unwrap();
    assert!(body.contains("> You broke rule 1.\n> Twice."), "{body}");
    assert_eq!(msg["author"]["isHidden"], true);
    assert_eq!(got["conversation"]["isAuto"], true);
    assert_eq!(got["user"]["banStatus"]["isBanned"], true);
    assert_eq!(got["user"]["banStatus"]["isPermanent"], false);
    assert!(
        got["user"]["banStatus"]["endDate"]
            .as_str()
            .unwrap()
            .ends_with("+00:00")
    );
    assert!(msg["date"].as_str().unwrap().ends_with("+00:00"));

    let banned = |v: Value| v["data"]["children"].as_array().unwrap().len();
    let path = format!("/r/{SUB}/about/banned?user={USER}");
    assert_eq!(banned(t.get(&token, &path).await.json().await.unwrap()), 1);

    t.control("/_sim/clock/advance", json!({"seconds": 2 * 86400 + 10}))
        .await;
    let token = t.token().await;
    assert_eq!(banned(t.get(&token, &path).await.json().await.unwrap()), 0);
    let got: Value = t
        .get(&token, &format!("/api/mod/conversations/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["user"]["banStatus"]["isBanned"], false);

    // Unban, and a ban without a message.
    let out = t
        .control(
            "/_sim/bans",
            json!({"subreddit": SUB, "user": "quiet", "note": "x", "send_message": false}),
        )
        .await;
    assert!(out["conversation_id"].is_null());
    t.control("/_sim/unban", json!({"subreddit": SUB, "user": "quiet"}))
        .await;
    assert_eq!(
        banned(
            t.get(&token, &format!("/r/{SUB}/about/banned?user=quiet"))
                .await
                .json()
                .await
                .unwrap()
        ),
        0
    );
}

#[tokio::test]
async fn list_sorts_pages_filters_and_checks_moderation() {
    let t = spawn(cfg()).await;
    let sim = t.sim();
    sim.add_subreddit(NewSubreddit {
        name: SUB.into(),
        moderators: vec!["alice_mod".into()],
        bot_is_mod: true,
    })
    .unwrap();
    sim.add_subreddit(NewSubreddit {
        name: "Second".into(),
        moderators: vec![],
        bot_is_mod: true,
    })
    .unwrap();
    sim.add_subreddit(NewSubreddit {
        name: "NotOurs".into(),
        moderators: vec!["carol".into()],
        bot_is_mod: false,
    })
    .unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        let sub = if i % 2 == 0 { SUB } else { "Second" };
        let p = sim
            .user_message(UserMessage {
                subreddit: sub.into(),
                user: format!("user{i}"),
                body: format!("msg {i}"),
                subject: Some(format!("s{i}")),
                conversation_id: None,
            })
            .unwrap();
        ids.push(p.conversation_id);
        sim.advance_clock(1);
    }
    let foreign = sim
        .user_message(UserMessage {
            subreddit: "NotOurs".into(),
            user: "x".into(),
            body: "b".into(),
            subject: None,
            conversation_id: None,
        })
        .unwrap()
        .conversation_id;
    let token = t.token().await;
    let list = |path: String| {
        let t = &t;
        let token = token.clone();
        async move { t.get(&token, &path).await.json::<Value>().await.unwrap() }
    };
    let order = |v: &Value| -> Vec<String> {
        v["conversationIds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect()
    };
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    let all = list(format!(
        "/api/mod/conversations?entity={SUB},Second&sort=recent&state=all"
    ))
    .await;
    assert_eq!(order(&all), newest_first);
    assert_eq!(all["messages"].as_object().unwrap().len(), 5);

    let page1 = list(format!(
        "/api/mod/conversations?entity={SUB},Second&limit=2"
    ))
    .await;
    assert_eq!(order(&page1), newest_first[..2]);
    let page2 = list(format!(
        "/api/mod/conversations?entity={SUB},Second&limit=2&after={}",
        newest_first[1]
    ))
    .await;
    assert_eq!(order(&page2), newest_first[2..4]);

    let only_sub = list(format!("/api/mod/conversations?entity={SUB}")).await;
    assert_eq!(order(&only_sub).len(), 3);
    // Without entity: everything the bot moderates, never NotOurs.
    assert!(!order(&list("/api/mod/conversations".into()).await).contains(&foreign));

    sim.mod_action(reddit_sim::ModActionRequest {
        conversation_id: ids[0].clone(),
        moderator: "alice_mod".into(),
        action: reddit_sim::ModActionKind::Archive,
    })
    .unwrap();
    let archived = list(format!(
        "/api/mod/conversations?entity={SUB},Second&state=archived"
    ))
    .await;
    assert_eq!(order(&archived), [ids[0].clone()]);
    let new = list(format!(
        "/api/mod/conversations?entity={SUB},Second&state=new"
    ))
    .await;
    assert_eq!(order(&new).len(), 4);

    assert_eq!(
        t.get(&token, "/api/mod/conversations?entity=NotOurs")
            .await
            .status(),
        403
    );
    assert_eq!(
        t.get(&token, &format!("/api/mod/conversations/{foreign}"))
            .await
            .status(),
        403
    );
    assert_eq!(
        t.get(&token, "/api/mod/conversations/zzzzzz")
            .await
            .status(),
        404
    );
    assert_eq!(
        t.post(&token, "/api/mod/conversations/zzzzzz/archive", &[])
            .await
            .status(),
        404
    );
    assert_eq!(
        t.post(
            &token,
            &format!("/api/mod/conversations/{foreign}"),
            &[("body", "x")]
        )
        .await
        .status(),
        403
    );
}

#[tokio::test]
async fn html_views_escape_text_and_hide_internal_notes_from_users() {
    let t = spawn(cfg()).await;
    let id = t.world();
    t.sim()
        .user_message(UserMessage {
            subreddit: SUB.into(),
            user: USER.into(),
            body: "<script>alert(1)</script>".into(),
            subject: None,
            conversation_id: Some(id.clone()),
        })
        .unwrap();
    let token = t.token().await;
    t.post(
        &token,
        &format!("/api/mod/conversations/{id}"),
        &[("body", "SECRET NOTE"), ("isInternal", "true")],
    )
    .await;

    let text = |path: String| {
        let t = &t;
        async move {
            let resp = t.http.get(t.url(&path)).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{path}");
            resp.text().await.unwrap()
        }
    };
    let index = text("/_sim/".into()).await;
    assert!(index.contains(&format!("/_sim/view/{id}")));
    assert!(index.contains(SUB));
    let modview = text(format!("/_sim/view/{id}")).await;
    assert!(!modview.contains("<script>"));
    assert!(modview.contains("&lt;script&gt;"));
    assert!(modview.contains("SECRET NOTE"));
    assert!(modview.contains("class=\"msg internal\""));
    let userview = text(format!("/_sim/user/{USER}")).await;
    assert!(userview.contains("Please unban me"));
    assert!(!userview.contains("SECRET NOTE"));
    assert!(!userview.contains("<script>"));
}

#[test]
fn simulator_works_without_a_server() {
    let sim = Simulator::new(SimConfig::default());
    assert!(
        sim.user_message(UserMessage {
            subreddit: "nope".into(),
            user: "u".into(),
            body: "b".into(),
            subject: None,
            conversation_id: None
        })
        .is_err()
    );
    sim.add_subreddit(NewSubreddit {
        name: "s".into(),
        moderators: vec![],
        bot_is_mod: true,
    })
    .unwrap();
    let p = sim
        .user_message(UserMessage {
            subreddit: "s".into(),
            user: "u".into(),
            body: "b".into(),
            subject: None,
            conversation_id: None,
        })
        .unwrap();
    assert_eq!(
        sim.conversation(&p.conversation_id).unwrap().state,
        ConvState::New
    );
    assert_eq!(sim.conversation_ids(), [p.conversation_id]);
}

#[tokio::test]
async fn control_api_errors_are_json() {
    let t = spawn(cfg()).await;
    let resp = t
        .http
        .post(t.url("/_sim/bans"))
        .json(&json!({"subreddit": SUB, "usr": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert!(v["explanation"].as_str().unwrap().contains("usr"));
    let resp = t
        .http
        .post(t.url("/_sim/bans"))
        .json(&json!({"subreddit": "missing", "user": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(
        resp.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("missing")
    );
    let resp = t
        .http
        .get(t.url("/_sim/conversations/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = t
        .http
        .post(t.url("/_sim/users/ghost/suspend"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    t.control("/_sim/users", json!({"name": "ghost"})).await;
    t.control("/_sim/users/ghost/suspend", json!({})).await;
    t.control(
        "/_sim/modmail/mod_action",
        json!({"conversation_id": t.world(), "moderator": "alice_mod", "action": "mute"}),
    )
    .await;
}
