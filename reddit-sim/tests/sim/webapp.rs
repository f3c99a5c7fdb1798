//! The OAuth "web app" login of the moderator console (issue 13), over HTTP: consent page,
//! `sim_user` shortcut, code exchange, and what a user's token may do.

use reddit_sim::{CallStatus, Endpoint, WebApp};
use serde_json::{Value, json};

use crate::helpers::{SUB, TestSim, cfg, no_redirects, query_param, spawn};

fn authorize_query(app: &WebApp, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut q: Vec<(String, String)> = [
        ("client_id", app.client_id.as_str()),
        ("response_type", "code"),
        ("state", "st4te"),
        ("redirect_uri", app.redirect_uri.as_str()),
        ("duration", "temporary"),
        ("scope", "identity mysubreddits read"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (k, v) in extra {
        q.retain(|(name, _)| name != k);
        q.push(((*k).to_owned(), (*v).to_owned()));
    }
    q
}

async fn with_moderators() -> TestSim {
    let t = spawn(cfg()).await;
    t.world();
    t
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn authorize_page_lets_you_choose_a_simulated_user_and_allow_or_deny() {
    let t = with_moderators().await;
    let app = t.sim().config().web_app;
    let http = no_redirects();
    let page = http
        .get(t.url("/api/v1/authorize"))
        .query(&authorize_query(&app, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<select name=\"user\">") && html.contains(">alice_mod</option>"));
    // A moderator is offered first and already chosen: Allow lands in a console with
    // something in it.
    let first = html.find("<option").expect("options");
    assert!(html[first..].starts_with("<option selected>"), "{html}");
    assert!(html.contains("<optgroup label=\"Moderators\">"), "{html}");
    assert!(html.contains("value=\"Allow\"") && html.contains("value=\"Decline\""));
    assert!(
        !html.contains("<option>appealmod_bot</option>"),
        "the bot is no person"
    );

    let mut form = authorize_query(&app, &[("user", "alice_mod"), ("authorize", "Allow")]);
    let allowed = http
        .post(t.url("/api/v1/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 302);
    let to = location(&allowed);
    assert!(to.starts_with(&app.redirect_uri), "{to}");
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    assert!(query_param(&to, "code").is_some());

    form.retain(|(k, _)| k != "authorize");
    form.push(("authorize".into(), "Decline".into()));
    let denied = http
        .post(t.url("/api/v1/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 302);
    let to = location(&denied);
    assert_eq!(query_param(&to, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    assert!(query_param(&to, "code").is_none());
}

#[tokio::test]
async fn sim_user_approves_at_once_and_redirects_with_code_and_state() {
    let t = with_moderators().await;
    let app = t.sim().config().web_app;
    let resp = no_redirects()
        .get(t.url("/api/v1/authorize"))
        .query(&authorize_query(&app, &[("sim_user", "bob_mod")]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let to = location(&resp);
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    assert!(query_param(&to, "code").unwrap().starts_with("code-"));
}

#[tokio::test]
async fn authorize_shows_an_error_page_for_a_foreign_client_or_redirect_and_redirects_other_mistakes()
 {
    let t = with_moderators().await;
    let app = t.sim().config().web_app;
    let http = no_redirects();
    let get = |extra: Vec<(&'static str, &'static str)>| {
        let q = authorize_query(&app, &extra);
        let (http, url) = (&http, t.url("/api/v1/authorize"));
        async move { http.get(url).query(&q).send().await.unwrap() }
    };
    for bad in [
        ("client_id", "someone-else"),
        ("redirect_uri", "https://evil.example/cb"),
    ] {
        let resp = get(vec![bad, ("sim_user", "alice_mod")]).await;
        assert_eq!(resp.status(), 400, "{bad:?}");
        assert!(resp.headers().get("location").is_none());
    }
    for (extra, error) in [
        (("response_type", "token"), "unsupported_response_type"),
        (("scope", "identity sudo"), "invalid_scope"),
        (("duration", "forever"), "invalid_request"),
    ] {
        let resp = get(vec![extra, ("sim_user", "alice_mod")]).await;
        assert_eq!(resp.status(), 302, "{extra:?}");
        assert_eq!(
            query_param(&location(&resp), "error").as_deref(),
            Some(error)
        );
    }
}

async fn exchange(t: &TestSim, id: &str, secret: &str, form: &[(&str, &str)]) -> reqwest::Response {
    t.http
        .post(t.url("/api/v1/access_token"))
        .basic_auth(id, Some(secret))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn redeem(
    t: &TestSim,
    (id, secret): (&str, &str),
    code: &str,
    uri: &str,
) -> reqwest::Response {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", uri),
    ];
    exchange(t, id, secret, &form).await
}

#[tokio::test]
async fn code_exchange_needs_the_web_apps_basic_auth_and_redirect_uri_and_works_once() {
    let t = with_moderators().await;
    let app = t.sim().config().web_app;
    let web = (app.client_id.as_str(), app.client_secret.as_str());
    let uri = app.redirect_uri.as_str();
    let code = t.authorize_code("alice_mod", "identity", "temporary").await;
    let bad_client = redeem(&t, (web.0, "wrong"), &code, uri).await;
    assert_eq!(bad_client.status(), 401);
    let wrong_uri = redeem(&t, web, &code, "http://other/cb").await;
    assert_eq!(wrong_uri.status(), 200);
    assert_eq!(
        wrong_uri.json::<Value>().await.unwrap(),
        json!({"error": "invalid_grant"})
    );

    // The wrong try used the code up: a code is good once whatever happens.
    let code = t.authorize_code("alice_mod", "identity", "temporary").await;
    let v: Value = redeem(&t, web, &code, uri).await.json().await.unwrap();
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["scope"], "identity");
    assert!(v.get("refresh_token").is_none(), "duration=temporary");
    let again = redeem(&t, web, &code, uri).await;
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        json!({"error": "invalid_grant"})
    );
    let missing = exchange(
        &t,
        web.0,
        web.1,
        &[("grant_type", "authorization_code"), ("redirect_uri", uri)],
    )
    .await;
    assert_eq!(
        missing.json::<Value>().await.unwrap(),
        json!({"error": "invalid_request"})
    );
    // The bot's script app cannot redeem codes.
    let code = t.authorize_code("alice_mod", "identity", "temporary").await;
    let bot = t.sim().config().bot;
    let script = redeem(&t, (&bot.client_id, &bot.client_secret), &code, uri).await;
    assert_eq!(
        script.json::<Value>().await.unwrap(),
        json!({"error": "unsupported_grant_type"})
    );
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant() {
    let t = with_moderators().await;
    let app = t.sim().config().web_app;
    let code = t.authorize_code("alice_mod", "identity", "temporary").await;
    t.sim()
        .advance_clock(i64::try_from(app.code_ttl_secs).unwrap() + 1);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", app.redirect_uri.as_str()),
    ];
    let resp = exchange(&t, &app.client_id, &app.client_secret, &form).await;
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"error": "invalid_grant"})
    );
}

#[tokio::test]
async fn me_and_mine_moderator_answer_for_the_logged_in_user() {
    let t = with_moderators().await;
    t.sim()
        .add_subreddit(reddit_sim::NewSubreddit {
            name: "Second".into(),
            moderators: vec![],
            bot_is_mod: true,
        })
        .unwrap();
    t.sim()
        .set_moderator("Second", "alice_mod", &["mail".into(), "access".into()])
        .unwrap();
    let token = t.user_token("alice_mod", "identity mysubreddits").await;
    let me: Value = t.get(&token, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["name"], "alice_mod");
    assert_eq!(me["is_mod"], true);
    let mine: Value = t
        .get(&token, "/subreddits/mine/moderator")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["kind"], "Listing");
    let subs: Vec<(String, Value, String)> = mine["data"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["kind"], "t5");
            let d = &c["data"];
            assert!(d["name"].as_str().unwrap().starts_with("t5_"));
            (
                d["display_name"].as_str().unwrap().to_owned(),
                d["mod_permissions"].clone(),
                d["subreddit_type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        subs,
        [
            (SUB.to_owned(), json!(["all"]), "public".to_owned()),
            (
                "Second".to_owned(),
                json!(["mail", "access"]),
                "public".to_owned()
            ),
            // Reddit lists the user's own profile subreddit too.
            ("u_alice_mod".to_owned(), json!(["all"]), "user".to_owned()),
        ]
    );
    let stranger = t.user_token("Appellant_1", "identity mysubreddits").await;
    let theirs: Value = t
        .get(&stranger, "/subreddits/mine/moderator")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        theirs["data"]["children"].as_array().unwrap().len(),
        1,
        "only u_Appellant_1"
    );
}

#[tokio::test]
async fn user_tokens_reach_modmail_only_as_moderators_with_mail_permission() {
    let t = with_moderators().await;
    let id = t.sim().conversation_ids()[0].clone();
    t.sim()
        .set_moderator(SUB, "carol_mod", &["posts".into()])
        .unwrap();
    let get = format!("/api/mod/conversations/{id}");
    let list = format!("/api/mod/conversations?entity={SUB}");
    let scope = "modmail read";
    let stranger = t.user_token("Appellant_1", scope).await;
    assert_eq!(t.get(&stranger, &get).await.status(), 403);
    assert_eq!(t.get(&stranger, &list).await.status(), 403);
    assert_eq!(
        t.post(&stranger, &get, &[("body", "hi")]).await.status(),
        403
    );
    let carol = t.user_token("carol_mod", scope).await;
    assert_eq!(
        t.get(&carol, &get).await.status(),
        403,
        "a moderator without mail"
    );
    let alice = t.user_token("alice_mod", scope).await;
    assert_eq!(t.get(&alice, &get).await.status(), 200);
    let listed: Value = t.get(&alice, &list).await.json().await.unwrap();
    assert_eq!(listed["conversationIds"], json!([id]));
    assert_eq!(
        t.post(&alice, &get, &[("body", "a human answer")])
            .await
            .status(),
        201
    );
    assert!(
        t.sim().ledger().is_empty(),
        "people are not the bot: no ledger entry"
    );
}

#[tokio::test]
async fn a_token_without_the_endpoints_scope_gets_403_insufficient_scope() {
    let t = with_moderators().await;
    let token = t.user_token("alice_mod", "identity").await;
    let resp = t.get(&token, "/api/mod/conversations").await;
    assert_eq!(resp.status(), 403);
    let challenge = resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.contains("insufficient_scope"), "{challenge}");
    assert_eq!(
        t.get(&token, "/subreddits/mine/moderator").await.status(),
        403
    );
    assert_eq!(t.get(&token, "/api/v1/me").await.status(), 200);
}

#[tokio::test]
async fn the_web_app_is_set_over_the_control_api_and_counted_by_typed_status() {
    let t = with_moderators().await;
    t.control(
        "/_sim/webapp",
        json!({"client_id": "console", "client_secret": "s3cret", "redirect_uri": "http://127.0.0.1:9/cb"}),
    )
    .await;
    let app = t.sim().config().web_app;
    assert_eq!(
        (app.client_id.as_str(), app.code_ttl_secs),
        ("console", 600)
    );
    t.user_token("alice_mod", "identity").await;
    let c = t.sim().counters();
    assert_eq!(c.count(Endpoint::Authorize, 302), 1);
    assert_eq!(c.count(Endpoint::Token, CallStatus::Status(200)), 1);
    let over_http = t.control_get("/_sim/counters").await;
    assert_eq!(over_http["calls"]["authorize"]["302"], 1);
}
