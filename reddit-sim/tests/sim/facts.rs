//! One test per recorded or documented Reddit fact the simulator models (issue 11's list),
//! over HTTP. Each name says the fact.

use reddit_sim::{BanRequest, ConvState, ModActionKind, ModActionRequest, UserMessage};
use serde_json::{Value, json};

use crate::contract::busy_modmail;
use crate::helpers::{SUB, TestSim, USER, cfg, spawn};

/// `(id, state)` of every conversation a listing returns, in order.
async fn listed(t: &TestSim, token: &str, query: &str) -> Vec<(String, u64)> {
    let resp = t
        .get(token, &format!("/api/mod/conversations{query}"))
        .await;
    assert_eq!(resp.status(), 200, "{query}");
    let v: Value = resp.json().await.unwrap();
    v["conversationIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| {
            let id = id.as_str().unwrap().to_owned();
            let state = v["conversations"][&id]["state"].as_u64().unwrap();
            (id, state)
        })
        .collect()
}

fn state_set(l: &[(String, u64)]) -> std::collections::BTreeSet<u64> {
    l.iter().map(|(_, s)| *s).collect()
}

fn ids(l: &[(String, u64)]) -> Vec<&str> {
    l.iter().map(|(id, _)| id.as_str()).collect()
}

#[tokio::test]
async fn fact1_banned_users_conversations_are_in_ban_appeals_state_3_also_ones_they_started() {
    let t = spawn(cfg()).await;
    let c = busy_modmail(&t);
    let token = t.token().await;
    let got: Value = t
        .get(&token, &format!("/api/mod/conversations/{}", c[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["conversation"]["state"], 3, "answered ban message");
    assert_eq!(got["conversation"]["isAuto"], true);
    let got: Value = t
        .get(&token, &format!("/api/mod/conversations/{}", c[3]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["conversation"]["state"], 3, "started by a banned user");
    assert_eq!(got["conversation"]["isAuto"], false);
    assert_eq!(got["user"]["banStatus"]["isBanned"], true);
}

#[tokio::test]
async fn fact1_a_users_message_brings_an_archived_conversation_out_to_appeals_while_banned_else_in_progress()
 {
    let t = spawn(cfg()).await;
    let c = busy_modmail(&t);
    let sim = t.sim();
    let write = |user: &str, conv: &str| {
        sim.user_message(UserMessage {
            subreddit: SUB.into(),
            user: user.into(),
            body: "me again".into(),
            subject: None,
            conversation_id: Some(conv.to_owned()),
        })
        .unwrap();
    };
    // c[4]: a ban message nobody answered (archived); c[6]: archived by a moderator.
    assert_eq!(sim.conversation(&c[4]).unwrap().state, ConvState::Archived);
    write("quiet_banned", &c[4]);
    assert_eq!(sim.conversation(&c[4]).unwrap().state, ConvState::Appeals);
    assert_eq!(sim.conversation(&c[6]).unwrap().state, ConvState::Archived);
    write("done_user", &c[6]);
    assert_eq!(
        sim.conversation(&c[6]).unwrap().state,
        ConvState::InProgress
    );
    // Archived again, then unbanned: the next message is no appeal any more.
    sim.mod_action(ModActionRequest {
        conversation_id: c[4].clone(),
        moderator: "alice_mod".into(),
        action: ModActionKind::Archive,
    })
    .unwrap();
    sim.unban(SUB, "quiet_banned").unwrap();
    write("quiet_banned", &c[4]);
    assert_eq!(
        sim.conversation(&c[4]).unwrap().state,
        ConvState::InProgress
    );
}

#[tokio::test]
async fn fact2_default_listing_shows_states_0_1_3_and_never_archived_or_mod() {
    let t = spawn(cfg()).await;
    let c = busy_modmail(&t);
    let token = t.token().await;
    let default = listed(&t, &token, "?limit=100").await;
    eprintln!("default listing (no state): {default:?}");
    assert_eq!(state_set(&default), [0, 1, 3].into());
    for hidden in [&c[4], &c[6], &c[7]] {
        assert!(!ids(&default).contains(&hidden.as_str()), "{hidden} listed");
    }
    let all = listed(&t, &token, "?limit=100&state=all").await;
    assert_eq!(all, default, "state=all is the default listing");
}

#[tokio::test]
async fn fact2_each_folder_lists_only_its_conversations() {
    let t = spawn(cfg()).await;
    let c = busy_modmail(&t);
    let token = t.token().await;
    let folder = |state: &'static str| {
        let (t, token) = (&t, token.clone());
        async move { listed(t, &token, &format!("?limit=100&state={state}")).await }
    };
    let appeals = folder("appeals").await;
    eprintln!("state=appeals: {appeals:?}");
    assert_eq!(ids(&appeals), [c[3].as_str(), c[0].as_str()]);
    let archived = folder("archived").await;
    eprintln!("state=archived: {archived:?}");
    assert_eq!(state_set(&archived), [2].into());
    assert_eq!(ids(&archived), [c[6].as_str(), c[4].as_str()]);
    assert_eq!(ids(&folder("mod").await), [c[7].as_str()]);
    assert_eq!(ids(&folder("new").await), [c[5].as_str(), c[1].as_str()]);
    assert_eq!(ids(&folder("inprogress").await), [c[2].as_str()]);
    assert_eq!(ids(&folder("highlighted").await), [c[0].as_str()]);
    let inbox = folder("inbox").await;
    assert_eq!(state_set(&inbox), [0, 1].into());
    for empty in ["join_requests", "filtered", "notifications"] {
        assert!(folder(empty).await.is_empty(), "{empty}");
    }
}

#[tokio::test]
async fn fact2_unknown_state_is_a_400_with_reddits_json_error() {
    let t = spawn(cfg()).await;
    t.world();
    let token = t.token().await;
    let resp = t
        .get(&token, "/api/mod/conversations?state=everything")
        .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"fields": ["state"], "explanation": "that option is not valid",
               "message": "Bad Request", "reason": "INVALID_OPTION"})
    );
}

#[tokio::test]
async fn fact3_listing_holds_only_each_conversations_last_message_even_with_12_messages() {
    let t = spawn(cfg()).await;
    let c = busy_modmail(&t);
    let token = t.token().await;
    let v: Value = t
        .get(&token, "/api/mod/conversations?state=new")
        .await
        .json()
        .await
        .unwrap();
    let long = &v["conversations"][&c[5]];
    assert_eq!(long["numMessages"], 12);
    assert_eq!(long["objIds"].as_array().unwrap().len(), 1);
    let last = long["objIds"][0]["id"].as_str().unwrap();
    assert_eq!(v["messages"][last]["bodyMarkdown"], "message 12");
    assert_eq!(v["messages"].as_object().unwrap().len(), 2);
    assert!(v.get("modActions").is_none());
    // The full conversation names all 12 messages.
    let full: Value = t
        .get(&token, &format!("/api/mod/conversations/{}", c[5]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(full["conversation"]["objIds"].as_array().unwrap().len(), 12);
    assert_eq!(full["messages"].as_object().unwrap().len(), 12);
}

#[tokio::test]
async fn fact3_only_get_returns_mod_actions_in_obj_ids() {
    let t = spawn(cfg()).await;
    let c = busy_modmail(&t);
    let token = t.token().await;
    let full: Value = t
        .get(&token, &format!("/api/mod/conversations/{}", c[0]))
        .await
        .json()
        .await
        .unwrap();
    let keys: Vec<&str> = full["conversation"]["objIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["messages", "messages", "messages", "modActions"]);
    assert_eq!(full["modActions"].as_object().unwrap().len(), 1);
}

#[tokio::test]
async fn fact4_body_is_reddits_html_with_blockquote_links_and_escaped_entities() {
    let t = spawn(cfg()).await;
    let id = t.world();
    t.sim()
        .user_message(UserMessage {
            subreddit: SUB.into(),
            user: USER.into(),
            body: "I'll read [the rules](https://example.com/rules) of r/AppealTest\n\n> quoted"
                .into(),
            subject: None,
            conversation_id: Some(id.clone()),
        })
        .unwrap();
    let token = t.token().await;
    let got: Value = t
        .get(&token, &format!("/api/mod/conversations/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let bodies: Vec<&str> = got["messages"]
        .as_object()
        .unwrap()
        .values()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    let ban = bodies.iter().find(|b| b.contains("banned")).unwrap();
    assert!(
        ban.starts_with("<!-- SC_OFF --><div class=\"md\"><p>"),
        "{ban}"
    );
    assert!(ban.ends_with("</div><!-- SC_ON -->"));
    assert!(
        ban.contains("<blockquote>\n<p>Rule 2: no spam</p>\n</blockquote>"),
        "{ban}"
    );
    assert!(
        ban.contains("<a href=\"/r/AppealTest/\">r/AppealTest</a>"),
        "{ban}"
    );
    assert!(ban.contains("won&#39;t"), "{ban}");
    let mine = bodies.iter().find(|b| b.contains("rules")).unwrap();
    assert_eq!(
        *mine,
        "<!-- SC_OFF --><div class=\"md\"><p>I&#39;ll read <a href=\"https://example.com/rules\">the rules</a> \
         of <a href=\"/r/AppealTest\">r/AppealTest</a></p>\n\n<blockquote>\n<p>quoted</p>\n</blockquote>\n\
         </div><!-- SC_ON -->"
    );
}

fn colon(d: &Value) -> bool {
    d.as_str()
        .is_some_and(|d| d.len() == 32 && d.ends_with("+00:00"))
}

#[tokio::test]
async fn fact5_dates_have_colon_offsets_and_the_reply_answer_uses_plus0000_as_recorded() {
    let t = spawn(cfg()).await;
    let c = busy_modmail(&t);
    let token = t.token().await;
    let got: Value = t
        .get(&token, &format!("/api/mod/conversations/{}", c[0]))
        .await
        .json()
        .await
        .unwrap();
    let conv = &got["conversation"];
    for field in ["lastUpdated", "lastUserUpdate", "lastModUpdate"] {
        assert!(colon(&conv[field]), "{field}: {}", conv[field]);
    }
    assert!(
        got["messages"]
            .as_object()
            .unwrap()
            .values()
            .all(|m| colon(&m["date"]))
    );
    assert!(
        got["modActions"]
            .as_object()
            .unwrap()
            .values()
            .all(|a| colon(&a["date"]))
    );
    let listed: Value = t
        .get(&token, "/api/mod/conversations")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        listed["messages"]
            .as_object()
            .unwrap()
            .values()
            .all(|m| colon(&m["date"]))
    );
    let reply: Value = t
        .post(
            &token,
            &format!("/api/mod/conversations/{}", c[0]),
            &[("body", "ok")],
        )
        .await
        .json()
        .await
        .unwrap();
    let compact = |d: &Value| {
        d.as_str()
            .is_some_and(|d| d.len() == 31 && d.ends_with("+0000"))
    };
    assert!(
        reply["messages"]
            .as_object()
            .unwrap()
            .values()
            .all(|m| compact(&m["date"]))
    );
    assert!(compact(&reply["conversation"]["lastUpdated"]));
}

#[tokio::test]
async fn fact5_deleted_accounts_appear_as_deleted() {
    let t = spawn(cfg()).await;
    let id = t.world();
    t.sim().delete_user(USER).unwrap();
    let token = t.token().await;
    let got: Value = t
        .get(&token, &format!("/api/mod/conversations/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["conversation"]["participant"]["name"], "[deleted]");
    assert_eq!(got["conversation"]["participant"]["isDeleted"], true);
    assert_eq!(got["user"]["name"], "[deleted]");
    let by_user = got["messages"]
        .as_object()
        .unwrap()
        .values()
        .find(|m| m["bodyMarkdown"] == "Please unban me")
        .unwrap();
    assert_eq!(by_user["author"]["name"], "[deleted]");
}

#[tokio::test]
async fn fact6_creating_a_conversation_answers_201_with_conversation_messages_mod_actions() {
    let t = spawn(cfg()).await;
    t.world();
    let token = t.token().await;
    let form = [
        ("srName", SUB),
        ("to", USER),
        ("subject", "About your ban"),
        ("body", "Hello **there**"),
        ("isAuthorHidden", "true"),
    ];
    let resp = t.post(&token, "/api/mod/conversations", &form).await;
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["conversation", "messages", "modActions"]);
    assert_eq!(v["modActions"], json!({}));
    assert_eq!(v["conversation"]["participant"]["name"], USER);
    assert_eq!(v["conversation"]["state"], 0);
    let msg = v["messages"].as_object().unwrap().values().next().unwrap();
    assert_eq!(msg["author"]["isHidden"], true);
    assert!(
        msg["body"]
            .as_str()
            .unwrap()
            .contains("<strong>there</strong>")
    );
    // Reddit's documented refusals.
    let reason = |v: Value| v["reason"].as_str().map(str::to_owned);
    let bad = t
        .post(
            &token,
            "/api/mod/conversations",
            &[("srName", SUB), ("subject", "x")],
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(
        reason(bad.json().await.unwrap()).as_deref(),
        Some("NO_TEXT")
    );
    let bad = t
        .post(
            &token,
            "/api/mod/conversations",
            &[("srName", "nosuch"), ("subject", "x"), ("body", "y")],
        )
        .await;
    assert_eq!(
        reason(bad.json().await.unwrap()).as_deref(),
        Some("SUBREDDIT_NOEXIST")
    );
}

#[tokio::test]
async fn fact7_mod_only_conversations_have_no_participant_and_are_listed_only_under_mod() {
    let t = spawn(cfg()).await;
    let c = busy_modmail(&t);
    let token = t.token().await;
    let discussion = &c[7];
    let got: Value = t
        .get(&token, &format!("/api/mod/conversations/{discussion}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["conversation"]["participant"], json!({}));
    assert_eq!(got["conversation"]["isInternal"], true);
    assert_eq!(got["user"], json!({}));
    for query in [
        "",
        "?state=all",
        "?state=new",
        "?state=inbox",
        "?state=archived",
    ] {
        let l = listed(&t, &token, query).await;
        assert!(!ids(&l).contains(&discussion.as_str()), "{query:?}");
    }
    assert_eq!(
        ids(&listed(&t, &token, "?state=mod").await),
        [discussion.as_str()]
    );
    // Created over the API too: no `to` is a mod discussion.
    let form = [("srName", SUB), ("subject", "mods"), ("body", "hi team")];
    let v: Value = t
        .post(&token, "/api/mod/conversations", &form)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["conversation"]["isInternal"], true);
    assert_eq!(v["conversation"]["participant"], json!({}));
}

#[tokio::test]
async fn fact8_trailing_slashes_and_raw_json_work_everywhere() {
    let t = spawn(cfg()).await;
    let id = t.world();
    let token = t.token().await;
    for path in [
        "/api/mod/conversations/?limit=100&raw_json=1".to_owned(),
        format!("/api/mod/conversations/{id}?raw_json=1"),
        format!("/api/mod/conversations/{id}/?raw_json=1"),
        format!("/r/{SUB}/about/banned/?raw_json=1&user={USER}&limit=100"),
        format!("/r/{SUB}/about/moderators/?raw_json=1"),
        format!("/user/{USER}/about/?raw_json=1"),
        "/api/v1/me/?raw_json=1".to_owned(),
    ] {
        assert_eq!(t.get(&token, &path).await.status(), 200, "{path}");
    }
    let reply = format!("/api/mod/conversations/{id}/?raw_json=1");
    let resp = t
        .post(&token, &reply, &[("api_type", "json"), ("body", "x")])
        .await;
    assert_eq!(resp.status(), 201);
    let archive = format!("/api/mod/conversations/{id}/archive/?raw_json=1");
    assert_eq!(
        t.post(&token, &archive, &[("api_type", "json")])
            .await
            .status(),
        204
    );
    let unarchive = format!("/api/mod/conversations/{id}/unarchive?raw_json=1");
    assert_eq!(
        t.post(&token, &unarchive, &[("api_type", "json")])
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn fact9_about_moderators_is_a_user_list_with_permissions_and_dates() {
    let t = spawn(cfg()).await;
    t.world();
    t.sim()
        .set_moderator(SUB, "carol_mod", &["mail".into(), "access".into()])
        .unwrap();
    let token = t.token().await;
    let v: Value = t
        .get(&token, &format!("/r/{SUB}/about/moderators"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["kind"], "UserList");
    let children = v["data"]["children"].as_array().unwrap();
    let names: Vec<&str> = children
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["alice_mod", "bob_mod", "appealmod_bot", "carol_mod"]
    );
    for c in children {
        let mut keys: Vec<&String> = c.as_object().unwrap().keys().collect();
        keys.sort();
        // The keys of the recorded answer (see fixtures/README.md).
        assert_eq!(
            keys,
            [
                "author_flair_css_class",
                "author_flair_text",
                "date",
                "id",
                "mod_permissions",
                "name",
                "rel_id"
            ]
        );
        assert!(c["date"].is_f64());
    }
    assert_eq!(children[3]["mod_permissions"], json!(["mail", "access"]));
    assert_eq!(children[0]["mod_permissions"], json!(["all"]));
    let one: Value = t
        .get(&token, &format!("/r/{SUB}/about/moderators?user=Carol_Mod"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["data"]["children"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn fact9_a_moderator_invite_is_pending_until_the_bot_accepts_it() {
    let t = spawn(cfg()).await;
    t.world();
    let sim = t.sim();
    sim.remove_moderator(SUB, "appealmod_bot").unwrap();
    let token = t.token().await;
    let accept = format!("/r/{SUB}/api/accept_moderator_invite");
    let none: Value = t
        .post(&token, &accept, &[("api_type", "json")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["json"]["errors"][0][0], "NO_INVITE_FOUND");
    sim.invite_moderator(SUB, "appealmod_bot", &["mail".into(), "access".into()])
        .unwrap();
    // Moderators see the pending invite; the moderator list does not show it yet.
    let mod_token = t.user_token("alice_mod", "read").await;
    let invited: Value = t
        .get(&mod_token, &format!("/api/v1/{SUB}/moderators_invited"))
        .await
        .json()
        .await
        .unwrap();
    let bot_id = invited["moderatorIds"][0].as_str().unwrap();
    assert_eq!(invited["moderators"][bot_id]["username"], "appealmod_bot");
    assert_eq!(
        invited["moderators"][bot_id]["modPermissions"]["mail"],
        true
    );
    assert_eq!(
        invited["moderators"][bot_id]["modPermissions"]["posts"],
        false
    );
    let listed = |v: &Value| {
        v["data"]["children"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "appealmod_bot")
    };
    let mods: Value = t
        .get(&token, &format!("/r/{SUB}/about/moderators"))
        .await
        .json()
        .await
        .unwrap();
    assert!(!listed(&mods));
    assert_eq!(
        t.get(&token, "/api/mod/conversations")
            .await
            .json::<Value>()
            .await
            .unwrap()["conversationIds"],
        json!([]),
        "not a moderator yet: nothing to list"
    );
    let ok: Value = t
        .post(&token, &accept, &[("api_type", "json")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ok, json!({"json": {"errors": []}}));
    let mods: Value = t
        .get(&token, &format!("/r/{SUB}/about/moderators"))
        .await
        .json()
        .await
        .unwrap();
    assert!(listed(&mods));
    assert!(sim.subreddit(SUB).unwrap().invites.is_empty());
}

#[tokio::test]
async fn fact9_a_bot_that_lost_mail_permission_or_its_moderator_seat_gets_403_on_modmail() {
    let t = spawn(cfg()).await;
    let id = t.world();
    let token = t.token().await;
    let path = format!("/api/mod/conversations/{id}");
    t.sim()
        .set_moderator(SUB, "appealmod_bot", &["posts".into()])
        .unwrap();
    let resp = t.post(&token, &path, &[("body", "hello")]).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["reason"],
        "SUBREDDIT_NO_ACCESS"
    );
    assert_eq!(
        t.post(&token, &format!("{path}/archive"), &[])
            .await
            .status(),
        403
    );
    assert_eq!(t.get(&token, &path).await.status(), 403);
    t.sim().remove_moderator(SUB, "appealmod_bot").unwrap();
    assert_eq!(
        t.post(&token, &format!("{path}/unarchive"), &[])
            .await
            .status(),
        403
    );
    assert_eq!(
        t.get(&token, &format!("/r/{SUB}/about/banned?user={USER}"))
            .await
            .status(),
        403
    );
    assert!(t.sim().ledger().is_empty());
    // A temporary ban for the unpermitted bot changes nothing either.
    t.sim()
        .ban(BanRequest {
            subreddit: SUB.into(),
            user: "late".into(),
            note: "x".into(),
            duration_days: Some(1),
            send_message: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        t.get(&token, &format!("/api/mod/conversations?entity={SUB}"))
            .await
            .status(),
        403
    );
}
