//! Every endpoint answers with at least the keys of the recorded Reddit response.

use serde_json::Value;

use crate::helpers::{SUB, USER, assert_shape, cfg, fixture, spawn};
use reddit_sim::{ModActionKind, ModActionRequest, ModMessage};

#[tokio::test]
async fn modmail_endpoints_match_the_recorded_shapes() {
    let t = spawn(cfg()).await;
    let id = t.world();
    t.sim()
        .mod_message(ModMessage {
            conversation_id: id.clone(),
            moderator: "alice_mod".into(),
            body: "looking into it".into(),
            internal: true,
        })
        .unwrap();
    t.sim()
        .mod_action(ModActionRequest {
            conversation_id: id.clone(),
            moderator: "bob_mod".into(),
            action: ModActionKind::Highlight,
        })
        .unwrap();
    let token = t.token().await;

    let resp = t
        .get(
            &token,
            &format!("/api/mod/conversations?entity={SUB}&sort=recent&state=all&limit=100"),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let list: Value = resp.json().await.unwrap();
    assert_shape(&fixture("conversations_list"), &list);
    assert_eq!(list["conversationIds"][0], id.as_str());

    let resp = t.get(&token, &format!("/api/mod/conversations/{id}")).await;
    assert_eq!(resp.status(), 200);
    let got: Value = resp.json().await.unwrap();
    assert_shape(&fixture("conversation_get"), &got);
    assert_eq!(got["user"]["banStatus"]["isBanned"], true);
    assert_eq!(got["user"]["banStatus"]["isPermanent"], true);

    let resp = t
        .post(
            &token,
            &format!("/api/mod/conversations/{id}"),
            &[
                ("body", "We will review"),
                ("isAuthorHidden", "False"),
                ("isInternal", "False"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 201);
    let reply: Value = resp.json().await.unwrap();
    assert_shape(&fixture("conversation_reply"), &reply);

    let resp = t
        .post(
            &token,
            &format!("/api/mod/conversations/{id}"),
            &[
                ("body", "note to mods"),
                ("isAuthorHidden", "false"),
                ("isInternal", "true"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 201);
    let note: Value = resp.json().await.unwrap();
    assert_shape(&fixture("conversation_reply_internal"), &note);

    let resp = t
        .post(
            &token,
            &format!("/api/mod/conversations/{id}/archive"),
            &[("api_type", "json")],
        )
        .await;
    assert_eq!(resp.status(), 204);
    assert!(resp.headers().get("x-ratelimit-remaining").is_some());
    assert!(resp.bytes().await.unwrap().is_empty());

    let resp = t
        .post(
            &token,
            &format!("/api/mod/conversations/{id}/unarchive"),
            &[("api_type", "json")],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let un: Value = resp.json().await.unwrap();
    assert_shape(&fixture("conversation_unarchive"), &un);
    assert_eq!(un["conversations"]["state"], 1);
    // Clients alias `conversations` to `conversation`; both at once would not parse.
    assert!(un.get("conversation").is_none());
    let actions: Vec<u64> = un["modActions"]
        .as_object()
        .unwrap()
        .values()
        .map(|a| a["actionTypeId"].as_u64().unwrap())
        .collect();
    assert!(actions.contains(&2) && actions.contains(&3) && actions.contains(&0));
}

#[tokio::test]
async fn banned_listing_and_user_about_match() {
    let t = spawn(cfg()).await;
    t.world();
    let token = t.token().await;

    let resp = t
        .get(&token, &format!("/r/{SUB}/about/banned?user={USER}"))
        .await;
    assert_eq!(resp.status(), 200);
    let listing: Value = resp.json().await.unwrap();
    assert_shape(&fixture("banned_user_filter"), &listing);
    assert_eq!(listing["data"]["children"][0]["note"], "spam");
    assert_eq!(listing["data"]["children"][0]["name"], USER);

    let none: Value = t
        .get(&token, &format!("/r/{SUB}/about/banned/?user=alice_mod"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["data"]["children"].as_array().unwrap().len(), 0);
    assert_eq!(
        t.get(&token, "/r/nosuchsub/about/banned?user=x")
            .await
            .status(),
        404
    );

    let about: Value = t
        .get(&token, &format!("/user/{USER}/about"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(about["kind"], "t2");
    assert_eq!(about["data"]["name"], USER);
    assert_eq!(about["data"]["is_suspended"], false);
    assert!(about["data"]["created_utc"].is_number());
    assert!(about["data"]["id"].is_string());

    t.sim().suspend_user(USER).unwrap();
    let about: Value = t
        .get(&token, &format!("/user/{USER}/about"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(about["data"]["is_suspended"], true);
    assert_eq!(about["data"]["name"], USER);

    t.sim().delete_user(USER).unwrap();
    let resp = t.get(&token, &format!("/user/{USER}/about")).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        serde_json::json!({"message": "Not Found", "error": 404})
    );
    assert_eq!(
        t.get(&token, "/user/never_existed/about").await.status(),
        404
    );
}

#[test]
#[should_panic(expected = "missing key \"isHidden\"")]
fn shape_check_catches_a_missing_nested_key() {
    let expected =
        serde_json::json!({"messages": {"a1": {"author": {"name": "x", "isHidden": false}}}});
    let actual = serde_json::json!({"messages": {"zz": {"author": {"name": "y"}}}});
    assert_shape(&expected, &actual);
}

#[test]
#[should_panic(expected = "fixture has entries")]
fn shape_check_refuses_empty_id_maps() {
    let expected = serde_json::json!({"modActions": {"a1": {"id": "a1"}}});
    assert_shape(&expected, &serde_json::json!({"modActions": {}}));
}
