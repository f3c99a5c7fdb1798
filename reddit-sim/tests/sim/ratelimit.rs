use reddit_sim::Endpoint;
use serde_json::json;

use crate::helpers::{cfg, spawn};

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing {name}"))
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn headers_count_down_and_429_when_spent() {
    let t = spawn(cfg()).await;
    t.control("/_sim/ratelimit", json!({"budget": 5, "window_secs": 60}))
        .await;
    let token = t.token().await;
    for i in 1..=5u32 {
        let resp = t.get(&token, "/api/v1/me").await;
        assert_eq!(resp.status(), 200);
        assert_eq!(header(&resp, "x-ratelimit-used"), i.to_string());
        assert_eq!(
            header(&resp, "x-ratelimit-remaining"),
            format!("{}.0", 5 - i)
        );
        let reset: u64 = header(&resp, "x-ratelimit-reset").parse().unwrap();
        assert!(reset > 0 && reset <= 60, "reset {reset}");
    }
    let resp = t.get(&token, "/api/v1/me").await;
    assert_eq!(resp.status(), 429);
    assert_eq!(header(&resp, "x-ratelimit-remaining"), "0.0");
    assert_eq!(header(&resp, "x-ratelimit-used"), "6");
    let retry: u64 = header(&resp, "retry-after").parse().unwrap();
    assert!(retry > 0 && retry <= 60);

    let c = t.sim().counters();
    assert_eq!(c.rate_limited, 1);
    assert_eq!(c.count(Endpoint::Me, 200), 5);
    assert_eq!(c.count(Endpoint::Me, 429), 1);
    assert_eq!(c.count(Endpoint::Token, 200), 1);
    assert_eq!(c.max_used, 6);
    assert_eq!(c.min_remaining, Some(0.0));
    let over_http = t.control_get("/_sim/counters").await;
    assert_eq!(over_http["calls"]["me"]["429"], 1);

    // A new window opens once the clock passes the old one.
    t.sim().advance_clock(61);
    let resp = t.get(&token, "/api/v1/me").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-ratelimit-used"), "1");
    assert_eq!(header(&resp, "x-ratelimit-remaining"), "4.0");

    t.control("/_sim/counters/reset", json!({})).await;
    assert_eq!(t.sim().counters().total, 0);
}

#[tokio::test]
async fn default_budget_is_reddits() {
    let t = spawn(reddit_sim::SimConfig::default()).await;
    let token = t.token().await;
    let resp = t.get(&token, "/api/v1/me").await;
    assert_eq!(header(&resp, "x-ratelimit-remaining"), "599.0");
    assert_eq!(header(&resp, "x-ratelimit-reset"), "600");
}
