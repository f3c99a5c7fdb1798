use std::time::Duration;

use reddit_sim::{CallStatus, Endpoint, FaultMode, FaultRequest, LedgerKind};
use serde_json::{Value, json};

use crate::helpers::{cfg, client, eventually, spawn};

#[tokio::test]
async fn status_fault_fails_the_next_calls_only() {
    let t = spawn(cfg()).await;
    let id = t.world();
    let token = t.token().await;
    t.control(
        "/_sim/faults",
        json!({"endpoint": "get", "count": 2, "mode": {"status": 503}}),
    )
    .await;
    for _ in 0..2 {
        let resp = t.get(&token, &format!("/api/mod/conversations/{id}")).await;
        assert_eq!(resp.status(), 503);
        assert!(resp.headers().get("x-ratelimit-used").is_some());
    }
    assert_eq!(
        t.get(&token, &format!("/api/mod/conversations/{id}"))
            .await
            .status(),
        200
    );

    // A failed write has no effect.
    t.sim().inject_fault(FaultRequest {
        endpoint: Endpoint::Reply,
        count: 1,
        mode: FaultMode::Status(500),
    });
    let resp = t
        .post(
            &token,
            &format!("/api/mod/conversations/{id}"),
            &[("body", "hi")],
        )
        .await;
    assert_eq!(resp.status(), 500);
    assert!(t.sim().ledger().is_empty());
    assert_eq!(t.sim().counters().count(Endpoint::Get, 503), 2);

    // Token endpoint faults too.
    t.sim().inject_fault(FaultRequest {
        endpoint: Endpoint::Token,
        count: 1,
        mode: FaultMode::Status(502),
    });
    let bot = t.sim().config().bot;
    let resp = t
        .token_response(
            &bot.client_id,
            &bot.client_secret,
            &bot.username,
            &bot.password,
        )
        .await;
    assert_eq!(resp.status(), 502);
}

#[tokio::test]
async fn status_after_apply_fails_but_takes_effect() {
    let t = spawn(cfg()).await;
    let id = t.world();
    let token = t.token().await;
    t.control(
        "/_sim/faults",
        json!({"endpoint": "archive", "mode": {"status_after_apply": 502}}),
    )
    .await;
    let resp = t
        .post(&token, &format!("/api/mod/conversations/{id}/archive"), &[])
        .await;
    assert_eq!(resp.status(), 502);
    assert_eq!(t.sim().ledger()[0].kind, LedgerKind::Archive);
}

#[tokio::test]
async fn delayed_call_times_out_on_the_client_but_still_applies() {
    let t = spawn(cfg()).await;
    let id = t.world();
    let token = t.token().await;
    t.control(
        "/_sim/faults",
        json!({"endpoint": "reply", "count": 1, "mode": {"delay_ms": 1500}}),
    )
    .await;
    let impatient = client(Some(Duration::from_millis(300)));
    let err = impatient
        .post(t.url(&format!("/api/mod/conversations/{id}")))
        .bearer_auth(&token)
        .form(&[("body", "slow reply")])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    eventually(5, || t.sim().ledger().len() == 1).await;
    assert_eq!(t.sim().ledger()[0].body.as_deref(), Some("slow reply"));

    // A patient client just waits.
    t.sim().inject_fault(FaultRequest {
        endpoint: Endpoint::Me,
        count: 1,
        mode: FaultMode::Delay(Duration::from_millis(200)),
    });
    let started = std::time::Instant::now();
    assert_eq!(t.get(&token, "/api/v1/me").await.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn drop_after_apply_is_a_connection_error_and_applies_once() {
    let t = spawn(cfg()).await;
    let id = t.world();
    let token = t.token().await;
    t.control(
        "/_sim/faults",
        json!({"endpoint": "reply", "count": 1, "mode": "drop_after_apply"}),
    )
    .await;
    let err = t
        .http
        .post(t.url(&format!("/api/mod/conversations/{id}")))
        .bearer_auth(&token)
        .form(&[("body", "dropped reply"), ("isInternal", "false")])
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    assert!(err.status().is_none());
    // hyper: "connection closed before message completed".
    assert!(err.is_request(), "{err:?}");

    let ledger: Value = t.control_get(&format!("/_sim/ledger/{id}")).await;
    let entries = ledger.as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["kind"], "reply");
    assert_eq!(entries[0]["body"], "dropped reply");
    assert_eq!(
        t.sim()
            .counters()
            .count(Endpoint::Reply, CallStatus::Dropped),
        1
    );

    // The same client keeps working afterwards.
    let resp = t.get(&token, &format!("/api/mod/conversations/{id}")).await;
    assert_eq!(resp.status(), 200);
    let got: Value = resp.json().await.unwrap();
    let bodies: Vec<&str> = got["messages"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|m| m["bodyMarkdown"].as_str())
        .filter(|b| *b == "dropped reply")
        .collect();
    assert_eq!(bodies.len(), 1);
}

#[test]
fn fault_modes_parse_from_json() {
    let parse = |v: Value| serde_json::from_value::<FaultMode>(v).unwrap();
    assert_eq!(parse(json!({"status": 500})), FaultMode::Status(500));
    assert_eq!(
        parse(json!({"delay_ms": 3000})),
        FaultMode::Delay(Duration::from_secs(3))
    );
    assert_eq!(parse(json!("drop_after_apply")), FaultMode::DropAfterApply);
    assert_eq!(
        parse(json!({"status_after_apply": 502})),
        FaultMode::StatusAfterApply(502)
    );
    assert!(serde_json::from_value::<FaultMode>(json!({"status": 5})).is_err());
    assert_eq!(
        serde_json::to_value(FaultMode::DropAfterApply).unwrap(),
        json!("drop_after_apply")
    );
}
