use serde_json::{Value, json};

use crate::helpers::{assert_shape, cfg, fixture, spawn};

#[tokio::test]
async fn password_grant_returns_a_bearer_token_shaped_like_reddits() {
    let t = spawn(cfg()).await;
    let bot = t.sim().config().bot;
    let resp = t
        .token_response(
            &bot.client_id,
            &bot.client_secret,
            &bot.username,
            &bot.password,
        )
        .await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    let mut expected = fixture("token");
    // Reddit sends no refresh token for the password grant.
    expected.as_object_mut().unwrap().remove("refresh_token");
    assert_shape(&expected, &v);
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 3600);
    let token = v["access_token"].as_str().unwrap();
    let me: Value = t.get(token, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["name"], bot.username);
    t.server.stop().await;
}

#[tokio::test]
async fn wrong_password_is_invalid_grant_with_status_200() {
    let t = spawn(cfg()).await;
    let bot = t.sim().config().bot;
    for (user, pass) in [
        (bot.username.as_str(), "nope"),
        ("someone_else", bot.password.as_str()),
    ] {
        let resp = t
            .token_response(&bot.client_id, &bot.client_secret, user, pass)
            .await;
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.json::<Value>().await.unwrap(),
            json!({"error": "invalid_grant"})
        );
    }
}

#[tokio::test]
async fn wrong_client_credentials_are_401() {
    let t = spawn(cfg()).await;
    let bot = t.sim().config().bot;
    let resp = t
        .token_response(&bot.client_id, "wrong-secret", &bot.username, &bot.password)
        .await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"message": "Unauthorized", "error": 401})
    );
    let resp = t
        .http
        .post(t.url("/api/v1/access_token"))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn expired_missing_and_revoked_tokens_are_401() {
    let mut c = cfg();
    c.token_ttl_secs = 60;
    let t = spawn(c).await;
    let token = t.token().await;
    assert_eq!(t.get(&token, "/api/v1/me").await.status(), 200);

    t.control("/_sim/clock/advance", json!({"seconds": 61}))
        .await;
    let resp = t.get(&token, "/api/v1/me").await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"message": "Unauthorized", "error": 401})
    );

    let fresh = t.token().await;
    assert_eq!(t.get(&fresh, "/api/v1/me").await.status(), 200);
    t.control("/_sim/tokens/expire_all", json!({})).await;
    assert_eq!(t.get(&fresh, "/api/v1/me").await.status(), 401);

    let resp = t.http.get(t.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().get("x-ratelimit-used").is_none());
}
